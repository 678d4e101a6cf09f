"""The API's description: /api/schema/ is a valid OpenAPI 3 document that says
what every operation and field is, and /api/docs/ renders it from local assets
only. (`make fuzz` checks the live API against this same schema.)"""

import datetime
import html
import json
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_body
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

from livestock.services.entries import entry_create
from tests.test_api_base import api

# The components integrations write and read most: every field must say what it is.
ENTRY_AND_TOTALS = re.compile(r"^(Patched)?LambingEntry|^Totals$")


@pytest.fixture
def schema(client, prefecture_official) -> dict:
    """/api/schema/ as JSON, read by a signed-in user, in English."""
    client.force_login(prefecture_official)
    response = client.get("/api/schema/?format=json", headers={"accept-language": "en"})
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def undescribed_fields(schema: dict, *, only=None, except_id: bool) -> dict[str, list[str]]:
    """Component name → its properties that have no description."""
    missing = {}
    for name, component in schema["components"]["schemas"].items():
        if name.startswith("Paginated") or (only and not only.search(name)):
            continue
        fields = [
            field
            for field, definition in component.get("properties", {}).items()
            if not definition.get("description") and not (except_id and field == "id")
        ]
        if fields:
            missing[name] = fields
    return missing


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.0")
    validate(schema, cls=OpenAPIV30SpecValidator)


def test_the_schema_describes_the_v1_resources(schema):
    paths = set(schema["paths"])
    for resource in (
        "counties",
        "townships",
        "villages",
        "herders",
        "seasons",
        "lambing-records",
        "entries",
        "reported-figures",
    ):
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert "/api/v1/summaries/" in paths
    assert "/api/v1/entries/bulk/" in paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_every_operation_has_a_description_or_summary(schema):
    undescribed = [
        name
        for name, operation in operations(schema)
        if not (operation.get("description") or operation.get("summary"))
    ]
    assert undescribed == [], f"Operations with no description or summary: {undescribed}"


def test_every_field_of_the_entry_and_totals_components_is_described(schema):
    missing = undescribed_fields(schema, only=ENTRY_AND_TOTALS, except_id=False)
    assert missing == {}, f"Fields with no description: {missing}"


def test_every_field_of_every_component_is_described(schema):
    missing = undescribed_fields(schema, except_id=True)
    assert missing == {}, f"Fields with no description: {missing}"


class _References(HTMLParser):
    """Every src and href of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_the_docs_render_with_local_assets_only(client, prefecture_official):
    client.force_login(prefecture_official)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="swagger-ui"' in page
    # Swagger UI's start-up script is served from its own URL (no inline script).
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    schema_url = re.search(r'\burl: ("[^"]*")', script.content.decode()).group(1)
    assert json.loads(schema_url) == "/api/schema/"

    static = "/" + settings.STATIC_URL.strip("/") + "/"
    parser = _References()
    parser.feed(page)
    assert parser.urls, "the page references no script or stylesheet"
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not on this server"
        if parts.path == "/api/docs/":
            assert parts.query == "script=", url
            continue
        assert parts.path.startswith(static), f"{url} is not a static asset"
        assert finders.find(parts.path.removeprefix(static)), f"no app ships {url}"
    # Nor in an inline script or style: no address of another host at all.
    assert re.findall(r"https?://[^\s\"'<>)]+", page) == []


@pytest.mark.parametrize(
    ("url", "named", "accepted"),
    [
        ("/api/schema/?formt=json", "formt", "format, lang"),
        ("/api/schema/?version=2", "version", "format, lang"),
        ("/api/docs/?langauge=en", "langauge", "format, lang, script"),
    ],
)
def test_the_schema_and_the_docs_refuse_a_parameter_they_do_not_take(
    client, prefecture_official, url, named, accepted
):
    """As every endpoint of the API does: ?formt=json answered YAML, and
    ?version=2 wrote 2 into the schema's version."""
    client.force_login(prefecture_official)
    response = client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        named: [f"{named} is not a parameter of this request; it takes: {accepted}."]
    }


def test_a_language_the_service_does_not_have_is_refused_at_lang(client, prefecture_official):
    """?lang=english gave the schema in the default language, as if asked for it."""
    client.force_login(prefecture_official)
    for url in ("/api/schema/?lang=english", "/api/docs/?lang=english&script="):
        response = client.get(url, headers={"accept-language": "en"})
        assert response.status_code == 400, url
        assert response.json() == {
            "lang": [
                "english is not a language of this service; use one of: zh-hans, kk-arab, kk, en."
            ]
        }


