"""The Content-Security-Policy (config/settings.py) and the pages that keep it:
scripts, styles and images come from this server only, and no page holds
inline script or style for the policy to refuse. (tests/browser/test_csp.py
opens the same pages in Chromium and reads its console.)"""

import datetime
from html.parser import HTMLParser

import pytest

from livestock.services.entries import entry_create, entry_update
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """Collects what a strict CSP refuses to run or apply: inline scripts, style
    elements, style and event-handler attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            kind = (attributes.get("type") or "text/javascript").lower()
            self._in_script = "src" not in attributes and "javascript" in kind
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def record_with_entries(sailike_record, fuhai_technician):
    entry_create(
        record=sailike_record, date=datetime.date(2024, 12, 10), ewes_lambed=3, lambs_born=4
    )
    entry, _new = entry_create(
        record=sailike_record,
        date=datetime.date(2024, 12, 12),
        lambs_lost=1,
        loss_cause="cold",
        lambs_alive=3,
        check_stage="birth",
    )
    entry_update(entry=entry, reason="recounted", lambs_alive=2)
    return sailike_record


@pytest.fixture
def superuser(db):
    return make_user("root", None, superuser=True)


def pages(record) -> list[str]:
    """What technicians, officials and integrators open, a form with its widgets included."""
    return [
        "/",
        f"/?season={record.season_id}&place=county:{record.herder.village.township.county_id}",
        f"/?season={record.season_id}&place=herder:{record.herder_id}",
        "/admin/",
        "/admin/livestock/lambingrecord/",
        f"/admin/livestock/lambingrecord/{record.pk}/change/",
        f"/admin/livestock/lambingrecord/{record.pk}/history/",
        "/admin/livestock/herder/add/",
        f"/admin/livestock/herder/{record.herder_id}/history/",
        "/admin/livestock/reportedfigure/",
        "/admin/livestock/review/",
        "/admin/livestock/township/",
        "/admin/auth/user/add/",
        "/api/docs/",
        "/field/",
        f"/field/village/{record.herder.village_id}/",
        f"/field/record/{record.pk}/",
    ]


def test_every_page_sends_a_policy_that_allows_nothing_inline_or_from_elsewhere(
    client, superuser, record_with_entries
):
    client.force_login(superuser)
    for url in [*pages(record_with_entries), "/api/v1/herders/", "/api/docs/?script="]:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["default-src"] == ["'self'"], url
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert not any("unsafe" in value for values in directives.values() for value in values)


def test_the_login_page_sends_the_policy(client):
    response = client.get("/admin/login/")
    assert policy(response)["script-src"] == ["'self'"]


@pytest.mark.parametrize("user", ["superuser", "fuhai_technician", "prefecture_official"])
def test_no_page_holds_inline_script_or_style(client, request, user, record_with_entries):
    client.force_login(request.getfixturevalue(user))
    for url in ["/admin/login/", *pages(record_with_entries)]:
        response = client.get(url)
        if response.status_code in (302, 403, 404):
            continue  # a page this role does not reach
        assert response.status_code == 200, url
        assert inline_code(response) == [], url


def test_the_api_docs_start_from_a_script_file(client, prefecture_official):
    client.force_login(prefecture_official)
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page


def test_the_parser_finds_inline_code():
    """The check above could not pass by seeing nothing: it sees each kind."""
    parser = InlineCode()
    parser.feed(
        '<script>alert(1)</script><script src="/x.js"></script>'
        '<script type="application/json">{"data": 1}</script>'
        '<style>p {}</style><p style="color: red" onclick="x()"><a href="javascript:x()">'
    )
    assert parser.found == [
        "inline <script>: alert(1)",
        "<style> element",
        '<p style="color: red">',
        "<p onclick=…>",
        "<a href=javascript:x()>",
    ]
