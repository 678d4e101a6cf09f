"""What the API answers to input it cannot use: a 4xx naming what is wrong,
never a 500, and nothing stored. Integrations send whatever their bugs and
their users make; schemathesis sends worse."""

import datetime
import json
import re
import uuid
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from livestock.counting import rules
from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.places import herder_create
from tests.conftest import make_user
from tests.test_api_base import (
    API,
    api,
    ids,
    results,
)

HERDERS = API + "herders/"
RECORDS = API + "lambing-records/"
ENTRIES = API + "entries/"
SUMMARIES = API + "summaries/"
TOO_BIG_FOR_THE_DATABASE = 2**63


@pytest.fixture
def fuhai_client(fuhai_technician, sailike_record):
    return api(fuhai_technician)


@pytest.fixture
def entry(sailike_record):
    """A sound entry of 赛力克's record, to spoil one field at a time."""
    return {
        "uuid": str(uuid.uuid4()),
        "record": sailike_record.pk,
        "date": "2024-12-10",
        "ewes_lambed": 3,
        "lambs_born": 4,
    }


def nothing_stored() -> bool:
    return not LambingEntry.objects.exists()


# Bodies that are not what the endpoint takes


@pytest.mark.parametrize("url", [HERDERS, RECORDS, ENTRIES, ENTRIES + "bulk/"])
@pytest.mark.parametrize("body", ['{"record": 1,', "{'record': 1}", "", "\x00", "null"], ids=repr)
def test_malformed_json_is_a_400(fuhai_client, url, body):
    response = fuhai_client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("body", [[1, 2], "entry", 7, True], ids=repr)
