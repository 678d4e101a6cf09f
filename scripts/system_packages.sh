#!/usr/bin/env bash
# Debian's packages the whole test suite uses beyond Python's: Chromium for the
# browser tests (Playwright downloads none), CJK fonts so that Chinese renders in
# screenshots and in the bulletin's PDF, Pango for WeasyPrint (the bulletin's
# PDF), and pdftotext (poppler-utils) to read that PDF back.
#
# `make test` and `.ci/run` call this. It installs what is missing when it can
# (root, with apt-get); otherwise it says what is missing and goes on: on a
# developer's machine the tests that need it are skipped, in CI (`CI` set) they
# fail.
set -euo pipefail

PACKAGES="chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils"

command -v dpkg-query >/dev/null || exit 0  # not Debian: nothing to check here
missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's$missing for the browser and PDF tests (once)."
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
    echo "Not installed:$missing. The tests that need them are skipped here"
    echo "(sudo apt-get install --no-install-recommends$missing runs them)."
fi
