"""Bad input, tried on purpose, on the surfaces people use: the admin's forms and
lists, the summary pages, and what the API suite (tests/test_api_errors.py)
leaves out. Every answer is a 4xx or the form again with the error at its
field, never a 500; nothing stored changes; and a name that looks like code
is shown back as text, escaped."""

import datetime
import html
import io
import uuid

import pytest
from django.utils import timezone

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.users import user_create
from tests.conftest import PASSWORD, make_user
from tests.test_admin import add_count, correct, delete, field_errors, record_form
from tests.test_api_base import api

TOO_BIG_FOR_THE_DATABASE = 2**63
SCRIPT_NAME = "<script>alert('赛')</script>"
SQL_NAME = "罗伯特'); DROP TABLE livestock_herder;--"
LONG_REASON = "数错了，" * 40  # 160 characters


@pytest.fixture
def counted(sailike_record):
    """赛力克's record with one entry, the counts every bad request must leave as they are."""
    entry, _new = entry_create(
        record=sailike_record, date=datetime.date(2024, 12, 10), ewes_lambed=3, lambs_born=4
    )
    return entry


def stored(record: LambingRecord) -> list:
    return list(
        LambingEntry.objects.filter(record=record)
        .order_by("pk")
        .values_list("date", "ewes_lambed", "lambs_born", "lambs_lost", "lambs_alive", "version")
    ) + [LambingRecord.objects.filter(pk=record.pk).values_list("ewes_at_start", "version").get()]


# Reasons for a correction


def test_a_reason_longer_than_the_history_keeps_is_a_400_naming_the_limit(
    fuhai_technician, counted
):
    before = stored(counted.record)
    response = api(fuhai_technician).patch(
        f"/api/v1/entries/{counted.pk}/", {"lambs_born": 5, "reason": LONG_REASON}
    )
    assert response.status_code == 400
    assert "100" in response.json()["reason"][0]
    assert stored(counted.record) == before


def test_a_deletion_with_a_reason_too_long_is_a_400(fuhai_technician, counted):
    response = api(fuhai_technician).delete(f"/api/v1/entries/{counted.pk}/?reason={LONG_REASON}")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert LambingEntry.objects.filter(pk=counted.pk).exists()


def test_a_deletion_with_a_nul_character_for_its_reason_is_a_400(
    fuhai_technician, counted, english
):
    """The reason comes from the query string, where no form field refuses a NUL;
    it was kept in the history on SQLite, and PostgreSQL cannot store it at all."""
    response = api(fuhai_technician).delete(f"/api/v1/entries/{counted.pk}/?reason=%00")

    assert response.status_code == 400
    assert response.json() == {"reason": ["Null characters are not allowed."]}
    assert LambingEntry.objects.filter(pk=counted.pk, version=counted.version).exists()
    assert counted.history.count() == 1


@pytest.mark.parametrize(
    ("language", "said"),
    [("zh-hans", "不允许包含空字符（U+0000）。"), ("kk", "Нөл таңбаларына (U+0000) рұқсат жоқ.")],
)
def test_a_nul_character_in_a_text_is_refused_in_words_that_say_so(
    fuhai_technician, counted, language, said
):
    """Django's Chinese for its refusal of a NUL character read "不允许是用空字符串。"
    ("empty strings are not allowed", misspelt), of a note that held a character."""
    response = api(fuhai_technician, language=language).patch(
        f"/api/v1/entries/{counted.pk}/", {"note": "母羊\x00", "reason": "数错了"}
    )
    assert response.status_code == 400
    assert response.json() == {"note": [said]}
    assert LambingEntry.objects.get(pk=counted.pk).version == counted.version


def test_a_reason_of_the_longest_kind_is_kept_whole(fuhai_technician, counted):
    reason = "数" * 100
    response = api(fuhai_technician).patch(
        f"/api/v1/entries/{counted.pk}/", {"lambs_born": 5, "reason": reason}
    )
    assert response.status_code == 200
    assert counted.history.latest().history_change_reason == reason


# The admin


@pytest.fixture
def admin_client(client, fuhai_technician):
    client.force_login(fuhai_technician)
    return client


