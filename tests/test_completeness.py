"""Reporting completeness and timeliness: which households counted lately, and
which counts came in on time; never above 100 %, whatever is entered when."""

import datetime
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from livestock.models import County, Herder, Township, Village
from livestock.monitoring import completeness
from livestock.selectors.summaries import place_summary
from livestock.services.entries import entry_create
from livestock.services.records import record_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


@contextmanager
def entered_on(day: datetime.date, hour: int = 10):
    """Counts entered (``created_at``) on ``day``, as a technician would that day."""
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def count(record, date, entered, born=1):
    with entered_on(entered):
        return entry_create(record=record, date=date, ewes_lambed=born, lambs_born=born)


@pytest.fixture
def two_households(bieke, sailike, winter_2024):
    with entered_on(datetime.date(2024, 12, 1)):
        return (
            record_create(herder=bieke, season=winter_2024, ewes_at_start=150),
            record_create(herder=sailike, season=winter_2024, ewes_at_start=120),
        )


def test_a_household_without_a_count_in_the_last_7_days_is_not_reporting(
    two_households, winter_2024, prefecture_official
):
    bieke_record, sailike_record = two_households
    count(bieke_record, datetime.date(2025, 2, 10), entered=datetime.date(2025, 2, 10))
    count(sailike_record, datetime.date(2025, 2, 1), entered=datetime.date(2025, 2, 1))
    result = completeness.completeness_by(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), user=prefecture_official
    )[None]
    assert (result.households, result.households_reporting) == (2, 1)
    assert result.completeness == 50
    # On 7 February both had counted within the 7 days before.
    a_week_earlier = completeness.completeness_by(
        season=winter_2024, as_of=datetime.date(2025, 2, 7), user=prefecture_official
    )[None]
    assert (a_week_earlier.households, a_week_earlier.households_reporting) == (2, 1)


def test_in_the_seasons_first_week_only_the_households_that_have_counted_are_reporting(
    two_households, winter_2024, prefecture_official
):
    """Nobody is late in the season's first week (no "no count for more than 7
    days" flag yet), but a household that has not counted is not reporting
    either: on 5 December, with one of two households counted, completeness is
    1 of 2, not 2 of 2 (until 2026-12-07 it read 100 % for the whole first
    week, whatever had been counted)."""
    bieke_record, _sailike_record = two_households
    count(bieke_record, datetime.date(2024, 12, 3), entered=datetime.date(2024, 12, 3))
    asked = {"season": winter_2024, "user": prefecture_official}

    def reporting(day):
        result = completeness.completeness_by(**asked, as_of=datetime.date(2024, 12, day))[None]
        return result.households_reporting, result.households

    assert reporting(2) == (0, 2)  # nobody has counted yet: 0 %, not 100 %
    assert reporting(5) == (1, 2)
    assert reporting(10) == (1, 2)  # 别克's count of 3 December, 7 days before
    assert reporting(11) == (0, 2)  # more than 7 days ago