def test_the_docs_page_takes_the_parameters_it_sends_to_its_script_and_schema(
    client, prefecture_official
):
    """The page asks for its start-up script with its own lang and ``script``,
    the script for the schema with that lang: each is answered, in that language."""
    client.force_login(prefecture_official)
    page = client.get("/api/docs/?lang=en")
    assert page.status_code == 200
    script_url = html.unescape(
        re.search(r'<script src="(/api/docs/\?[^"]*)"', page.content.decode()).group(1)
    )
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    schema_url = json.loads(re.search(r'\burl: ("[^"]*")', script.content.decode()).group(1))
    assert schema_url == "/api/schema/?lang=en"
    schema = client.get(schema_url + "&format=json", headers={"accept-language": "zh-hans"})
    assert schema.status_code == 200
    figure = json.loads(schema.content)["components"]["schemas"]["ReportedFigure"]
    # 数字出处的原句。 in Chinese, the language of the request's Accept-Language.
    assert figure["properties"]["quote"]["description"] == "The sentence the figure was taken from."
    assert client.get("/api/schema/", {"lang": "zh-hans", "format": "yaml"}).status_code == 200


def test_a_reported_figures_value_is_documented_as_a_number_whole_for_a_count(schema):
    """Its type stays a number (integrations read it as one); never negative."""
    value = schema["components"]["schemas"]["ReportedFigure"]["properties"]["value"]
    assert (value["type"], value["minimum"]) == ("number", 0)
    assert "a whole number for a count" in value["description"]


def request_body_properties(schema: dict, path: str, method: str) -> dict:
    """The properties of an operation's JSON body, as a client generator reads them."""
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].removeprefix("#/components/schemas/")
    return schema["components"]["schemas"][name]["properties"]


def test_a_corrections_reason_is_documented_as_at_most_the_history_keeps_and_held_to_it(
    schema, fuhai_technician, sailike_record
):
    """A client generated from the schema knows that a reason holds at most 100
    characters (the schema had lost its maxLength when the serializer left the
    length to the service); the API keeps to it: a reason one longer is refused
    with the service's message, naming its length and the limit, and changes
    nothing; one of the limit's length is kept."""
    entry, _created = entry_create(
        record=sailike_record, date=datetime.date(2024, 12, 10), ewes_lambed=8, lambs_born=10
    )
    limits = {
        (path, method): request_body_properties(schema, path, method)["reason"].get("maxLength")
        for path in ("/api/v1/lambing-records/{id}/", "/api/v1/entries/{id}/")
        for method in ("put", "patch")
    }
    assert set(limits.values()) == {100}, limits

    client = api(fuhai_technician)
    too_long = "数" * 101
    refused = {
        "record": client.patch(
            f"/api/v1/lambing-records/{sailike_record.pk}/",
            {"ewes_at_start": 130, "reason": too_long},
        ),
        "entry": client.patch(
            f"/api/v1/entries/{entry.pk}/", {"lambs_born": 11, "reason": too_long}
        ),
    }
    guards_message = (
        "The reason is 101 characters long; the history keeps up to 100. Say it more briefly."
    )
    for response in refused.values():
        assert response.status_code == 400
        assert response.json() == {"reason": [guards_message]}
    sailike_record.refresh_from_db()
    entry.refresh_from_db()
    assert (sailike_record.ewes_at_start, sailike_record.history.count()) == (120, 1)
    assert (entry.lambs_born, entry.history.count()) == (10, 1)

    at_the_limit = "数" * 100
    kept = client.patch(f"/api/v1/entries/{entry.pk}/", {"lambs_born": 11, "reason": at_the_limit})
    assert kept.status_code == 200, kept.content
    assert entry.history.latest().history_change_reason == at_the_limit


# The operations whose refusals the field app's language headers change (errors.Refusal).
TAKE_LANGUAGES = re.compile(r"^(POST|PUT|PATCH|DELETE) |\{id\}")
SHOWN_HEADERS = ("X-Shown-Languages", "X-Shown-Apart")