def admin_post(client, record: LambingRecord, field: str, value):
    """``value`` typed into ``field`` of the record's page: today's count
    (``new_…``), or the record's own form."""
    if field.startswith("new_"):
        return add_count(client, record, **{field.removeprefix("new_"): value})
    return client.post(
        f"/admin/livestock/lambingrecord/{record.pk}/change/",
        {**record_form(record), field: value},
    )


def errors_at(response, field: str) -> str:
    """The text of the errors the page shows at ``field``'s row."""
    page = response.content.decode()
    start = page.index(f"field-{field}")
    return page[start : page.index("</div>", page.index("errorlist", start))]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("new_lambs_born", TOO_BIG_FOR_THE_DATABASE, "50000"),
        ("new_lambs_born", -3, "-3"),
        ("new_lambs_born", "many", "整数"),
        ("new_lambs_lost", 10**30, "50000"),
        ("new_lambs_alive", "1e5", "整数"),
        ("new_date", "2024-02-30", "日期"),
        ("new_date", "9999-12-31", "9999-12-31"),
        ("new_date", "1970-01-01", "1970-01-01"),
        ("new_loss_cause", "wolf", "wolf"),
        ("ewes_at_start", TOO_BIG_FOR_THE_DATABASE, "50000"),
        ("ewes_at_start", -1, "-1"),
    ],
)
def test_a_bad_count_or_date_in_the_admin_is_shown_at_its_field(
    admin_client, counted, field, value, said
):
    record = counted.record
    before = stored(record)
    response = admin_post(admin_client, record, field, value)
    assert response.status_code == 200  # the form again
    name = field.removeprefix("new_")
    assert said in errors_at(response, name)
    assert stored(record) == before


NOT_WHOLE_ZH = "{}不是整数；数量须为0或以上的整数（规则：数量为整数）。"
NOT_A_DATE_ZH = (
    "2026-13-45不是日期；日期写作YYYY-MM-DD，如2025-02-11（规则：日期须为日历上真实的一天）。"
)
NOT_A_CAUSE_ZH = (
    "xx不是可选项；可选：冻死 (cold), 饿死 (starvation), 疾病 (disease), 母羊弃羔 (mismothering), "
    "兽害 (predator), 意外 (accident), 原因不明 (unknown)（规则：须从列表中选择）。"
)


@pytest.mark.parametrize(
    ("field", "typed", "sent", "said"),
    [
        ("lambs_born", "abc", "abc", NOT_WHOLE_ZH.format("abc")),
        ("lambs_born", "1.5", 1.5, NOT_WHOLE_ZH.format("1.5")),
        ("lambs_alive", "many", "many", NOT_WHOLE_ZH.format("many")),
        ("date", "2026-13-45", "2026-13-45", NOT_A_DATE_ZH),
        ("loss_cause", "xx", "xx", NOT_A_CAUSE_ZH),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_alike_in_the_admin_and_the_api(
    admin_client, fuhai_technician, counted, field, typed, sent, said
):
    """One message naming the value and the rule, where the admin said 输入整数。 and
    the API 请填写合法的整数值。 (DRF's), neither naming the value."""
    record = counted.record
    before = stored(record)
    extra = {"lambs_lost": 1} if field == "loss_cause" else {}
    admin = add_count(admin_client, record, **{field: typed, **extra})
    assert field_errors(admin)[field] == [said]
    body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-11"}
    refused = api(fuhai_technician, language="zh-hans").post(
        "/api/v1/entries/", {**body, **extra, field: sent}
    )
    assert refused.status_code == 400
    assert refused.json() == {field: [said]}
    bulk = api(fuhai_technician, language="zh-hans").post(
        "/api/v1/entries/bulk/", [{**body, **extra, field: sent}]
    )
    assert bulk.json()["errors"][0]["errors"] == {field: [said]}
    assert stored(record) == before


BEYOND_ZH = "{}超出一户可能的数量（规则：最多50000）。"
NEGATIVE_ZH = "{}是负数；数量须为0或以上（规则：不得为负数）。"


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ("9" * 1001, BEYOND_ZH.format("99999999999999999999…(1001)")),
        ("9" * 5000, BEYOND_ZH.format("99999999999999999999…(5000)")),
        ("-" + "9" * 5000, NEGATIVE_ZH.format("-9999999999999999999…(5001)")),
        (int("9" * 4300), BEYOND_ZH.format("99999999999999999999…(4300)")),
        (-int("9" * 4300), NEGATIVE_ZH.format("-9999999999999999999…(4301)")),
        ("0" * 40, None),
    ],
    ids=[
        "1001 digits",
        "5000 digits",
        "5000 digits negative",
        "4300 digits in JSON",
        "4300 digits negative in JSON",
        "40 zeros",
    ],
)
def test_a_count_of_thousands_of_digits_is_refused_by_the_limit_naming_it_shortened(
    admin_client, fuhai_technician, counted, sent, said
):
    """A count of more digits than Python reads (4,300) was "no whole number" in the
    admin and the field app, DRF said "字符串值太长。" ("String value too large.") of one
    over 1,000 characters, and one of fewer was said back whole, in each language:
    thousands of digits in a message (a negative JSON number still was). Forty zeros
    are still 0."""
    record = counted.record
    before = stored(record)
    admin = add_count(admin_client, record, lambs_born=sent)
    body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-11"}
    client = api(fuhai_technician, language="zh-hans")
    single = client.post("/api/v1/entries/", {**body, "lambs_born": sent})
    bulk = client.post("/api/v1/entries/bulk/", [{**body, "lambs_born": sent}])
    if said is None:
        assert single.status_code == 201 and single.json()["lambs_born"] == 0
        return
    assert field_errors(admin)["lambs_born"] == [said]
    assert single.status_code == 400 and single.json() == {"lambs_born": [said]}
    assert bulk.json()["errors"][0]["errors"] == {"lambs_born": [said]}
    assert stored(record) == before


