"""/api/v1/lambing-records/: a household's lambing in a season, carrying its
totals and rates as of ``?as_of=`` (today by default)."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestock.models import Herder, LambingRecord, Season
from livestock.selectors.summaries import place_summary
from livestock.selectors.totals import lambing_totals
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create, record_update
from tests.test_api_base import (
    API,
    ListQueryTests,
    ReadTests,
    VersionedTests,
    WriteTests,
    api,
    ids,
    results,
)

URL = API + "lambing-records/"
DEC_10 = datetime.date(2024, 12, 10)
DEC_20 = datetime.date(2024, 12, 20)


@pytest.fixture
def hanati(qibaerwoyi):
    """A 福海县 household without a record yet."""
    return herder_create(village=qibaerwoyi, name="哈那提·阿依达尔", name_latin="Hanati")


class TestRecords(ReadTests, ListQueryTests, WriteTests, VersionedTests):
    url = URL
    model = LambingRecord
    scope_field = "herder"

    @pytest.fixture
    def inside(self, sailike_record):
        return sailike_record

    @pytest.fixture
    def outside(self, bieke_record):
        return bieke_record

    @pytest.fixture
    def make_inside(self, qibaerwoyi, winter_2024):
        """Records of new households, each with a birth, a loss and a survival
        check, so that every total of the list has something to sum."""

        def make(n: int) -> None:
            start = Herder.objects.count()
            for number in range(start, start + n):
                herder = herder_create(
                    village=qibaerwoyi, name=f"牧户{number}", name_latin=f"Herder {number}"
                )
                record = record_create(herder=herder, season=winter_2024, ewes_at_start=40)
                entry_create(record=record, date=DEC_10, ewes_lambed=9, lambs_born=10)
                entry_create(
                    record=record,
                    date=DEC_20,
                    lambs_lost=1,
                    loss_cause="cold",
                    lambs_alive=9,
                    check_stage="weaning",
                )

        return make

    @pytest.fixture
    def create_data(self, hanati, winter_2024):
        return {"herder": hanati.pk, "season": winter_2024.pk, "ewes_at_start": 80}

    @pytest.fixture
    def outside_data(self, bieke, winter_2024):
        return {"herder": bieke.pk, "season": winter_2024.pk, "ewes_at_start": 80}

    @pytest.fixture
    def patch_data(self):
        return {"ewes_at_start": 130, "reason": "recounted the flock"}

    @pytest.fixture
    def put_data(self):
        return {"ewes_at_start": 125, "reason": "recounted the flock"}

    def change_elsewhere(self, obj):
        record_update(reason="recounted", record=obj, ewes_at_start=99)

    def test_put_changes_the_stored_values(self, user, inside, put_data):
        super().test_put_changes_the_stored_values(user, inside, put_data)


@pytest.fixture
def counted(sailike_record):
    """赛力克's counts: 10 lambs of 8 ewes on 10 December; on 20 December 2 more
    lambs, 1 lost to cold, and 11 alive at the day-7 check."""
    entry_create(record=sailike_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    entry_create(
        record=sailike_record,
        date=DEC_20,
        ewes_lambed=2,
        lambs_born=2,
        lambs_lost=1,
        loss_cause="cold",
        lambs_alive=11,
        check_stage="day7",
    )
    return sailike_record


def totals_of(client, record, as_of=None) -> dict:
    params = {"as_of": as_of.isoformat()} if as_of else {}
    response = client.get(f"{URL}{record.pk}/", params)
    assert response.status_code == 200, response.content
    return response.json()["totals"]


def test_a_record_carries_its_totals_and_rates_as_of_today_by_default(fuhai_technician, counted):
    record = api(fuhai_technician).get(f"{URL}{counted.pk}/").json()
    assert record["as_of"] == timezone.localdate().isoformat()
    totals = record["totals"]
    assert (totals["ewes"], totals["ewes_lambed"], totals["lambs_born"]) == (120, 10, 12)
    assert (totals["lamb_losses"], totals["lambs_alive"]) == (1, 11)
    assert totals["lambing_rate"] == 120.0  # 12 lambs ÷ 10 ewes lambed
    assert totals["reproduction_rate"] == 10.0  # 12 lambs ÷ 120 ewes
    assert totals["mortality_rate"] == 8.3  # 1 ÷ 12
    assert totals["survival_rate"] == 91.7  # 11 ÷ 12


def test_totals_as_of_a_date_count_only_the_entries_dated_up_to_it_and_no_check_is_unknown(
    fuhai_technician, counted
):
    client = api(fuhai_technician)
    totals = totals_of(client, counted, as_of=datetime.date(2024, 12, 15))
    assert (totals["ewes_lambed"], totals["lambs_born"], totals["lamb_losses"]) == (8, 10, 0)
    assert totals["lambs_alive"] is None  # no check yet: unknown, not 0
    assert totals["survival_rate"] is None  # no check yet: nothing to divide by


def test_a_later_dated_entry_does_not_change_an_earlier_as_of(fuhai_technician, counted):
    client = api(fuhai_technician)
    mid_december = datetime.date(2024, 12, 15)
    before = totals_of(client, counted, as_of=mid_december)

    response = client.post(
        API + "entries/",
        {"uuid": str(uuid.uuid4()), "record": counted.pk, "date": "2024-12-28", "lambs_born": 4},
    )
    assert response.status_code == 201

    assert totals_of(client, counted, as_of=mid_december) == before
    assert totals_of(client, counted)["lambs_born"] == 16


def test_the_list_carries_each_records_totals_as_of_the_date_asked(
    prefecture_official, counted, bieke_record
):
    entry_create(record=bieke_record, date=DEC_20, ewes_lambed=3, lambs_born=3)
    listed = results(
        api(prefecture_official).get(URL, {"as_of": "2024-12-15", "ordering": "herder__name"})
    )
    assert [(record["id"], record["totals"]["lambs_born"]) for record in listed] == [
        (bieke_record.pk, None),  # not made yet on the 15th: nothing counted, not 0
        (counted.pk, 10),
    ]
    assert {record["as_of"] for record in listed} == {"2024-12-15"}


def test_a_record_made_today_asked_about_an_earlier_date_counts_as_in_the_summaries(
    prefecture_official, bieke_record, altay
):
    """别克's record was made today, with 150 ewes and no entry yet. As of an
    earlier date of its season it did not exist: the API's record list says
    what the summaries say (no household, nothing counted), not 1 and 150."""
    feb_11 = datetime.date(2025, 2, 11)
    summary = place_summary(
        season=bieke_record.season, as_of=feb_11, user=prefecture_official, place=altay
    )

    listed = results(api(prefecture_official).get(URL, {"as_of": feb_11.isoformat()}))

    [record] = [record for record in listed if record["id"] == bieke_record.pk]
    totals = record["totals"]
    assert (totals["households"], totals["ewes"]) == (0, None)
    assert (summary.totals.households, summary.totals.shown("ewes")) == (0, None)
    today = totals_of(api(prefecture_official), bieke_record)
    assert (today["households"], today["ewes"]) == (1, 150)


def test_the_list_reads_its_totals_in_one_query_whatever_the_number_of_records(
    prefecture_official, counted, bieke_record
):
    client = api(prefecture_official)
    client.get(URL, {"as_of": "2024-12-15"})  # the user's grants, once
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, {"as_of": "2024-12-15", "page_size": 1}).status_code == 200
    with CaptureQueriesContext(connection) as two:
        assert client.get(URL, {"as_of": "2024-12-15"}).status_code == 200

    assert len(two) == len(one)
    assert sum("livestock_dailyrollup" in query["sql"] for query in two) == 1


@pytest.mark.parametrize("as_of", [None, DEC_10, datetime.date(2024, 12, 19), DEC_20])
def test_a_records_totals_equal_the_selectors_for_its_herder(fuhai_technician, counted, as_of):
    as_of_date = as_of or timezone.localdate()
    expected = lambing_totals(season=counted.season, as_of=as_of_date, place=counted.herder)
    totals = totals_of(api(fuhai_technician), counted, as_of=as_of)
    for field in ("ewes", "ewes_lambed", "lambs_born", "lamb_losses", "lambs_alive"):
        assert totals[field] == expected.shown(field)
    for rate in ("lambing_rate", "reproduction_rate", "survival_rate", "mortality_rate"):
        value = getattr(expected, rate)
        assert totals[rate] == (None if value is None else float(value))


@pytest.fixture
def spring_2025(db) -> Season:
    return Season.objects.create(
        kind="spring", start_date=datetime.date(2025, 3, 1), end_date=datetime.date(2025, 5, 31)
    )


@pytest.fixture
def records_of_both_counties(sailike_record, bieke_record, spring_2025, prefecture_official):
    """Winter records of 赛力克 (福海县) and 别克 (布尔津县), and 赛力克's spring one."""
    spring = record_create(herder=sailike_record.herder, season=spring_2025)
    return api(prefecture_official), spring