def test_json_that_is_not_an_object_is_a_400(fuhai_client, body):
    response = fuhai_client.post(ENTRIES, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert nothing_stored()


def test_a_body_that_is_not_json_is_a_415(fuhai_client, entry):
    response = fuhai_client.post(ENTRIES, "record=1", content_type="text/plain")
    assert response.status_code == 415
    assert nothing_stored()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lambs_born", "many"),
        ("lambs_born", 4.5),
        ("lambs_born", True),
        ("lambs_born", [4]),
        ("lambs_born", {"count": 4}),
        ("lambs_born", None),
        ("ewes_lambed", ""),
        ("date", 20241210),
        ("date", "10/12/2024"),
        ("date", "2024-02-30"),
        ("date", None),
        ("record", "赛力克"),
        ("record", True),
        ("record", [1]),
        ("uuid", "not-a-uuid"),
        ("loss_cause", "wolf"),
        ("check_stage", "day 100"),
        ("note", ["a", "b"]),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_its_field(fuhai_client, entry, field, value):
    response = fuhai_client.post(ENTRIES, {**entry, field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert nothing_stored()


@pytest.mark.parametrize("value", [12345, 0, True, 1.5e9], ids=repr)
@pytest.mark.parametrize("bulk", [False, True], ids=["single", "bulk"])
def test_a_uuid_sent_as_a_json_number_is_a_400_at_uuid_naming_the_value(
    fuhai_client, entry, value, bulk, english
):
    """DRF read 12345 as the UUID of that integer (…-000000003039): the entry was
    stored under a uuid the client never made, and its resend was not recognised."""
    item = {**entry, "uuid": value}

    if bulk:
        response = fuhai_client.post(ENTRIES + "bulk/", [item])
        errors = response.json()["errors"][0]["errors"]
    else:
        response = fuhai_client.post(ENTRIES, item)
        errors = response.json()

    assert response.status_code == 400
    assert errors == {
        "uuid": [
            f"{value} is not a UUID; send one as text, like 1b4e28ba-2fa1-11d2-883f-0016d3cca427."
        ]
    }
    assert nothing_stored()


def test_a_missing_required_field_is_a_400_naming_it(fuhai_client, entry):
    del entry["date"]
    response = fuhai_client.post(ENTRIES, entry)
    assert response.status_code == 400
    assert list(response.json()) == ["date"]


@pytest.mark.parametrize(
    "field", ["lamb_born", "herder", "created_by", "version", "id", "created_at"]
)
def test_an_unknown_or_read_only_field_is_a_400_naming_it(fuhai_client, entry, field):
    response = fuhai_client.post(ENTRIES, {**entry, field: 5})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert nothing_stored()


def test_an_unknown_field_is_named_in_chinese_too(fuhai_technician, sailike_record, entry):
    response = api(fuhai_technician, language="zh-hans").post(ENTRIES, {**entry, "lamb_born": 5})
    assert response.json() == {"lamb_born": ["未知字段或只读字段。"]}


def test_an_unknown_field_in_a_herders_change_is_refused(fuhai_client, sailike):
    response = fuhai_client.patch(f"{HERDERS}{sailike.pk}/", {"nickname": "老赛"})
    assert response.status_code == 400
    assert list(response.json()) == ["nickname"]


# Numbers out of range


@pytest.mark.parametrize(
    "value",
    [rules.MAX_HOUSEHOLD_COUNT + 1, TOO_BIG_FOR_THE_DATABASE, 10**30, -1, -(2**63) - 1],
)
@pytest.mark.parametrize("field", ["ewes_lambed", "lambs_born", "lambs_lost", "lambs_alive"])
def test_a_count_out_of_range_is_a_400_at_its_field(fuhai_client, entry, field, value):
    response = fuhai_client.post(ENTRIES, {**entry, field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert nothing_stored()


@pytest.mark.parametrize("value", [rules.MAX_HOUSEHOLD_COUNT + 1, TOO_BIG_FOR_THE_DATABASE, -5])
def test_ewes_out_of_range_are_a_400_and_change_nothing(fuhai_client, sailike_record, value):
    response = fuhai_client.patch(f"{RECORDS}{sailike_record.pk}/", {"ewes_at_start": value})
    assert response.status_code == 400
    assert list(response.json()) == ["ewes_at_start"]
    sailike_record.refresh_from_db()
    assert sailike_record.ewes_at_start == 120


@pytest.mark.parametrize("raw", ["1e400", "1" + "0" * 5000, "NaN", "Infinity", "-Infinity"])
def test_a_number_json_cannot_hold_is_a_400(fuhai_client, sailike_record, raw):
    body = f'{{"record": {sailike_record.pk}, "date": "2024-12-10", "lambs_born": {raw}}}'
    response = fuhai_client.post(ENTRIES, body, content_type="application/json")
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize(
    ("url", "field"),
    [(ENTRIES, "record"), (RECORDS, "herder"), (RECORDS, "season"), (HERDERS, "village")],
)
def test_an_id_too_big_for_the_database_is_a_400_naming_the_field(
    fuhai_client, entry, sailike, winter_2024, qibaerwoyi, url, field
):
    sound = {
        ENTRIES: entry,
        RECORDS: {"herder": sailike.pk, "season": winter_2024.pk},
        HERDERS: {"village": qibaerwoyi.pk, "name": "新", "name_latin": "New"},
    }[url]
    response = fuhai_client.post(url, {**sound, field: TOO_BIG_FOR_THE_DATABASE})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "url",
    [f"{HERDERS}{TOO_BIG_FOR_THE_DATABASE}/", f"{RECORDS}99999999999999999999/", f"{ENTRIES}x/"],
)
def test_an_id_in_the_path_that_cannot_exist_is_a_404(fuhai_client, url):
    assert fuhai_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("value", "language", "rule"),
    [
        (-1, "en", "rule: no negative counts"),
        (-1, "zh-hans", "规则：不得为负数"),
        (50_001, "en", "rule: at most 50000"),
        (50_001, "zh-hans", "规则：最多50000"),
    ],
)
def test_a_count_out_of_range_names_the_value_and_the_rule(
    fuhai_technician, entry, value, language, rule
):
    response = api(fuhai_technician, language=language).post(
        ENTRIES, {**entry, "lambs_born": value}
    )
    message = response.json()["lambs_born"][0]
    assert str(value) in message
    assert rule in message


# Dates


@pytest.mark.parametrize(
    "value", ["-2024-12-10", "0000-12-10", "2024-13-01", "2024-12-10T08:00:00", "十二月十日"]
)
def test_a_date_that_is_no_date_is_a_400_at_the_date(fuhai_client, entry, value):
    response = fuhai_client.post(ENTRIES, {**entry, "date": value})
    assert response.status_code == 400
    assert list(response.json()) == ["date"]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("language", "rule"), [("en", "rule: no future dates"), ("zh-hans", "规则：不得填写未来日期")]
)
def test_a_future_date_is_refused_at_the_date_naming_the_rule(
    fuhai_technician, sailike_record, entry, language, rule
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api(fuhai_technician, language=language).post(
        ENTRIES, {**entry, "date": tomorrow.isoformat()}
    )
    assert response.status_code == 400
    message = response.json()["date"][0]
    assert tomorrow.isoformat() in message and rule in message
    assert nothing_stored()


def test_a_date_before_the_season_is_refused_at_the_date(fuhai_client, entry):
    response = fuhai_client.post(ENTRIES, {**entry, "date": "1970-01-01"})
    assert response.status_code == 400
    assert "rule: entries fall within their season" in response.json()["date"][0]


@pytest.mark.parametrize(
    ("url", "params", "named"),
    [
        (RECORDS, {"as_of": "yesterday"}, "as_of"),
        (RECORDS, {"as_of": "2024-02-30"}, "as_of"),
        (RECORDS, {"as_of": "0000-01-01"}, "as_of"),
        (ENTRIES, {"date_after": "2024-12-xx"}, "date_after"),
        (ENTRIES, {"date_before": "-1"}, "date_before"),
        (API + "reported-figures/", {"as_of_after": "soon"}, "as_of_after"),
        (API + "reviews/", {"as_of_before": "2025-02-30"}, "as_of_before"),
        (SUMMARIES, {"as_of": "2024/12/10"}, "as_of"),
    ],
)
def test_a_date_parameter_that_is_no_date_is_a_400_naming_it(fuhai_client, url, params, named):
    response = fuhai_client.get(url, params)
    assert response.status_code == 400
    assert named in response.json()


AS_OF_REFUSED = [
    ("0001-01-01", "0001-01-01 is too early; ask for 1900-01-01 or later."),
    ("1899-12-31", "1899-12-31 is too early; ask for 1900-01-01 or later."),
    ("02/11/2025", "02/11/2025 is not a date (YYYY-MM-DD)."),
    ("20250211", "20250211 is not a date (YYYY-MM-DD)."),
    ("2025-W06-2", "2025-W06-2 is not a date (YYYY-MM-DD)."),
    ("2025-02-11T00:00", "2025-02-11T00:00 is not a date (YYYY-MM-DD)."),
]


@pytest.mark.parametrize(("value", "message"), AS_OF_REFUSED)
@pytest.mark.parametrize("where", ["records", "a record", "summaries"])
def test_an_as_of_is_read_by_one_rule_on_records_and_summaries(
    fuhai_client, sailike_record, where, value, message, english
):
    """Records read as_of with Python's fromisoformat (0001-01-01, 20250211 and
    2025-W06-2 answered 200), summaries with a form's DateField (0001-01-01 refused,
    02/11/2025 read as 11 February in English): the same date was a figure on one
    and a 400 on the other."""
    url = {
        "records": RECORDS,
        "a record": f"{RECORDS}{sailike_record.pk}/",
        "summaries": SUMMARIES,
    }[where]

    response = fuhai_client.get(url, {"as_of": value})

    assert response.status_code == 400
    assert response.json() == {"as_of": [message]}


@pytest.mark.parametrize("where", [RECORDS, SUMMARIES])
@pytest.mark.parametrize("value", ["1900-01-01", "2024-12-10"])
def test_an_as_of_that_the_rule_takes_is_served_on_both(fuhai_client, where, value):
    body = fuhai_client.get(where, {"as_of": value}).json()
    assert (body["results"][0] if where == RECORDS else body)["as_of"] == value


@pytest.mark.parametrize("where", ["records", "a record", "summaries"])
@pytest.mark.parametrize("days_ahead", [1, None])
def test_an_as_of_still_to_come_is_refused_naming_today(
    fuhai_client, sailike_record, where, days_ahead, english
):
    """as_of=9999-12-31 answered today's figures labelled 截至9999-12-31, and asked for
    again a month later it had changed: a figure as of a date is to give the same
    answer whenever asked. Tomorrow is refused as the year 9999 is, naming today."""
    url = {
        "records": RECORDS,
        "a record": f"{RECORDS}{sailike_record.pk}/",
        "summaries": SUMMARIES,
    }[where]
    today = timezone.localdate()
    value = "9999-12-31" if days_ahead is None else str(today + datetime.timedelta(days_ahead))

    response = fuhai_client.get(url, {"as_of": value})

    assert response.status_code == 400
    assert response.json() == {
        "as_of": [
            f"{value} is still to come; counts are known up to today, {today}: "
            "ask for that day or earlier."
        ]
    }
    today_answer = fuhai_client.get(url, {"as_of": str(today)})
    assert today_answer.status_code == 200


def test_an_empty_as_of_is_today_on_records_as_on_summaries(fuhai_client):
    """As the pages' date box sent empty: the default, named in the answer."""
    [record] = results(fuhai_client.get(RECORDS, {"as_of": ""}))
    assert record["as_of"] == timezone.localdate().isoformat()


def test_an_as_of_too_early_is_refused_in_chinese(fuhai_technician, sailike_record):
    response = api(fuhai_technician, language="zh-hans").get(RECORDS, {"as_of": "0001-01-01"})
    assert response.json() == {"as_of": ["0001-01-01太早了，请选择1900-01-01或之后的日期。"]}


@pytest.mark.parametrize(
    ("url", "params", "named", "value"),
    [
        (
            ENTRIES,
            {"date_after": "2024-12-01", "date_before": "2024-12-xx"},
            "date_before",
            "2024-12-xx",
        ),
        (API + "reported-figures/", {"as_of_after": "soon"}, "as_of_after", "soon"),
    ],
)
def test_a_date_range_bound_that_is_no_date_is_refused_at_the_bound_sent_with_its_value(
    fuhai_client, url, params, named, value
):
    """django-filter reads a range's two bounds as one field: the bad bound was
    refused as ``date`` (never sent) with "Enter a valid date.", and no value."""
    response = fuhai_client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {named: [f"{value} is not a date (YYYY-MM-DD)."]}


# Pages


@pytest.mark.parametrize("page_size", ["0", "100000", "abc", "-1", "", "2.5"])
def test_a_page_size_out_of_bounds_is_a_400_naming_the_bounds(fuhai_client, page_size, english):
    """A list of messages at page_size, as at every other parameter and field:
    it was a bare string, which a client reading ``errors[field][0]`` took
    for its first letter."""
    response = fuhai_client.get(HERDERS, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json() == {"page_size": [f"{page_size} is not a page size; use 1 to 500."]}


def test_the_largest_page_size_is_served(fuhai_client, sailike):
    assert ids(fuhai_client.get(HERDERS, {"page_size": 500})) == [sailike.pk]


@pytest.mark.parametrize("page", ["2", "99", "0002", str(TOO_BIG_FOR_THE_DATABASE), "9" * 5000])
def test_a_page_past_the_end_is_a_404_naming_it_and_the_last_page(
    fuhai_client, sailike, page, english
):
    """DRF said "Invalid page.": not which page, nor how many there are."""
    response = fuhai_client.get(HERDERS, {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": f"There is no page {page}: the last page is 1."}


@pytest.mark.parametrize("page", ["abc", "0", "-1", "2.5", "²", " 2", "1_0", "lastt"])
def test_a_page_that_is_no_page_number_is_a_400_at_page_naming_it(
    fuhai_client, sailike, page, english
):
    """DRF answered a 404 "Invalid page.", as for a page past the end: a client
    could not tell its own bug from a list that had shrunk."""
    response = fuhai_client.get(HERDERS, {"page": page})

    assert response.status_code == 400
    assert response.json() == {
        "page": [f"{page} is not a page number; send a whole number from 1, or last."]
    }


@pytest.mark.parametrize("page", ["1", "01", "last", ""])
def test_the_first_and_last_pages_are_served(fuhai_client, sailike, page):
    assert ids(fuhai_client.get(HERDERS, {"page": page})) == [sailike.pk]


def test_a_page_past_the_end_names_the_last_page_in_chinese(fuhai_technician, sailike):
    response = api(fuhai_technician, language="zh-hans").get(HERDERS, {"page": 3, "page_size": 1})
    assert response.status_code == 404
    assert response.json() == {"detail": "没有第3页：最后一页是第1页。"}


@pytest.mark.parametrize(
    ("url", "params"),
    [(HERDERS, {"page_size": "²"}), (SUMMARIES, {"place": "county:①"})],
)
def test_a_number_written_with_unicode_digits_is_a_400(fuhai_client, url, params):
    assert fuhai_client.get(url, params).status_code == 400


# Filters


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (HERDERS, {"county": "abc"}),
        (HERDERS, {"village": "NaN"}),
        (RECORDS, {"season": "winter"}),
        (RECORDS, {"herder": "1.5"}),
        (ENTRIES, {"record": "x"}),
        (API + "reported-figures/", {"metric": "sheep-ish"}),
        (HERDERS, {"search": "赛\x00"}),
        (SUMMARIES, {"place": "county"}),
        (SUMMARIES, {"place": "herder:1"}),
        (SUMMARIES, {"place": "county:-1"}),
        (SUMMARIES, {"season": "winter"}),
        (SUMMARIES, {"season": "²"}),
        (SUMMARIES, {"season": str(TOO_BIG_FOR_THE_DATABASE)}),
    ],
)
def test_a_filter_value_that_cannot_be_used_is_a_400_naming_it(fuhai_client, url, params):
    response = fuhai_client.get(url, params)
    assert response.status_code == 400
    assert list(params)[0] in response.json()


def test_a_summary_of_a_place_that_cannot_exist_is_a_404(fuhai_client):
    response = fuhai_client.get(SUMMARIES, {"place": f"county:{TOO_BIG_FOR_THE_DATABASE}"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", [HERDERS, RECORDS, ENTRIES, API + "villages/"])
def test_a_place_filter_too_big_for_the_database_is_not_a_500(fuhai_client, url):
    response = fuhai_client.get(url, {"county": TOO_BIG_FOR_THE_DATABASE})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert results(response) == []


@pytest.mark.parametrize(
    ("url", "ordering", "named"),
    [
        (HERDERS, "password", "password"),
        (HERDERS, "-name_latin,nmae", "nmae"),
        (ENTRIES, "-", "-"),
        (
            RECORDS,
            "herder__village__township__county__name",
            "herder__village__township__county__name",
        ),
    ],
)
def test_an_ordering_by_a_field_the_list_cannot_be_ordered_by_is_a_400_naming_it(
    fuhai_client, sailike_record, url, ordering, named, english
):
    """DRF dropped it and answered in the default order: a client that misspelt a
    field was not told its list was not ordered as it asked."""
    response = fuhai_client.get(url, {"ordering": ordering})

    assert response.status_code == 400
    [message] = response.json()["ordering"]
    assert message.startswith(f"{named} is not a field to order by; use one of: ")


def test_an_ordering_by_the_fields_named_is_served(fuhai_client, sailike):
    aliya = herder_create(village=sailike.village, name="阿丽亚", name_latin="Aliya")

    assert ids(fuhai_client.get(HERDERS, {"ordering": "name_latin"})) == [aliya.pk, sailike.pk]
    assert ids(fuhai_client.get(HERDERS, {"ordering": "-name_latin, id,"})) == [
        sailike.pk,
        aliya.pk,
    ]


# Text that looks like code is data


NAMES_THAT_LOOK_LIKE_CODE = [
    ("罗伯特'); DROP TABLE livestock_herder;--", "Robert' OR '1'='1"),
    ("<script>alert('赛')</script>", '<img src=x onerror="alert(1)">'),
    ("别克·{{ 7*7 }}", "%s%s%s %(name)s ${name}"),
]


@pytest.mark.parametrize(("name", "name_latin"), NAMES_THAT_LOOK_LIKE_CODE)
def test_a_name_that_looks_like_code_is_stored_and_returned_as_written(
    fuhai_client, qibaerwoyi, name, name_latin
):
    response = fuhai_client.post(
        HERDERS, {"village": qibaerwoyi.pk, "name": name, "name_latin": name_latin}
    )
    assert response.status_code == 201, response.content
    herder = Herder.objects.get(pk=response.json()["id"])
    assert (herder.name, herder.name_latin) == (name, name_latin)
    read = fuhai_client.get(f"{HERDERS}{herder.pk}/")
    assert read["Content-Type"] == "application/json"
    assert (read.json()["name"], read.json()["name_latin"]) == (name, name_latin)


def test_a_search_for_sql_finds_the_name_that_holds_it_and_nothing_else(
    fuhai_client, qibaerwoyi, sailike
):
    name, name_latin = NAMES_THAT_LOOK_LIKE_CODE[0]
    herder_create(village=qibaerwoyi, name=name, name_latin=name_latin)
    assert [h["name"] for h in results(fuhai_client.get(HERDERS, {"search": "' OR '1'='1"}))] == [
        name
    ]
    assert results(fuhai_client.get(HERDERS, {"search": "%"})) == []
    assert Herder.objects.count() == 2


def test_a_note_with_html_is_returned_as_written(fuhai_client, entry):
    note = "<b>母羊</b> & <i>羔羊</i>"
    response = fuhai_client.post(ENTRIES, {**entry, "note": note})
    assert response.status_code == 201
    assert fuhai_client.get(f"{ENTRIES}{response.json()['id']}/").json()["note"] == note


@pytest.mark.parametrize(
    ("field", "value"), [("name", "赛\x00力克"), ("name", "x" * 101), ("name", "   ")]
)
def test_a_name_the_database_cannot_or_should_not_hold_is_a_400(
    fuhai_client, qibaerwoyi, field, value
):
    data = {"village": qibaerwoyi.pk, "name": "新牧户", "name_latin": "New", field: value}
    response = fuhai_client.post(HERDERS, data)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Herder.objects.filter(village=qibaerwoyi).exclude(name="赛力克·屈克木").exists()


def test_a_stale_if_match_that_is_no_etag_at_all_is_a_412(fuhai_client, sailike_record):
    response = fuhai_client.patch(
        f"{RECORDS}{sailike_record.pk}/", {"ewes_at_start": 1}, HTTP_IF_MATCH="garbage"
    )
    assert response.status_code == 412
    assert LambingRecord.objects.get().ewes_at_start == 120


# Query parameters: only those an endpoint reads

LIST_PAGES = ["format", "ordering", "page", "page_size"]


@pytest.mark.parametrize(
    ("method", "url", "params", "named", "accepted"),
    [
        (
            "get",
            HERDERS,
            {"cuonty": "2"},
            "cuonty",
            ["county", *LIST_PAGES, "search", "township", "village"],
        ),
        (
            "get",
            ENTRIES,
            {"date": ""},
            "date",
            [
                "county",
                "date_after",
                "date_before",
                *LIST_PAGES,
                "record",
                "search",
                "season",
                "township",
                "village",
            ],
        ),
        (
            "get",
            API + "reported-figures/",
            {"as_of": "2025-02-11"},
            "as_of",
            [
                "as_of_after",
                "as_of_before",
                "county",
                "format",
                "herder",
                "metric",
                "ordering",
                "page",
                "page_size",
                "report",
                "search",
                "season",
                "township",
                "village",
            ],
        ),
        (
            "get",
            SUMMARIES,
            {"county": "1"},
            "county",
            ["as_of", "format", "place", "season", "timeliness"],
        ),
        ("get", API + "metrics/", {"lang": "en"}, "lang", ["format"]),
        ("get", API, {"x": "1"}, "x", ["format"]),
        (
            "get",
            API + "seasons/",
            {"knd": "winter"},
            "knd",
            ["format", "kind", "ordering", "page", "page_size"],
        ),
        ("post", ENTRIES + "bulk/", {"dry_run": "1"}, "dry_run", ["format"]),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it_and_those_the_request_takes(
    fuhai_client, method, url, params, named, accepted
):
    """It was ignored: ?cuonty=2 answered every place of the prefecture, ?date= every
    entry of every day, and the client took the answer for the one it asked."""
    response = getattr(fuhai_client, method)(f"{url}?{urlencode(params)}")

    assert response.status_code == 400
    assert response.json() == {
        named: [f"{named} is not a parameter of this request; it takes: {', '.join(accepted)}."]
    }


@pytest.mark.parametrize(
    ("url", "query", "named", "values"),
    [
        (
            API + "summaries/",
            "as_of=2025-01-01&as_of=2025-02-05",
            "as_of",
            "2025-01-01, 2025-02-05",
        ),
        (API + "herders/", "county=2&search=x&county=4&county=4", "county", "2, 4, 4"),
    ],
    ids=["a summary's as_of", "a list's filter"],
)
def test_a_parameter_sent_twice_is_a_400_naming_it_and_its_values(
    fuhai_client, url, query, named, values
):
    """The last was read and the others dropped: ?as_of=2025-01-01&as_of=2025-02-05
    answered as of 5 February, ?county=2&county=4 the households of county 4 alone,
    and the client took the answer for the one it asked."""
    response = fuhai_client.get(f"{url}?{query}")

    assert response.status_code == 400
    count = len(values.split(", "))
    assert response.json() == {named: [f"{named} is sent {count} times ({values}); send it once."]}


def test_a_write_sent_a_parameter_twice_stores_nothing(fuhai_client, entry):
    response = fuhai_client.post(f"{ENTRIES}?format=json&format=json", entry)

    assert response.status_code == 400
    assert response.json() == {"format": ["format is sent 2 times (json, json); send it once."]}
    assert nothing_stored()


def test_a_detail_takes_its_lists_filters_but_not_its_pages(fuhai_client, sailike_record):
    url = f"{RECORDS}{sailike_record.pk}/"

    county = sailike_record.herder.village.township.county_id

    assert fuhai_client.get(url, {"as_of": "2024-12-10", "county": county + 1}).status_code == 404
    assert fuhai_client.get(url, {"as_of": "2024-12-10", "county": county}).status_code == 200
    assert fuhai_client.get(url, {"search": "赛", "ordering": "-id"}).status_code == 200
    response = fuhai_client.get(url, {"page": "2"})
    assert response.status_code == 400
    assert response.json()["page"][0].startswith("page is not a parameter of this request")


def test_a_write_sent_an_unknown_parameter_stores_nothing(fuhai_client, entry):
    response = fuhai_client.post(f"{ENTRIES}?recrod={entry['record']}", entry)

    assert response.status_code == 400
    assert list(response.json()) == ["recrod"]
    assert nothing_stored()


def test_a_deletion_takes_its_reason_in_the_query(fuhai_client, entry):
    stored = fuhai_client.post(ENTRIES, entry).json()
    url = f"{ENTRIES}{stored['id']}/"

    assert list(fuhai_client.delete(url + "?reasn=typo").json()) == ["reasn"]
    assert fuhai_client.delete(url + "?reason=typo").status_code == 204


def test_an_unknown_parameter_is_named_in_chinese(fuhai_technician, sailike_record):
    response = api(fuhai_technician, language="zh-hans").get(HERDERS, {"cuonty": "2"})
    assert response.json() == {
        "cuonty": [
            "cuonty不是此请求的参数；可用的参数：county, format, ordering, page, page_size, "
            "search, township, village。"
        ]
    }


def test_an_unknown_parameter_sent_without_credentials_is_a_401_naming_none(db):
    response = api().get(HERDERS, {"cuonty": "2"})
    assert response.status_code == 401
    assert "county" not in response.content.decode()


def test_every_parameter_the_schema_documents_is_taken(client, sailike_record):
    """The schema is what integrations are generated from: each query parameter
    it gives an operation is one that operation takes."""
    client.force_login(make_user("root", None, superuser=True))
    schema = client.get("/api/schema/?format=json").json()
    refused, sent = [], 0
    for path, methods in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", str(TOO_BIG_FOR_THE_DATABASE - 1), path)
        for method, operation in methods.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            for name in names:
                response = getattr(client, method)(
                    f"{url}?{urlencode({name: '1'})}", content_type="application/json"
                )
                sent += 1
                body = response.content.decode()
                if response.status_code == 400 and "is not a parameter" in body:
                    refused.append(f"{method.upper()} {path} ?{name}")
    assert sent > 50  # every list's filters, pages and ordering, a record's as_of …
    assert refused == []


NOT_A_DATE = {
    "en": "{} is not a date (YYYY-MM-DD).",
    "zh-hans": "{}不是日期（格式：YYYY-MM-DD）。",
    "kk": "{} — күн емес (ЖЖЖЖ-АА-КК).",
}


@pytest.mark.parametrize("language", list(NOT_A_DATE))
@pytest.mark.parametrize(
    ("url", "bound", "value"),
    [
        (ENTRIES, "date_after", "02/11/2025"),
        (ENTRIES, "date_before", "2025/02/11"),
        (ENTRIES, "date_after", "20250211"),
        (API + "reported-figures/", "as_of_after", "2025-W06-2"),
        (API + "reviews/", "as_of_before", "11.02.2025"),
    ],
)
def test_a_date_filter_takes_yyyy_mm_dd_in_every_language(
    fuhai_technician, sailike_record, url, bound, value, language
):
    """django-filter read a range's bounds in the request's language: 02/11/2025 was
    11 February on an English request and a 400 on a Chinese one, 2025/02/11 the
    reverse; 20250211 was refused at ``date``, a parameter never sent."""
    client = api(fuhai_technician, language=language)

    response = client.get(url, {bound: value})

    assert response.status_code == 400
    assert response.json() == {bound: [NOT_A_DATE[language].format(value)]}
    assert client.get(url, {bound: "2024-12-10"}).status_code == 200


@pytest.mark.parametrize("url", [HERDERS, RECORDS, ENTRIES])
def test_a_null_body_is_refused_as_an_object_that_says_so(fuhai_client, url):
    """``null`` as the body: the answer is keyed like every refusal (by field,
    or non_field_errors), as the schema documents it, and says the body is
    empty, not "This field may not be null." of no field."""
    response = fuhai_client.post(url, "null", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, dict), body
    messages = " ".join(message for errors in body.values() for message in errors)
    assert "null" in messages and "JSON" in messages
    assert nothing_stored()