@pytest.mark.parametrize("typed", ["３", "٣", "1_000"], ids=["full-width", "arabic-indic", "1_000"])
def test_a_count_in_other_digits_is_refused_on_every_surface_as_in_an_import(
    admin_client, fuhai_technician, counted, typed
):
    """An import's cell in digits of another script, or with Python's digit separator,
    is no count (``spreadsheets.importing.whole_number``); typed in the admin or sent
    to the API as text, Python read it as a number and it was stored (３ as 3, 1_000 as
    1000): the same value stored by one surface and refused by another."""
    record = counted.record
    before = stored(record)
    said = NOT_WHOLE_ZH.format(typed)
    assert field_errors(add_count(admin_client, record, lambs_born=typed))["lambs_born"] == [said]
    body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-11"}
    client = api(fuhai_technician, language="zh-hans")
    single = client.post("/api/v1/entries/", {**body, "lambs_born": typed})
    assert single.status_code == 400 and single.json() == {"lambs_born": [said]}
    bulk = client.post("/api/v1/entries/bulk/", [{**body, "lambs_born": typed}])
    assert bulk.json()["errors"][0]["errors"] == {"lambs_born": [said]}
    assert stored(record) == before


def test_a_correction_in_the_admin_with_a_reason_too_long_is_refused_at_the_reason(
    admin_client, counted
):
    record = counted.record
    before = stored(record)
    response = correct(admin_client, counted, lambs_born=5, reason=LONG_REASON)
    assert response.status_code == 200
    assert "100" in errors_at(response, "reason")
    response = delete(admin_client, counted, reason=LONG_REASON)
    assert "100" in errors_at(response, "reason")
    data = {**record_form(record, reason=LONG_REASON), "ewes_at_start": 100}
    response = admin_client.post(f"/admin/livestock/lambingrecord/{record.pk}/change/", data)
    assert "100" in errors_at(response, "change_reason")
    assert stored(record) == before


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=%25",
        "q=' OR '1'='1",
        f"herder__village__township__county__id__exact={TOO_BIG_FOR_THE_DATABASE}",
        "herder__village__township__county__id__exact=abc",
        "season__id__exact=abc",
        "p=abc",
        "p=99999",
        "o=abc",
        "o=99.-1",
        "nonsense=1",
        "flag=bogus",
    ],
)
def test_a_bad_list_parameter_in_the_admin_is_no_500(admin_client, counted, query):
    response = admin_client.get(f"/admin/livestock/lambingrecord/?{query}")
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize("url", ["herder", "lambingrecord"])
@pytest.mark.parametrize("object_id", ["abc", str(TOO_BIG_FOR_THE_DATABASE), "-1", "%00"])
def test_an_admin_page_of_an_object_that_cannot_exist_is_no_500(
    admin_client, counted, url, object_id
):
    response = admin_client.get(f"/admin/livestock/{url}/{object_id}/change/")
    assert response.status_code in (302, 404)