def test_the_summary_api_and_the_reporting_page_say_the_first_weeks_completeness(
    two_households, winter_2024, prefecture_official, altay
):
    from django.test import Client

    from tests.conftest import PASSWORD

    bieke_record, _sailike_record = two_households
    count(bieke_record, datetime.date(2024, 12, 3), entered=datetime.date(2024, 12, 3))
    client = Client()
    client.login(username=prefecture_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2024-12-05"}
    body = client.get("/api/v1/summaries/", params).json()
    monitoring = body["monitoring"]["completeness"]
    assert (monitoring["numerator"], monitoring["denominator"]) == (1, 2)
    assert Decimal(str(monitoring["value"])) == 50
    page = client.get("/reporting/", params).content.decode()
    assert "报告完整率: <strong>50.0%</strong>" in page  # the prefecture's
    burqin = page[page.index(">布尔津县") : page.index("</tr>", page.index(">布尔津县"))]
    fuhai = page[page.index(">福海县") : page.index("</tr>", page.index(">福海县"))]
    assert '100.0% <small><bdi dir="ltr">1 / 1</bdi></small>' in burqin  # 别克 counted
    assert '0.0% <small><bdi dir="ltr">0 / 1</bdi></small>' in fuhai  # 赛力克 has not


def test_a_count_entered_later_than_the_season_allows_is_late(
    two_households, winter_2024, prefecture_official, burqin, fuhai
):
    bieke_record, sailike_record = two_households
    count(bieke_record, datetime.date(2025, 2, 1), entered=datetime.date(2025, 2, 4))  # 3 days
    count(sailike_record, datetime.date(2025, 2, 1), entered=datetime.date(2025, 2, 5))  # 4 days
    by_county = completeness.timeliness_by(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        user=prefecture_official,
        level=County,
    )
    assert (by_county[burqin.pk].counts, by_county[burqin.pk].counts_on_time) == (1, 1)
    assert (by_county[fuhai.pk].counts, by_county[fuhai.pk].counts_on_time) == (1, 0)
    winter_2024.on_time_within_days = 4
    winter_2024.save()
    by_county = completeness.timeliness_by(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        user=prefecture_official,
        level=County,
    )
    assert by_county[fuhai.pk].timeliness == 100


def test_a_township_shows_when_its_technicians_last_counted_and_who(
    bieke_record, winter_2024, woyimoke, woyimoke_technician, burqin_official
):
    with entered_on(datetime.date(2025, 2, 9), hour=18):
        entry_create(
            record=bieke_record,
            date=datetime.date(2025, 2, 9),
            lambs_born=2,
            ewes_lambed=2,
            created_by=woyimoke_technician,
        )
    last = completeness.last_counts(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        user=burqin_official,
        townships=[woyimoke],
    )[woyimoke.pk]
    assert last.by == "woyimoke-tech"
    assert last.at.astimezone(SHANGHAI).date() == datetime.date(2025, 2, 9)
    earlier = completeness.last_counts(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 8),
        user=burqin_official,
        townships=[woyimoke],
    )[woyimoke.pk]
    assert earlier.at is None


def test_an_official_reads_the_completeness_of_their_places_only(
    two_households, winter_2024, burqin_official
):
    bieke_record, sailike_record = two_households
    count(bieke_record, datetime.date(2025, 2, 10), entered=datetime.date(2025, 2, 10))
    count(sailike_record, datetime.date(2025, 2, 10), entered=datetime.date(2025, 2, 10))
    asked = {"season": winter_2024, "as_of": datetime.date(2025, 2, 11), "user": burqin_official}
    assert completeness.completeness_by(**asked)[None].households == 1
    assert completeness.timeliness_by(**asked)[None].counts == 1


def test_completeness_and_timeliness_take_one_query_each_whatever_the_number_of_places(
    two_households, winter_2024, prefecture_official, django_assert_num_queries
):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=prefecture_official.pk)
    asked = {"season": winter_2024, "as_of": datetime.date(2025, 2, 11), "level": Township}
    with django_assert_num_queries(2):  # the user's grants, then the rollups
        completeness.completeness_by(user=user, **asked)
    with django_assert_num_queries(1):
        completeness.timeliness_by(user=user, **asked)


SEASON_DAYS = 90  # 2024-12-01 … 2025-02-28
RECENT_DAYS = 7  # DOMAIN.md: a count in the last 7 days
day_in_season = st.integers(min_value=0, max_value=SEASON_DAYS - 1)