def test_records_filter_by_season(records_of_both_counties, spring_2025, winter_2024):
    client, spring = records_of_both_counties
    assert ids(client.get(URL, {"season": spring_2025.pk})) == [spring.pk]
    assert len(ids(client.get(URL, {"season": winter_2024.pk}))) == 2


@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_records_filter_by_place_at_any_level(
    records_of_both_counties, bieke_record, tongke, level
):
    client, _spring = records_of_both_counties
    place_id = {"county": tongke.township.county_id, "township": tongke.township_id}.get(
        level, tongke.pk
    )
    assert ids(client.get(URL, {level: place_id})) == [bieke_record.pk]


def test_filtering_by_a_herder_outside_the_scope_answers_as_for_no_such_herder(
    fuhai_technician, sailike_record, bieke
):
    client = api(fuhai_technician)
    outside = client.get(URL, {"herder": bieke.pk})
    unknown = client.get(URL, {"herder": bieke.pk + 1000})
    assert outside.status_code == unknown.status_code


def test_records_filter_by_herder(records_of_both_counties, sailike, sailike_record):
    client, spring = records_of_both_counties
    assert sorted(ids(client.get(URL, {"herder": sailike.pk}))) == [sailike_record.pk, spring.pk]


@pytest.mark.parametrize("term", ["别克", "Bieke", "muheyati"])
def test_search_finds_records_by_the_herders_chinese_or_latin_name(
    records_of_both_counties, bieke_record, term
):
    client, _spring = records_of_both_counties
    assert ids(client.get(URL, {"search": term})) == [bieke_record.pk]