def test_the_field_apps_language_headers_are_documented_where_they_change_a_refusal(schema):
    """A client generated from the schema can ask for a refusal in a field page's two
    languages, or each apart, as the field app's script does: every write and every
    operation on an object by its id takes both headers, optional, with the values
    the API reads; a list, whose refusals are said in Accept-Language's alone, neither."""
    taken = {
        name: [p for p in operation.get("parameters", []) if p["name"] in SHOWN_HEADERS]
        for name, operation in operations(schema)
    }
    documented = {name for name, headers in taken.items() if headers}
    assert documented == {name for name in taken if TAKE_LANGUAGES.search(name)}
    assert "PATCH /api/v1/entries/{id}/" in documented
    assert "POST /api/v1/entries/bulk/" in documented
    assert "GET /api/v1/entries/" not in documented
    for name in documented:
        assert [(p["name"], p["in"], p["required"]) for p in taken[name]] == [
            ("X-Shown-Languages", "header", False),
            ("X-Shown-Apart", "header", False),
        ], name
    enums = {
        p["name"]: schema["components"]["schemas"][p["schema"]["$ref"].split("/")[-1]]["enum"]
        for p in taken["PATCH /api/v1/entries/{id}/"]
    }
    assert enums == {
        "X-Shown-Languages": ["zh-hans", "kk-arab", "kk", "en"],
        "X-Shown-Apart": ["1"],
    }


def assert_documented(schema: dict, path: str, method: str, response) -> None:
    """``response``'s body is what the schema says ``method path`` answers with its status."""
    answers = schema["paths"][path][method]["responses"]
    body = answers[str(response.status_code)]["content"]["application/json"]["schema"]
    validate_body(response.json(), {**body, "components": schema["components"]}, cls=OAS30Validator)


def test_a_refusal_asked_apart_is_an_error_the_schema_documents(
    schema, fuhai_technician, burqin_official, sailike_record
):
    """Asked apart (X-Shown-Apart: 1, as the field app's script asks), a 404, a 409, a
    412, a body that is not JSON and a role's 403 are {language: text}, with no detail:
    the schema's Error required a detail, so a client checking answers against the
    schema (or generated from it) could not read them. Joined, they are an Error as
    before."""
    entry, _created = entry_create(
        record=sailike_record, date=datetime.date(2024, 12, 10), ewes_lambed=8, lambs_born=10
    )
    client = api(fuhai_technician)
    official = api(burqin_official)  # a role that may read counts, not add them
    sent = {
        ("/api/v1/entries/{id}/", "get"): lambda **asked: client.get(
            "/api/v1/entries/999999/", **asked
        ),
        ("/api/v1/entries/{id}/", "patch"): lambda **asked: client.patch(
            f"/api/v1/entries/{entry.pk}/",
            {"lambs_born": 11, "reason": "recounted"},
            HTTP_IF_MATCH='"an-older-version"',
            **asked,
        ),
        ("/api/v1/entries/", "post"): lambda **asked: client.post(
            "/api/v1/entries/",
            {"uuid": str(entry.uuid), "record": sailike_record.pk, "date": "2024-12-11"},
            **asked,
        ),
        ("/api/v1/lambing-records/", "post"): lambda **asked: client.post(
            "/api/v1/lambing-records/", '{"herder": 1,', content_type="application/json", **asked
        ),
        ("/api/v1/entries/bulk/", "post"): lambda **asked: official.post(
            "/api/v1/entries/bulk/",
            [{"uuid": str(uuid.uuid4()), "record": sailike_record.pk, "date": "2024-12-11"}],
            **asked,
        ),
    }
    apart = {"HTTP_X_SHOWN_LANGUAGES": "kk-arab", "HTTP_X_SHOWN_APART": "1"}
    for (path, method), send in sent.items():
        response = send(**apart)
        assert response.status_code in (404, 412, 409, 400, 403), response.content
        assert set(response.json()) == {"kk-arab", "zh-hans"}, response.content
        assert_documented(schema, path, method, response)
        joined = send(HTTP_X_SHOWN_LANGUAGES="zh-hans")
        assert joined.status_code == response.status_code
        assert set(joined.json()) == {"detail"}, joined.content
        assert " · " in joined.json()["detail"]
        assert_documented(schema, path, method, joined)
    statuses = [send(**apart).status_code for send in sent.values()]
    assert statuses == [404, 412, 409, 400, 403]