@hypothesis_settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    entries=st.lists(
        st.tuples(st.integers(0, 3), day_in_season, st.integers(0, 20), st.integers(0, 3)),
        max_size=15,
    ),
    made=st.lists(day_in_season, min_size=4, max_size=4),
    as_of=st.integers(-10, SEASON_DAYS + 10),
    within=st.integers(0, 10),
)
def test_completeness_and_timeliness_never_pass_100_percent(
    winter_2024, altay, prefecture_official, entries, made, as_of, within
):
    """Random households made on random days, with counts of random dates
    entered a random number of days later, asked about a random date: each
    numerator stays within its denominator, at every level."""
    from django.db import transaction

    start = winter_2024.start_date
    sid = transaction.savepoint()
    try:
        winter_2024.on_time_within_days = within
        winter_2024.save()
        county = County.objects.create(prefecture=altay, name="县", name_latin="County")
        township = Township.objects.create(county=county, name="乡", name_latin="Township")
        village = Village.objects.create(township=township, name="村", name_latin="Village")
        records = []
        for number, day in enumerate(made):
            herder = Herder.objects.create(
                village=village, name=f"牧户{number}", name_latin=f"Herder {number}"
            )
            with entered_on(start + datetime.timedelta(days=day)):
                records.append(record_create(herder=herder, season=winter_2024))
        for which, day, late, born in entries:
            date = start + datetime.timedelta(days=day)
            entered = min(date + datetime.timedelta(days=late), winter_2024.end_date)
            count(records[which], date, entered=entered, born=born)
        asked = start + datetime.timedelta(days=as_of)
        # Reporting: the households with a count dated in the 7 days up to the
        # date (after the season's end, up to its end), counted from the entries.
        last_day = min(asked, winter_2024.end_date)
        recent_from = last_day - datetime.timedelta(days=RECENT_DAYS)
        reporting = {
            which
            for which, day, _late, _born in entries
            if recent_from <= start + datetime.timedelta(days=day) <= last_day
        }
        whole = completeness.completeness_by(
            season=winter_2024, as_of=asked, user=prefecture_official
        ).get(None, completeness.Completeness())
        assert whole.households_reporting == len(reporting)
        for level in (None, County, Township, Village, Herder):
            asked_of = {"season": winter_2024, "as_of": asked, "user": prefecture_official}
            for row in completeness.completeness_by(**asked_of, level=level).values():
                assert 0 <= row.households_reporting <= row.households <= len(records)
                assert row.completeness is None or 0 <= row.completeness <= 100
            for row in completeness.timeliness_by(**asked_of, level=level).values():
                assert 0 <= row.counts_on_time <= row.counts <= len(entries)
                assert row.timeliness is None or 0 <= row.timeliness <= 100
        # The pages and the API read completeness with the totals (desk=True): the same.
        summary = place_summary(
            season=winter_2024, as_of=asked, user=prefecture_official, place=county, desk=True
        )
        assert completeness.completeness_of(summary) == completeness.completeness_by(
            **asked_of, place=county, level=Township
        )
    finally:
        transaction.savepoint_rollback(sid)


def test_the_reporting_page_shows_each_townships_last_count_in_constant_queries(
    bieke_record,
    winter_2024,
    burqin,
    woyimoke,
    woyimoke_technician,
    burqin_official,
    django_assert_num_queries,
):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import PASSWORD

    with entered_on(datetime.date(2025, 2, 10), hour=9):
        entry_create(
            record=bieke_record,
            date=datetime.date(2025, 2, 9),
            lambs_born=2,
            ewes_lambed=2,
            created_by=woyimoke_technician,
        )
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    with CaptureQueriesContext(connection) as first:
        page = client.get("/reporting/", params).content.decode()
    queries = len(first.captured_queries)  # the next request empties the log
    row = page[page.index(">窝依莫克镇") : page.index("</tr>", page.index(">窝依莫克镇"))]
    one_of_one = '100.0% <small><bdi dir="ltr">1 / 1</bdi></small>'
    assert one_of_one in row  # counted on 9 February
    assert one_of_one in row[row.index("</td>") :]  # entered the next day
    assert "2025-02-10 09:00 woyimoke-tech" in row
    summary = client.get("/", params).content.decode()
    assert 'href="/reporting/?season=' in summary and 'href="/bulletin/?season=' in summary
    for number in range(3):
        township = Township.objects.create(county=burqin, name=f"乡{number}", name_latin="T")
        village = Village.objects.create(township=township, name="村", name_latin="V")
        herder = Herder.objects.create(village=village, name="户", name_latin="H")
        record_create(herder=herder, season=winter_2024, ewes_at_start=10)
    with django_assert_num_queries(queries):
        client.get("/reporting/", params)


def test_the_reporting_page_says_a_township_with_no_household_has_nothing_to_count(
    bieke_record, burqin, winter_2024, burqin_official
):
    """Its completeness and timeliness are "—" with 无牧户 beside them, not "0 / 0"."""
    from django.test import Client

    from tests.conftest import PASSWORD

    Township.objects.create(county=burqin, name="空乡", name_latin="Kong Township")
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    page = client.get("/reporting/", params).content.decode()
    row = page[page.index(">空乡") : page.index("</tr>", page.index(">空乡"))]
    assert row.count("<td>— <small>无牧户 no households</small></td>") == 2
    assert "0 / 0" not in row