def test_records_are_ordered_by_the_field_asked_for(
    records_of_both_counties, sailike_record, bieke_record, winter_2024
):
    client, _spring = records_of_both_counties
    params = {"season": winter_2024.pk}
    by_name = ids(client.get(URL, {**params, "ordering": "herder__name"}))
    assert by_name == [bieke_record.pk, sailike_record.pk]  # 别 before 赛
    assert ids(client.get(URL, {**params, "ordering": "-herder__name"})) == by_name[::-1]


def test_a_second_record_for_the_same_household_and_season_is_refused(
    fuhai_technician, sailike_record
):
    response = api(fuhai_technician).post(
        URL, {"herder": sailike_record.herder_id, "season": sailike_record.season_id}
    )
    assert response.status_code == 400
    assert LambingRecord.objects.filter(herder=sailike_record.herder).count() == 1


def test_a_records_season_cannot_be_changed(fuhai_technician, sailike_record, spring_2025):
    response = api(fuhai_technician).patch(f"{URL}{sailike_record.pk}/", {"season": spring_2025.pk})
    assert response.status_code == 400
    assert "season" in response.json()
    sailike_record.refresh_from_db()
    assert sailike_record.season.kind == "winter"


def test_changing_a_records_herder_is_refused_not_silently_ignored(
    fuhai_technician, sailike_record, hanati
):
    response = api(fuhai_technician).patch(f"{URL}{sailike_record.pk}/", {"herder": hanati.pk})
    assert response.status_code == 400
    assert "herder" in response.json()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "zh-hans",
            "截至2024-12-20，产羔母羊累计将达10只，超过季初能繁母羊9只（规则：产羔母羊 ≤ 母羊数）",
        ),
        (
            "en",
            "By 2024-12-20 the ewes lambed would total 10, more than the 9 ewes at the season's "
            "start (rule: ewes lambed ≤ ewes)",
        ),
    ],
)
def test_fewer_ewes_than_already_lambed_is_refused_at_the_field_in_the_users_language(
    fuhai_technician, counted, language, message
):
    response = api(fuhai_technician, language=language).patch(
        f"{URL}{counted.pk}/", {"ewes_at_start": 9, "reason": "recounted"}
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["ewes_at_start"])
    counted.refresh_from_db()
    assert counted.ewes_at_start == 120


@pytest.mark.parametrize("ewes_at_start", [120, 130], ids=["unchanged", "corrected"])
def test_a_reason_longer_than_the_history_keeps_is_refused_saying_its_length(
    fuhai_technician, counted, ewes_at_start
):
    """With a correction or not (the ewes sent again as they were), a reason is
    kept in the history, which holds 100 characters: a longer one is refused by
    the service's rule, naming the reason, its length and the limit, and nothing
    is saved (it was stored whole on SQLite and a database error on PostgreSQL
    before the serializer's own check of its length, which said no length)."""
    response = api(fuhai_technician).patch(
        f"{URL}{counted.pk}/", {"ewes_at_start": ewes_at_start, "reason": "数" * 101}
    )
    assert response.status_code == 400
    assert response.json() == {
        "reason": [
            "The reason is 101 characters long; the history keeps up to 100. Say it more briefly."
        ]
    }
    counted.refresh_from_db()
    assert counted.ewes_at_start == 120
    assert counted.history.count() == 1


def test_an_unknown_as_of_is_refused_naming_the_parameter(fuhai_technician, sailike_record):
    response = api(fuhai_technician).get(URL, {"as_of": "15 December"})
    assert response.status_code == 400
    assert "15 December" in str(response.json()["as_of"])


def test_a_client_adds_a_household_a_record_and_counts_and_reads_the_new_totals(
    fuhai_technician, qibaerwoyi, winter_2024
):
    client = api(fuhai_technician)
    herder = client.post(
        API + "herders/", {"village": qibaerwoyi.pk, "name": "努尔兰·哈山", "name_latin": "Nuerlan"}
    ).json()
    record = client.post(
        URL, {"herder": herder["id"], "season": winter_2024.pk, "ewes_at_start": 60}
    ).json()
    for date, born in (("2024-12-10", 7), ("2024-12-18", 5)):
        response = client.post(
            API + "entries/",
            {
                "uuid": str(uuid.uuid4()),
                "record": record["id"],
                "date": date,
                "ewes_lambed": born,
                "lambs_born": born,
            },
        )
        assert response.status_code == 201

    totals = totals_of(client, LambingRecord.objects.get(pk=record["id"]))
    assert (totals["ewes"], totals["lambs_born"], totals["reproduction_rate"]) == (60, 12, 20.0)