@pytest.mark.parametrize("url", ["herder", "lambingrecord"])
@pytest.mark.parametrize("version_id", ["abc", str(TOO_BIG_FOR_THE_DATABASE), "-1"])
def test_a_history_version_that_cannot_exist_is_a_404(admin_client, counted, url, version_id):
    record = counted.record
    object_id = record.pk if url == "lambingrecord" else record.herder_id
    response = admin_client.get(f"/admin/livestock/{url}/{object_id}/history/{version_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize("term", ["%00", "%25", "'", "\\", "赛" * 300])
def test_the_admins_autocomplete_takes_any_term(admin_client, counted, term):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "livestock",
            "model_name": "lambingrecord",
            "field_name": "herder",
            "term": term,
        }
        if term != "%00"
        else None,
        QUERY_STRING="app_label=livestock&model_name=lambingrecord&field_name=herder&term=%00",
    )
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("name", [SCRIPT_NAME, SQL_NAME])
def test_a_herder_named_like_code_is_stored_as_typed_and_shown_escaped_in_the_admin(
    admin_client, qibaerwoyi, winter_2024, name
):
    response = admin_client.post(
        "/admin/livestock/herder/add/",
        {"village": qibaerwoyi.pk, "name": name, "name_latin": '"><img src=x onerror=alert(1)>'},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    herder = Herder.objects.get(name=name)
    record = record_create(herder=herder, season=winter_2024, ewes_at_start=10)
    entry_create(record=record, date=datetime.date(2024, 12, 10), lambs_born=1, note=SCRIPT_NAME)
    for url in [
        "/admin/livestock/herder/",
        f"/admin/livestock/herder/{herder.pk}/change/",
        f"/admin/livestock/herder/{herder.pk}/history/",
        "/admin/livestock/lambingrecord/",
        f"/admin/livestock/lambingrecord/{record.pk}/change/",
    ]:
        page = admin_client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
        assert html.escape(name, quote=False) in page or html.escape(name) in page, url


# The summary pages


@pytest.fixture
def official_client(client, prefecture_official, counted):
    client.force_login(prefecture_official)
    return client


def test_a_place_id_too_big_for_the_database_is_a_place_not_in_your_places(official_client):
    """No such place and a place outside the user's scope read the same: a 404
    page that says so and leads back, never a 500."""
    response = official_client.get(f"/?place=herder:{TOO_BIG_FOR_THE_DATABASE}")
    assert response.status_code == 404
    assert "Back to your places" in response.content.decode() or "返回" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=garbage", "as_of"),
        ("as_of=2024-02-30", "as_of"),
        ("as_of=99999-01-01", "as_of"),
        ("as_of=0001-01-01", "as_of"),
        ("as_of=02/11/2025", "as_of"),
        ("as_of=2025-W06-2", "as_of"),
        ("as_of=%00", "as_of"),
        ("season=abc", "season"),
        (f"season={TOO_BIG_FOR_THE_DATABASE}", "season"),
        ("season=-1", "season"),
        ("place=county:abc", "place"),
        ("place=county", "place"),
        ("place=parish:1", "place"),
        ("place=<script>alert(1)</script>", "place"),
        ("place=county:%00", "place"),
    ],
)
def test_a_bad_summary_parameter_is_a_400_page_naming_it(official_client, query, field):
    response = official_client.get(f"/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}"' in page or f'name="{field}"' in page
    assert "errorlist" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_a_bad_parameter_on_a_download_is_the_page_with_the_error_not_a_file(
    official_client, export
):
    response = official_client.get(f"/?export={export}&as_of=garbage")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_download_kind_is_a_400_naming_the_kinds(official_client, english):
    response = official_client.get("/?export=pdf", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "export: pdf is not one of: csv, xlsx" in response.content.decode()


def test_an_unknown_bulletin_format_is_a_400_naming_the_formats(official_client, english):
    response = official_client.get("/bulletin/?format=xyz", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "format: xyz is not one of: html, pdf" in response.content.decode()


@pytest.mark.parametrize("page", ["outliers", "reporting"])
def test_an_unknown_format_of_an_html_only_page_is_a_400(official_client, english, page):
    response = official_client.get(f"/{page}/?format=csv", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "format: csv is not one of: html" in response.content.decode()
    assert official_client.get(f"/{page}/?format=html").status_code == 200


def test_a_date_far_outside_the_season_is_answered(official_client, winter_2024):
    """Long before the season and long after it (a day still to come is refused:
    ``test_a_summary_as_of_a_day_still_to_come_is_refused_naming_today``)."""
    for as_of in ("1900-01-01", str(timezone.localdate())):
        assert official_client.get(f"/?season={winter_2024.pk}&as_of={as_of}").status_code == 200


def test_names_like_code_are_escaped_on_the_summary_pages(
    official_client, qibaerwoyi, winter_2024, sailike
):
    herder = herder_create(village=qibaerwoyi, name=SCRIPT_NAME, name_latin=SQL_NAME)
    record = record_create(herder=herder, season=winter_2024, ewes_at_start=10)
    entry_create(record=record, date=datetime.date(2024, 12, 10), lambs_born=2)
    for place in (f"village:{qibaerwoyi.pk}", f"herder:{herder.pk}"):
        response = official_client.get(f"/?season={winter_2024.pk}&as_of=2024-12-31&place={place}")
        assert response.status_code == 200
        page = response.content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;赛&#x27;)&lt;/script&gt;" in page


def test_names_like_code_come_back_as_written_in_the_apis_json(fuhai_technician, qibaerwoyi):
    herder = herder_create(village=qibaerwoyi, name=SCRIPT_NAME, name_latin=SQL_NAME)
    response = api(fuhai_technician).get(f"/api/v1/herders/{herder.pk}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["name"] == SCRIPT_NAME
    # JSON is not HTML: the browser is told not to guess otherwise.
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_user_named_like_code_is_escaped_in_the_page_header(client, counted):
    user = make_user("<b>x</b>", "official", counted.record.herder.village.township.county)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


@pytest.mark.parametrize("page", ["/", "/bulletin/", "/outliers/", "/reporting/"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=2025-02-xx", "as_of: 2025-02-xx is not a date (YYYY-MM-DD)."),
        ("season=999", "season: 999 is not a season id."),
        ("season=abc", "season: abc is not a season id."),
    ],
)
def test_a_bad_summary_parameter_is_named_with_its_rule_and_value(
    official_client, page, query, message
):
    response = official_client.get(f"{page}?{query}", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "page",
    ["/?", "/?export=csv&", "/?export=xlsx&", "/bulletin/?", "/bulletin/?format=pdf&"]
    + ["/outliers/?", "/reporting/?"],
)
@pytest.mark.parametrize("days_ahead", [1, None])
def test_a_summary_as_of_a_day_still_to_come_is_refused_naming_today(
    official_client, page, days_ahead
):
    """A page as of 9999-12-31 showed today's figures under 截至9999-12-31: quoted, they
    were not the figures of that date, and the same address gave others next week. So
    did its CSV, its XLSX and the bulletin's PDF; and tomorrow as the year 9999."""
    today = timezone.localdate()
    value = "9999-12-31" if days_ahead is None else str(today + datetime.timedelta(days_ahead))
    response = official_client.get(f"{page}as_of={value}", headers={"accept-language": "zh-hans"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert (
        f"{value}尚未到来；数量只知道到今天（{today}），请选择这一天或之前的日期。"
        in html.unescape(response.content.decode())
    )


def test_the_officials_date_picker_offers_days_up_to_today(official_client):
    """The date box offered tomorrow, which the page then refused."""
    page = official_client.get("/").content.decode()
    date_box = page.split('name="as_of"')[1].split(">")[0]
    assert f'max="{timezone.localdate().isoformat()}"' in date_box


def test_a_bad_date_on_a_places_page_is_named_in_the_users_language(official_client, sailike):
    response = official_client.get(
        f"/?place=herder:{sailike.pk}&as_of=2025-02-xx", headers={"accept-language": "zh-hans"}
    )
    assert response.status_code == 400
    assert "as_of: 2025-02-xx不是日期（格式：YYYY-MM-DD）。" in html.unescape(
        response.content.decode()
    )


@pytest.mark.parametrize("page", ["/", "/bulletin/"])
def test_a_badly_written_place_is_named_with_its_value(official_client, page):
    response = official_client.get(f"{page}?place=parish:1", headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "place: parish:1 is not a place as LEVEL:ID, LEVEL one of " in html.unescape(
        response.content.decode()
    )


# Controls of text direction (U+202A–U+202E, U+2066–U+2069)

DIRECTION_ZH = (
    "{}含有{}，这是会打乱周围文字显示顺序的文字方向控制字符，请删除"
    "（规则：文字中不得含方向控制字符）。"
)
DIRECTION_EN = (
    "{} holds {}, a control of text direction that reorders how the text around it is "
    "shown; remove it (rule: no direction controls in text)."
)


def name_refused_on_every_surface(
    client, admin_client, fuhai, fuhai_technician, qibaerwoyi, name, said, said_en
) -> dict:
    """A new household named ``name`` sent through the API, the admin, the field app
    (without the script) and an import, each refused at the name with ``said`` (and
    ``said_en`` beside it on the field app's page); the import's row error."""
    herder = {"village": qibaerwoyi.pk, "name": name, "name_latin": "Sailike"}
    by_api = api(fuhai_technician, language="zh-hans").post("/api/v1/herders/", herder)
    assert by_api.status_code == 400 and by_api.json() == {"name": [said]}

    admin = admin_client.post(
        "/admin/livestock/herder/add/", herder, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert field_errors(admin)["name"] == [said]

    client.login(username=fuhai_technician.username, password=PASSWORD)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/field/"})
    field = client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_household", "name": name, "ewes_at_start": "80"},
    )
    assert field.status_code == 400
    shown = f"名称 <small>Name</small>: {said} · <bdi>{said_en}</bdi>"
    assert f'<li data-error-for="name">{shown}</li>' in field.content.decode()

    writer = user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user
    rows = (
        "县市,乡镇,村,牧户,牧户拉丁名,产羔季,越冬母羊\n"
        f"福海县,阔克阿勒什乡,齐巴尔窝依村,{name},Sailike,2024–2025 冬羔,80\n"
    )
    upload = io.BytesIO(rows.encode())
    upload.name = "households.csv"
    imported = api(writer, language="zh-hans").post(
        "/api/v1/entries/bulk/", {"file": upload}, format="multipart"
    )
    assert imported.status_code == 400
    [error] = imported.json()["errors"]
    return error


@pytest.mark.parametrize("control", ["\u202e", "\u2067"], ids=["U+202E", "U+2067"])
def test_a_name_with_a_direction_control_is_refused_on_every_surface_shown_visibly(
    client, admin_client, fuhai, fuhai_technician, qibaerwoyi, winter_2024, control
):
    """A RIGHT-TO-LEFT OVERRIDE (or an isolate) typed in a household's name showed the
    rest of it backwards on every page and export ("赛力克‮木克屈" read as 赛力克屈克木,
    a "Trojan source" spoof of another household) and was stored by the field app, the
    admin, the API and an import. It is refused at the name, naming the character as
    U+…, in the value said back too. A Kazakh name in the Arabic script, right to left
    by its letters, and the marks of direction (RLM) are kept."""
    name = f"赛力克{control}木克屈"
    visible = f"赛力克[U+{ord(control):04X}]木克屈"
    said = DIRECTION_ZH.format(visible, f"U+{ord(control):04X}")
    said_en = DIRECTION_EN.format(visible, f"U+{ord(control):04X}")
    herder = {"village": qibaerwoyi.pk, "name": name, "name_latin": "Sailike"}
    error = name_refused_on_every_surface(
        client, admin_client, fuhai, fuhai_technician, qibaerwoyi, name, said, said_en
    )
    assert (error["column"], error["value"], error["errors"]) == ("牧户", visible, {"牧户": [said]})
    assert not Herder.objects.filter(village=qibaerwoyi).exists()

    kazakh = {**herder, "name": "赛力克\u200f", "name_kazakh": "سەرىك قۇكىم"}
    kept = api(fuhai_technician).post("/api/v1/herders/", kazakh)
    assert kept.status_code == 201, kept.content
    assert Herder.objects.filter(name="赛力克\u200f", name_kazakh="سەرىك قۇكىم").exists()


def test_a_note_or_a_reason_with_a_direction_control_is_refused_at_it_shown_visibly(
    fuhai_technician, counted
):
    """An entry's note, alone or in a bulk (read there without the serializer), and a
    correction's reason, kept in the history, were stored with a RIGHT-TO-LEFT
    OVERRIDE that turned round the text shown after it."""
    record = counted.record
    before = stored(record)
    note = "母羊\u202e弱瘦"
    said = DIRECTION_ZH.format("母羊[U+202E]弱瘦", "U+202E")
    client = api(fuhai_technician, language="zh-hans")
    body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-11", "note": note}
    single = client.post("/api/v1/entries/", body)
    assert single.status_code == 400 and single.json() == {"note": [said]}
    bulk = client.post("/api/v1/entries/bulk/", [body], format="json")
    assert bulk.json()["errors"] == [{"index": 0, "errors": {"note": [said]}}]
    corrected = client.patch(
        f"/api/v1/entries/{counted.pk}/", {"lambs_born": 5, "reason": "数错了\u202e"}
    )
    assert corrected.status_code == 400
    assert corrected.json() == {"reason": [DIRECTION_ZH.format("数错了[U+202E]", "U+202E")]}
    assert stored(record) == before


# Control characters (a BEL, an ESC)

CONTROL_ZH = (
    "{}含有{}，这是不显示的控制字符，任何电子表格都无法保存，请删除（规则：文字中不得含控制字符）。"
)
CONTROL_EN = (
    "{} holds {}, a control character that is not shown and that no spreadsheet can hold; "
    "remove it (rule: no control characters in text)."
)


def test_a_name_with_a_control_character_is_refused_on_every_surface_shown_visibly(
    client, admin_client, fuhai, fuhai_technician, qibaerwoyi, winter_2024
):
    """A BEL pasted into a household's name was stored by the field app, the admin, the
    API and an import, shown as nothing on every page, and made every XLSX of it a 500
    (no XLSX can hold one). It is refused at the name, naming the character as U+0007,
    in the value said back too."""
    name = "赛力克\x07屈克木"
    said = CONTROL_ZH.format("赛力克[U+0007]屈克木", "U+0007")
    said_en = CONTROL_EN.format("赛力克[U+0007]屈克木", "U+0007")
    error = name_refused_on_every_surface(
        client, admin_client, fuhai, fuhai_technician, qibaerwoyi, name, said, said_en
    )
    assert error["column"] == "牧户" and error["errors"] == {"牧户": [said]}
    assert not Herder.objects.filter(village=qibaerwoyi).exists()


def test_a_note_or_a_reason_with_a_control_character_is_refused_and_line_breaks_kept(
    fuhai_technician, counted
):
    """An entry's note, alone or in a bulk (read there without the serializer), and a
    correction's reason were stored with an ESC; a note of two lines is kept."""
    record = counted.record
    before = stored(record)
    said = CONTROL_ZH.format("母羊[U+001B]弱瘦", "U+001B")
    client = api(fuhai_technician, language="zh-hans")
    body = {"uuid": str(uuid.uuid4()), "record": record.pk, "date": "2024-12-11"}
    single = client.post("/api/v1/entries/", {**body, "note": "母羊\x1b弱瘦"})
    assert single.status_code == 400 and single.json() == {"note": [said]}
    bulk = client.post("/api/v1/entries/bulk/", [{**body, "note": "母羊\x1b弱瘦"}], format="json")
    assert bulk.json()["errors"] == [{"index": 0, "errors": {"note": [said]}}]
    corrected = client.patch(
        f"/api/v1/entries/{counted.pk}/", {"lambs_born": 5, "reason": "数错了\x07"}
    )
    assert corrected.status_code == 400
    assert corrected.json() == {"reason": [CONTROL_ZH.format("数错了[U+0007]", "U+0007")]}
    assert stored(record) == before
    kept = client.post("/api/v1/entries/", {**body, "note": "母羊弱瘦\n\t已补饲"})
    assert kept.status_code == 201, kept.content
