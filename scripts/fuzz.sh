#!/usr/bin/env bash
# `make fuzz`: schemathesis over /api/schema/ against a live development server
# on 127.0.0.1, with a throwaway SQLite database holding the report data.
#
#   1. as an integration token that may write (阿勒泰地区): no 5xx, every response
#      as the schema describes it, auth never ignored;
#   2. as a technician token (福海县 only), on the entries (the one role that may
#      DELETE them): the same checks, with objects outside its scope;
#   3. anonymously: every operation answers 401, never a 5xx.
#
# Exits non-zero when any run finds a failure or does not finish in time.
# Reports (JUnit, and the server's log with its tracebacks) go to test-results/fuzz/.
#
# Tunable from the environment (defaults in brackets):
#   FUZZ_MAX_EXAMPLES [30]  test cases per operation and phase, integration run
#   FUZZ_SMALL_EXAMPLES [10] the same for the technician and anonymous runs
#   FUZZ_SEED [random]      schemathesis prints the seed it used; pass it to replay a run
#   FUZZ_TIME_LIMIT [240]   seconds a single run may take before it is stopped (a failure)
#   FUZZ_WORKERS [2]        concurrent schemathesis workers
#   FUZZ_CHECKS             the checks of runs 1 and 2 (see `schemathesis run --help`)
#   FUZZ_RUNS [integration,technician,anonymous]  which runs to do
#   FUZZ_API_RATE [100000/minute]  the server's API_RATE_PER_TOKEN and API_RATE_ANONYMOUS
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
ST=$PWD/.venv/bin/schemathesis
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-30}
SMALL_EXAMPLES=${FUZZ_SMALL_EXAMPLES:-10}
TIME_LIMIT=${FUZZ_TIME_LIMIT:-240}
WORKERS=${FUZZ_WORKERS:-2}
# status_code_conformance: every answer's status is one the schema documents for its
# operation (livestock/api/schema.py documents every error answer).
CHECKS=${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,response_headers_conformance,ignored_auth,use_after_free,ensure_resource_availability}
RUNS=${FUZZ_RUNS:-integration,technician,anonymous}
REPORT_DIR=${FUZZ_REPORT_DIR:-test-results/fuzz}

# Nothing leaves this machine: no proxy for the server's address.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

work=$(mktemp -d "${TMPDIR:-/tmp}/lambing-fuzz.XXXXXX")
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
    rm -rf "$work"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# schemathesis runs in the report folder, so that its cache (.schemathesis/) and
# Hypothesis's (.hypothesis/) stay there, out of the work tree.
mkdir -p "$REPORT_DIR"
REPORT_DIR=$(cd "$REPORT_DIR" && pwd)
rm -f "$REPORT_DIR"/{integration,technician,anonymous}.xml "$REPORT_DIR/server.log"
server_log="$REPORT_DIR/server.log"

# The server and the commands run in development mode (DEBUG on, so that a 500's
# traceback lands in server.log) on a database that is deleted at exit. Its
# transactions take SQLite's write lock when they begin (IMMEDIATE), so that two
# concurrent writes wait for each other instead of failing with "database is
# locked", which PostgreSQL, the production database, would not do either.
export DATABASE_URL="sqlite:///$work/db.sqlite3?transaction_mode=IMMEDIATE"
export DEBUG=true
export ALLOWED_HOSTS=127.0.0.1
unset SECRET_KEY
# Each run sends thousands of requests a minute with one token (or none); the
# API's throttles (600 a minute per token by default) would answer most with 429.
export API_RATE_PER_TOKEN=${FUZZ_API_RATE:-100000/minute}
export API_RATE_ANONYMOUS=${FUZZ_API_RATE:-100000/minute}

