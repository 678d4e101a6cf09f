"""/api/v1/summaries/: a season's totals as of a date for a place, and a row
per place one level below it beside the reported figures. The API answers
what ``place_summary`` answers, within the user's scope."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from livestock.models import County, Report, ReportedFigure, Township, Village
from livestock.selectors.summaries import place_summary
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.conftest import make_user
from tests.test_api_base import (
    API,
    LIST_QUERY_LIMIT,
    api,
)

URL = API + "summaries/"
DEC_10 = datetime.date(2024, 12, 10)
DEC_20 = datetime.date(2024, 12, 20)
TOTAL_FIELDS = (
    "households",
    "ewes",
    "ewes_lambed",
    "lambs_born",
    "lamb_losses",
    "lambs_alive",
    "lambs_alive_at_weaning",
    "lambing_rate",
    "reproduction_rate",
    "survival_rate",
    "reproductive_survival_rate",
    "mortality_rate",
)

# A list's budget, and the previous season the forecast compares with (``monitoring``).
SUMMARY_QUERY_LIMIT = LIST_QUERY_LIMIT + 1


def number(value):
    return float(value) if isinstance(value, Decimal) else value


def selector_summary(**arguments) -> dict:
    """What ``place_summary`` says, in the shape compared below."""
    summary = place_summary(**arguments)
    return {
        "as_of": summary.as_of.isoformat(),
        "totals": {name: number(summary.totals.shown(name)) for name in TOTAL_FIELDS},
        "rows": [
            {
                "place": (row.place._meta.model_name, row.place.pk, row.place.name),
                "totals": {name: number(row.totals.shown(name)) for name in TOTAL_FIELDS},
                "reported": {metric: figure.pk for metric, figure in row.reported.items()},
                "coverage": number(row.coverage),
            }
            for row in summary.rows
        ],
    }


def api_summary(body: dict) -> dict:
    """What the API answered, in the same shape."""
    return {
        "as_of": body["as_of"],
        "totals": {name: body["totals"][name] for name in TOTAL_FIELDS},
        "rows": [
            {
                "place": (row["place"]["level"], row["place"]["id"], row["place"]["name"]),
                "totals": {name: row["totals"][name] for name in TOTAL_FIELDS},
                "reported": {metric: figure["id"] for metric, figure in row["reported"].items()},
                "coverage": row["coverage"],
            }
            for row in body["rows"]
        ],
    }


def summary(user, **params) -> dict:
    response = api(user).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def counted(sailike_record, bieke_record, fuhai, burqin):
    """Both counties counted in December, with a reported figure each."""
    entry_create(record=sailike_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    entry_create(
        record=sailike_record,
        date=DEC_20,
        lambs_born=2,
        lambs_lost=1,
        loss_cause="cold",
        lambs_alive=11,
        check_stage="day7",
    )
    entry_create(record=bieke_record, date=DEC_20, ewes_lambed=20, lambs_born=24)
    report = Report.objects.create(slug="r", title="接羔育幼忙", source="test")
    for county, value in ((fuhai, 120), (burqin, 18600)):
        ReportedFigure.objects.create(
            key=f"{county.name_latin}-born",
            report=report,
            prefecture=county.prefecture,
            county=county,
            as_of=datetime.date(2024, 12, 18),
            metric="lambs_born",
            value=value,
            qualifier="more_than",
            quote=f"{county.name}已产羔{value}余只",
        )


@pytest.mark.parametrize(
    ("who", "place", "as_of"),
    [
        ("prefecture_official", None, None),
        ("prefecture_official", None, "2024-12-15"),
        ("prefecture_official", "county:burqin", "2024-12-31"),
        ("fuhai_technician", None, None),
        ("fuhai_technician", "county:fuhai", "2024-12-20"),
        ("fuhai_technician", "township:kokeaheshi", "2024-12-20"),
        ("fuhai_technician", "village:qibaerwoyi", "2024-12-20"),
    ],
)
def test_the_summary_equals_the_selector_for_the_same_arguments(
    request, counted, winter_2024, who, place, as_of
):
    user = request.getfixturevalue(who)
    params = {"season": winter_2024.pk}
    arguments = {"season": winter_2024, "user": user}
    if place:
        level, fixture = place.split(":")
        place_obj = request.getfixturevalue(fixture)
        params["place"] = f"{level}:{place_obj.pk}"
        arguments["place"] = place_obj
    if as_of:
        params["as_of"] = as_of
    answered = summary(user, **params)
    arguments["as_of"] = datetime.date.fromisoformat(answered["as_of"])

    assert api_summary(answered) == selector_summary(**arguments)


def test_the_prefectures_summary_has_a_row_per_county_with_their_counts(
    counted, prefecture_official, winter_2024
):
    body = summary(prefecture_official, season=winter_2024.pk, as_of="2024-12-31")
    rows = {row["place"]["name"]: row for row in body["rows"]}
    assert sorted(rows) == sorted(["布尔津县", "福海县"])
    assert rows["福海县"]["totals"]["lambs_born"] == 12
    assert rows["布尔津县"]["totals"]["lambs_born"] == 24
    assert body["totals"]["lambs_born"] == 36
    assert body["totals"]["households"] == 2


def test_a_row_shows_the_reported_figure_beside_the_records_and_their_coverage(
    counted, fuhai_technician, winter_2024
):
    [row] = summary(fuhai_technician, season=winter_2024.pk, as_of="2024-12-31")["rows"]
    reported = row["reported"]["lambs_born"]
    assert (reported["value"], reported["qualifier"]) == (120, "more_than")
    assert type(reported["value"]) is int  # 120 lambs, as the report wrote it: not 120.0
    assert reported["quote"] == "福海县已产羔120余只"
    assert row["coverage"] == 10.0  # 12 lambs recorded of the 120 reported


def test_a_figure_reported_after_the_as_of_date_is_not_shown(
    counted, fuhai_technician, winter_2024
):
    [row] = summary(fuhai_technician, season=winter_2024.pk, as_of="2024-12-15")["rows"]
    assert row["reported"] == {}
    assert row["coverage"] is None


def test_a_fuhai_user_sees_only_the_fuhai_row(counted, fuhai_technician, winter_2024):
    body = summary(fuhai_technician, season=winter_2024.pk)
    assert [row["place"]["name"] for row in body["rows"]] == ["福海县"]
    assert body["totals"]["lambs_born"] == 12


def test_a_burqin_place_is_a_404_for_a_fuhai_user(counted, fuhai_technician, burqin, woyimoke):
    client = api(fuhai_technician)
    assert client.get(URL, {"place": f"county:{burqin.pk}"}).status_code == 404
    assert client.get(URL, {"place": f"township:{woyimoke.pk}"}).status_code == 404


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("season", "9" * 5000, "99999999999999999999…(5000) is not a season id."),
        (
            "place",
            "county:" + "9" * 5000,
            "county:9999999999999…(5007) is not a place as LEVEL:ID, LEVEL one of "
            "prefecture, county, township, village.",
        ),
    ],
    ids=["season", "place"],
)
def test_a_value_of_5000_characters_is_said_back_by_its_start_and_length(
    name, value, message, counted, fuhai_technician, english
):
    """Said back whole, a parameter of 5,000 characters made an answer of 5 KB
    (a page of 5 KB more), where every other refusal says its start and length."""
    response = api(fuhai_technician).get(URL, {name: value})
    assert response.status_code == 400
    assert response.json() == {name: [message]}

    page = Client()
    page.force_login(fuhai_technician)
    response = page.get("/", {name: value})
    assert response.status_code == 400
    assert message.split(" ")[0] in response.content.decode()  # its start and length


def test_a_user_with_no_place_gets_an_empty_summary(counted, unscoped_technician, winter_2024):
    body = summary(unscoped_technician, season=winter_2024.pk)
    assert body["rows"] == []
    # No household: nothing counted, which is not 0 lambs born.
    assert body["totals"]["households"] == 0
    assert body["totals"]["lambs_born"] is None


def test_a_township_with_no_household_has_its_counts_and_rates_null_not_0(
    counted, prefecture_official, fuhai, winter_2024
):
    """A township of 福海县 with no herder household on file: nothing was
    counted there, so every count of head and every rate is null (as "—" on the
    pages), while its households are 0; its county's row beside it has numbers.
    Its completeness and timeliness too: no household reports there, which is not
    0 of 0 households reporting."""
    empty = Township.objects.create(county=fuhai, name="空乡", name_latin="Kong Township")
    body = summary(
        prefecture_official,
        season=winter_2024.pk,
        as_of="2024-12-20",
        place=f"county:{fuhai.pk}",
        timeliness="true",
    )
    [row] = [row for row in body["rows"] if row["place"]["id"] == empty.pk]
    totals = row["totals"]
    assert totals["households"] == totals["households_checked"] == 0
    assert {name: totals[name] for name in TOTAL_FIELDS if name != "households"} == {
        name: None for name in TOTAL_FIELDS if name != "households"
    }
    assert row["coverage"] is None
    # Its mortality's numbers too (lambs lost and born, null above), and the
    # households reporting and counts on time, of none.
    unknown = {
        "value": None,
        "numerator": None,
        "denominator": None,
        "households": 0,
        "of_households": 0,
    }
    assert totals["rates"]["mortality_rate"] == unknown
    assert row["monitoring"]["completeness"] == unknown
    assert row["monitoring"]["timeliness"] == unknown
    county = body["monitoring"]  # 福海县's own: 赛力克 counted
    assert (county["completeness"]["numerator"], county["completeness"]["denominator"]) == (1, 1)
    assert body["totals"]["lambs_born"] == 12  # 福海县 itself: 赛力克's lambs


def test_a_rate_none_of_whose_households_has_its_numbers_has_them_null_not_0(
    counted, prefecture_official, winter_2024, bieke_record
):
    """别克 of 布尔津县 has had no survival check: its survival rate divided
    lambs alive 0 by lambs born 0, as if his lambs had been counted dead. Its
    numbers are unknown, as its value and lambs alive are (null, as the summary
    file leaves them empty); the households it covers stay 0. His lambing rate
    beside it, and 福海县's survival rate, have their numbers. The record's own
    totals say the same."""
    body = summary(prefecture_official, season=winter_2024.pk, as_of="2024-12-20")
    rows = {row["place"]["name"]: row["totals"] for row in body["rows"]}
    burqin, fuhai = rows["布尔津县"], rows["福海县"]
    assert burqin["lambs_alive"] is None
    unknown = {"value": None, "numerator": None, "denominator": None}
    assert burqin["rates"]["survival_rate"] == {**unknown, "households": 0, "of_households": 1}
    assert burqin["rates"]["reproductive_survival_rate"] == {
        **unknown,
        "households": 0,
        "of_households": 1,
    }
    assert burqin["rates"]["lambing_rate"] == {
        "value": 120.0,
        "numerator": 24,
        "denominator": 20,
        "households": 1,
        "of_households": 1,
    }
    assert fuhai["rates"]["survival_rate"] == {
        "value": 91.7,
        "numerator": 11,
        "denominator": 12,
        "households": 1,
        "of_households": 1,
    }
    # Both counties: one household checked of two, its numbers alone.
    assert body["totals"]["rates"]["survival_rate"] == {
        "value": 91.7,
        "numerator": 11,
        "denominator": 12,
        "households": 1,
        "of_households": 2,
    }
    response = api(prefecture_official).get(
        f"{API}lambing-records/{bieke_record.pk}/", {"as_of": "2024-12-20"}
    )
    assert response.status_code == 200, response.content
    rates = response.json()["totals"]["rates"]
    assert rates["survival_rate"] == {**unknown, "households": 0, "of_households": 1}
    assert (rates["lambing_rate"]["numerator"], rates["lambing_rate"]["denominator"]) == (24, 20)


def bieke_village_summary(official, bieke_record) -> dict:
    """The summary of 别克's village, his record's season, as of 20 December 2024."""
    return summary(
        official,
        season=bieke_record.season_id,
        as_of="2024-12-20",
        place=f"village:{bieke_record.herder.village_id}",
    )


def test_a_rate_whose_households_divide_by_0_keeps_its_numbers_0_and_0(
    prefecture_official, bieke_record
):
    """别克's survival check at birth, made before any lamb was born, counted 0
    lambs alive of 0 born: numbers known, nothing to divide (value null), unlike
    a rate with no check made. His mortality, 0 lost of 0 born, likewise."""
    entry_create(record=bieke_record, date=DEC_10, lambs_alive=0, check_stage="birth")
    totals = bieke_village_summary(prefecture_official, bieke_record)["totals"]
    assert totals["lambs_alive"] == 0
    known_nothing_to_divide = {
        "value": None,
        "numerator": 0,
        "denominator": 0,
        "households": 1,
        "of_households": 1,
    }
    assert totals["rates"]["survival_rate"] == known_nothing_to_divide
    assert totals["rates"]["mortality_rate"] == known_nothing_to_divide


def test_a_share_done_with_no_lambs_expected_yet_is_null_not_divided_by_0(
    prefecture_official, bieke_record
):
    """别克's 150 ewes are counted and 3 lambs born, but no ewe lambed: no lambing
    rate, so no lambs can be expected (null). The share done divided his 3
    lambs by 0, as if none were expected; it is null as the lambs expected are."""
    entry_create(record=bieke_record, date=DEC_10, lambs_born=3)
    monitoring = bieke_village_summary(prefecture_official, bieke_record)["monitoring"]
    assert monitoring["lambs_expected"] is None
    assert monitoring["share_done"] is None
    entry_create(record=bieke_record, date=DEC_20, ewes_lambed=2, lambs_born=1)
    monitoring = bieke_village_summary(prefecture_official, bieke_record)["monitoring"]
    # 150 ewes × 200.0 % (4 lambs of 2 ewes lambed): 300 expected, 4 born.
    assert monitoring["lambs_expected"] == 300
    assert monitoring["share_done"] == {
        "value": 1.3,
        "numerator": 4,
        "denominator": 300,
        "households": 1,
        "of_households": 1,
    }


def test_a_later_dated_entry_does_not_change_an_earlier_summary(
    counted, fuhai_technician, sailike_record, winter_2024
):
    params = {"season": winter_2024.pk, "as_of": "2024-12-15"}
    before = summary(fuhai_technician, **params)
    entry_create(record=sailike_record, date=datetime.date(2024, 12, 28), lambs_born=7)
    assert summary(fuhai_technician, **params) == before
    later = summary(fuhai_technician, season=winter_2024.pk, as_of="2024-12-31")
    assert later["totals"]["lambs_born"] == 19


def test_by_default_the_latest_season_as_of_its_end_once_it_is_over(
    counted, fuhai_technician, winter_2024
):
    body = summary(fuhai_technician)
    assert body["season"]["id"] == winter_2024.pk
    assert body["as_of"] == min(timezone.localdate(), winter_2024.end_date).isoformat()


def test_an_anonymous_request_is_a_401(counted):
    assert api().get(URL).status_code == 401


def test_every_figure_a_summary_shows_can_be_read_by_the_same_user(
    counted, woyimoke_technician, burqin_official, winter_2024
):
    for user, sees_the_county_figure in ((burqin_official, True), (woyimoke_technician, False)):
        client = api(user)
        body = summary(user, season=winter_2024.pk, as_of="2024-12-31")
        shown = [figure["id"] for row in body["rows"] for figure in row["reported"].values()]
        # 布尔津县's own figure is the county's: its official sees it, a township's
        # technician, whose scope ends at the township, does not.
        assert bool(shown) == sees_the_county_figure, user
        for figure_id in shown:
            assert client.get(f"{API}reported-figures/{figure_id}/").status_code == 200


@pytest.fixture
def make_townships(fuhai, winter_2024):
    """Townships of 福海县, each with a counted household and a reported figure."""
    report = Report.objects.create(slug="many", title="many", source="test")

    def make(n: int) -> None:
        start = Township.objects.count()
        for number in range(start, start + n):
            township = Township.objects.create(
                county=fuhai, name=f"乡{number}", name_latin=f"Township {number}"
            )
            village = Village.objects.create(township=township, name="村", name_latin="Village")
            herder = herder_create(village=village, name="牧户", name_latin="Herder")
            record = record_create(herder=herder, season=winter_2024, ewes_at_start=9)
            entry_create(record=record, date=DEC_10, ewes_lambed=3, lambs_born=4)
            ReportedFigure.objects.create(
                key=f"township-{number}",
                report=report,
                prefecture=fuhai.prefecture,
                county=fuhai,
                township=township,
                as_of=DEC_10,
                metric="lambs_born",
                value=5,
                qualifier="exact",
                quote="q",
            )

    return make


def test_a_summary_takes_as_many_queries_for_25_rows_as_for_2(
    fuhai_technician,
    fuhai,
    winter_2024,
    make_townships,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    client = api(fuhai_technician)
    params = {"season": winter_2024.pk, "place": f"county:{fuhai.pk}", "as_of": "2024-12-31"}
    make_townships(2)
    client.get(URL, params)
    with django_assert_max_num_queries(SUMMARY_QUERY_LIMIT) as for_two:
        response = client.get(URL, params)
    assert len(response.json()["rows"]) == 2
    make_townships(23)
    with django_assert_num_queries(len(for_two.captured_queries)):
        response = client.get(URL, params)
    assert len(response.json()["rows"]) == 25
    assert response.json()["totals"]["lambs_born"] == 100


def test_the_prefectures_summary_takes_as_many_queries_for_25_counties_as_for_2(
    altay, winter_2024, django_assert_max_num_queries, django_assert_num_queries
):
    official = make_user("altay-official-2", "official", altay)
    client = api(official)

    def make_counties(n: int) -> None:
        start = County.objects.count()
        for number in range(start, start + n):
            County.objects.create(prefecture=altay, name=f"县{number}", name_latin=f"C{number}")

    make_counties(2)
    client.get(URL, {"season": winter_2024.pk})
    with django_assert_max_num_queries(SUMMARY_QUERY_LIMIT) as for_two:
        assert len(client.get(URL, {"season": winter_2024.pk}).json()["rows"]) == 2
    make_counties(23)
    with django_assert_num_queries(len(for_two.captured_queries)):
        assert len(client.get(URL, {"season": winter_2024.pk}).json()["rows"]) == 25


@pytest.fixture
def tacheng_counted(winter_2024):
    """A second prefecture with a household counted: 7 lambs born."""
    from livestock.models import Herder, Prefecture

    tacheng = Prefecture.objects.create(name="塔城地区", name_latin="Tacheng Prefecture")
    county = County.objects.create(prefecture=tacheng, name="托里县", name_latin="Toli County")
    township = Township.objects.create(county=county, name="庙尔沟镇", name_latin="Miaoergou Town")
    village = Village.objects.create(township=township, name="哈拉布拉村", name_latin="Halabula")
    herder = Herder.objects.create(village=village, name="叶尔兰", name_latin="Yerlan")
    record = record_create(herder=herder, season=winter_2024, ewes_at_start=40)
    entry_create(record=record, date=DEC_10, ewes_lambed=6, lambs_born=7)
    return tacheng, county


def rows_of(body: dict) -> list[tuple[str, str, int]]:
    return [
        (row["place"]["level"], row["place"]["name"], row["totals"]["lambs_born"])
        for row in body["rows"]
    ]


def test_who_sees_several_prefectures_gets_a_row_per_prefecture_then_its_counties(
    counted, tacheng_counted, altay, winter_2024
):
    tacheng, toli = tacheng_counted
    root = make_user("xinjiang", None, superuser=True)
    overview = summary(root, season=winter_2024.pk)
    assert rows_of(overview) == [("prefecture", "阿勒泰地区", 36), ("prefecture", "塔城地区", 7)]
    assert overview["totals"]["lambs_born"] == 43
    drilled = summary(root, season=winter_2024.pk, place=f"prefecture:{tacheng.pk}")
    assert rows_of(drilled) == [("county", "托里县", 7)]


def test_who_sees_one_prefecture_still_gets_its_counties_first(
    counted, tacheng_counted, prefecture_official, winter_2024
):
    overview = summary(prefecture_official, season=winter_2024.pk)
    assert [level for level, _, _ in rows_of(overview)] == ["county", "county"]
    assert overview["totals"]["lambs_born"] == 36