echo "== database $work/db.sqlite3: migrate, seed_reports, users"
"$PY" manage.py migrate --no-input >/dev/null
"$PY" manage.py seed_reports
integration_token=$(
    "$PY" manage.py add_user fuzz-integration --role integration --place 阿勒泰地区 --write </dev/null |
        sed -n 's/^Token: \([0-9a-f]\{40\}\).*/\1/p'
)
# A technician works in the admin and has no token of its own; the fuzz run
# gives it one (DRF's command) to reach the API with the technician's
# permissions and scope. Its password is piped, so that none is printed.
"$PY" -c 'import secrets; print(secrets.token_urlsafe(18))' |
    "$PY" manage.py add_user fuzz-technician --role technician --place 福海县 >/dev/null
technician_token=$(
    "$PY" manage.py drf_create_token fuzz-technician | sed -n 's/.*token \([0-9a-f]\{40\}\).*/\1/p'
)
if [ -z "$integration_token" ] || [ -z "$technician_token" ]; then
    echo "fuzz: could not read the users' API tokens" >&2
    exit 2
fi

# Ids and a date from the seeded data, for one valid request per create
# operation (see authenticated_hooks.py below): a record, a village and a
# herder without a record in 福海县, the technician's county, and a day of the
# record's season that is not in the future.
FUZZ_FACTS=$("$PY" manage.py shell -v 0 -c '
import json
from django.utils import timezone
from livestock.models import Herder, LambingRecord, Village
record = LambingRecord.objects.filter(herder__village__township__county__name="福海县").first()
village = Village.objects.filter(township__county__name="福海县").order_by("pk").first()
herder = Herder.objects.filter(lambing_records__isnull=True).order_by("pk").first()
day = min(record.season.end_date, timezone.localdate())
print(json.dumps({"record": record.pk, "village": village.pk, "day": day.isoformat(),
                  "herder": herder and herder.pk, "season": record.season_id}))
')
export FUZZ_FACTS

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
echo "== server on $base (log: $server_log)"
"$PY" manage.py runserver "127.0.0.1:$port" --noreload >"$server_log" 2>&1 &
server_pid=$!
ready=""
for _ in $(seq 60); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "fuzz: the server stopped; see $server_log" >&2
        tail -20 "$server_log" >&2
        exit 2
    fi
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$base/api/schema/" 2>/dev/null; then
        ready=yes
        break
    fi
    sleep 0.5
done
if [ -z "$ready" ]; then
    echo "fuzz: the server did not answer on $base within 30 s; see $server_log" >&2
    exit 2
fi

# Anonymous requests: every operation answers 401 (a check written for this run).
# A path whose id is not a whole number (/api/v1/herders/0.5/) names no resource;
# DRF's router reads ".5" as an unknown format suffix and answers 404 before it
# authenticates, which is fine: a 404 that says nothing about any data.
cat >"$work/anonymous_hooks.py" <<'PY'
import schemathesis


def names_a_resource(case):
    return all(
        isinstance(value, int) and not isinstance(value, bool)
        for value in (case.path_parameters or {}).values()
    )


@schemathesis.check
def anonymous_gets_401(ctx, response, case):
    """Nothing is readable or writable without credentials: always a 401."""
    allowed = {401} if names_a_resource(case) else {401, 404}
    if response.status_code not in allowed:
        raise AssertionError(
            f"Expected {' or '.join(map(str, sorted(allowed)))} for an anonymous request, "
            f"got {response.status_code}"
        )
PY

# The schema has no request examples, and ids, dates and the counting rules
# that a request must meet are more than a schema can say: without help almost
# every generated create is refused, and what lies behind a valid one (the
# rules across entries, an entry resent under its uuid) is never reached. The
# authenticated runs add one valid example per create (the examples phase sends
# it; the coverage phase varies it) to their copy of the schema.
cat >"$work/authenticated_hooks.py" <<'PY'
import json
import os

import schemathesis

FACTS = json.loads(os.environ["FUZZ_FACTS"])
ENTRY = {"record": FACTS["record"], "date": FACTS["day"], "ewes_lambed": 2, "lambs_born": 3}
EXAMPLES = {
    ("/api/v1/entries/", "post"): {
        **ENTRY,
        "uuid": "6f0c1e2a-1b5e-4c59-9a3e-2f7d9c1b0a11",
        "note": "make fuzz",
    },
    ("/api/v1/entries/bulk/", "post"): [
        {**ENTRY, "ewes_lambed": 0, "lambs_born": 0, "lambs_lost": 1, "loss_cause": "cold"},
        {**ENTRY, "ewes_lambed": 0, "lambs_born": 0, "lambs_alive": 2, "check_stage": "day7"},
    ],
    ("/api/v1/entries/{id}/", "patch"): {"lambs_born": 1, "note": "corrected"},
    ("/api/v1/herders/", "post"): {
        "village": FACTS["village"],
        "name": "测试户·胡安",
        "name_latin": "Ceshi Hu'an",
    },
    ("/api/v1/lambing-records/", "post"): {
        "herder": FACTS["herder"],
        "season": FACTS["season"],
        "ewes_at_start": 80,
    },
}


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for (path, method), example in EXAMPLES.items():
        operation = raw_schema.get("paths", {}).get(path, {}).get(method)
        media = (operation or {}).get("requestBody", {}).get("content", {}).get("application/json")
        if media is not None and "example" not in media and "examples" not in media:
            media["example"] = example
PY

failed=()
run() {
    local name=$1
    shift
    echo ""
    echo "== schemathesis: $name"
    local started=$SECONDS status=0
    (cd "$REPORT_DIR" && timeout --signal=INT --kill-after=30 "$TIME_LIMIT" \
        "$ST" run "$base/api/schema/" \
        --workers "$WORKERS" \
        --request-timeout 20 \
        --generation-database none \
        --no-color \
        --report junit --report-junit-path "$REPORT_DIR/$name.xml" \
        ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
        "$@") || status=$?
    echo "== $name: exit $status in $((SECONDS - started)) s"
    if [ "$status" -eq 124 ]; then
        echo "fuzz: $name did not finish within FUZZ_TIME_LIMIT=$TIME_LIMIT s" >&2
    fi
    if [ "$status" -ne 0 ]; then
        failed+=("$name")
    fi
}

if [[ ",$RUNS," == *,integration,* ]]; then
    SCHEMATHESIS_HOOKS="$work/authenticated_hooks.py" run integration \
        -H "Authorization: Token $integration_token" -H "Accept-Language: en" \
        --checks "$CHECKS" --max-examples "$MAX_EXAMPLES"
fi
if [[ ",$RUNS," == *,technician,* ]]; then
    SCHEMATHESIS_HOOKS="$work/authenticated_hooks.py" run technician \
        -H "Authorization: Token $technician_token" \
        --include-path-regex '^/api/v1/entries/' --phases examples,fuzzing,stateful \
        --checks "$CHECKS" --max-examples "$SMALL_EXAMPLES"
fi
if [[ ",$RUNS," == *,anonymous,* ]]; then
    SCHEMATHESIS_HOOKS="$work/anonymous_hooks.py" run anonymous \
        --checks not_a_server_error,anonymous_gets_401 --max-examples "$SMALL_EXAMPLES" \
        --phases examples,fuzzing --warnings off
fi

if grep -q "Internal Server Error" "$server_log"; then
    echo ""
    echo "== the server logged errors (tracebacks in $server_log):"
    { grep -oE 'Internal Server Error: .*' "$server_log" || true; } | sort | uniq -c | sort -rn
    echo "   raised:"
    { grep -E '^[A-Za-z_.]*(Error|Exception)(: |$)' "$server_log" || true; } | sort | uniq -c | sort -rn
fi
echo ""
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (reports in $REPORT_DIR/)"
    exit 1
fi
echo "fuzz: no failures (reports in $REPORT_DIR/)"
