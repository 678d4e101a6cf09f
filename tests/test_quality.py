"""Data-quality flags: each flag trips on the records that break its soft limit
and on no other; a flagged value is stored, not refused; zero is a real value."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from livestock.choices import CheckStage, LossCause
from livestock.counting import quality, rollups
from livestock.models import DailyRollup, LambingEntry, LambingRecord, Season, Township, Village
from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from livestock.services.seasons import season_update
from tests.conftest import made_on
from tests.test_rules_properties import DATABASE_EXAMPLES, rolled_back

DEC_1 = datetime.date(2024, 12, 1)
DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_20 = datetime.date(2024, 12, 20)
FEB_20 = datetime.date(2025, 2, 20)
FEB_28 = datetime.date(2025, 2, 28)


def flags(record, as_of) -> list[str]:
    return [flag.key for flag in quality.record_flags(record, as_of=as_of)]


def add(record, date, **counts):
    entry, _created = entry_create(record=record, date=date, **counts)
    return entry


class TestEachFlag:
    def test_a_record_counted_recently_and_plausibly_has_no_flag(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=12)
        assert flags(bieke_record, DEC_12) == []

    def test_no_count_for_more_than_the_set_days_is_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=12)
        days = quality.STALE_AFTER_DAYS
        assert flags(bieke_record, DEC_10 + datetime.timedelta(days=days)) == []
        assert flags(bieke_record, DEC_10 + datetime.timedelta(days=days + 1)) == ["stale"]

    def test_a_record_never_counted_is_stale_once_the_season_is_that_old(self, bieke_record):
        made_on(DEC_1, bieke_record)  # made on that day, as the rollups say
        assert flags(bieke_record, DEC_1 + datetime.timedelta(days=3)) == []
        assert "stale" in flags(bieke_record, DEC_20)

    def test_a_household_added_mid_season_is_late_only_a_week_after_it_was_added(
        self, bieke_record, sailike_record
    ):
        """The season started on 1 December; 别克's household is added on 20
        December. "No count for more than 7 days" counts from that day, not
        the season's start: on it and for the 7 days after, it is not late; on
        the 8th with no count it is. A household added before the season counts
        from the season's start, as always."""
        made_on(DEC_20, bieke_record)
        made_on(DEC_1 - datetime.timedelta(days=10), sailike_record)
        days = quality.STALE_AFTER_DAYS
        assert flags(bieke_record, DEC_20) == []
        assert flags(bieke_record, DEC_20 + datetime.timedelta(days=days)) == []
        assert flags(bieke_record, DEC_20 + datetime.timedelta(days=days + 1)) == ["stale"]
        assert flags(sailike_record, DEC_1 + datetime.timedelta(days=days)) == []
        assert flags(sailike_record, DEC_1 + datetime.timedelta(days=days + 1)) == ["stale"]
        assert flags(sailike_record, DEC_20) == ["stale"]

    def test_a_household_added_mid_season_is_counted_late_per_township_and_in_the_filter(
        self, bieke_record, sailike_record, winter_2024, altay
    ):
        """The pages' counts of households flagged and the admin's filter read the
        same: on 20 December the household added that day is not late, the one
        recorded since before the season and never counted is."""
        made_on(DEC_20, bieke_record)
        made_on(DEC_1 - datetime.timedelta(days=10), sailike_record)
        counts = quality.flag_counts(season=winter_2024, as_of=DEC_20, level=Township, place=altay)
        assert counts.by_flag["stale"] == 1
        assert counts.by_place == {sailike_record.herder.village.township_id: 1}
        late = quality.flagged_ids(
            LambingRecord.objects.filter(season=winter_2024), season=winter_2024, as_of=DEC_20
        )
        assert list(late.values_list("record", flat=True)) == [sailike_record.pk]

    def test_a_record_has_no_flag_before_it_counts(self, bieke_record):
        """Made today, after the season, without an entry: it is not one of the
        season's households as of a date in the season, as for the totals."""
        assert flags(bieke_record, DEC_20) == []
        assert "stale" in flags(bieke_record, timezone.localdate())

    def test_losses_above_the_share_of_births_are_flagged_and_stored(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
        add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)  # 20 %: at the limit
        assert "high_losses" not in flags(bieke_record, DEC_12)
        add(bieke_record, DEC_12, lambs_lost=1, loss_cause=LossCause.COLD)  # 30 %
        assert "high_losses" in flags(bieke_record, DEC_12)
        assert bieke_record.entries.count() == 3  # saved and flagged, not refused

    def test_zero_losses_is_a_real_value_and_not_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10, lambs_lost=0)
        assert "high_losses" not in flags(bieke_record, DEC_12)

    @pytest.mark.parametrize(
        "ewes_lambed, lambs_born, flagged",
        [(10, 8, False), (10, 7, True), (10, 30, False), (10, 31, True), (10, 0, True)],
    )
    def test_a_lambing_rate_outside_the_plausible_range_is_flagged(
        self, bieke_record, ewes_lambed, lambs_born, flagged
    ):
        add(bieke_record, DEC_10, ewes_lambed=ewes_lambed, lambs_born=lambs_born)
        assert ("lambing_rate" in flags(bieke_record, DEC_12)) is flagged

    def test_no_lambing_rate_flag_without_ewes_lambed(self, bieke_record):
        add(bieke_record, DEC_10, lambs_born=5)
        assert "lambing_rate" not in flags(bieke_record, DEC_12)

    def test_a_survival_check_missing_at_the_seasons_end_is_flagged(
        self, bieke_record, sailike_record
    ):
        for record in (bieke_record, sailike_record):
            add(record, FEB_20 - datetime.timedelta(days=1), ewes_lambed=8, lambs_born=10)
        add(sailike_record, FEB_20, lambs_alive=0, check_stage=CheckStage.DAY_30)  # zero is real
        assert "no_final_check" not in flags(bieke_record, FEB_20)  # not over yet
        assert "no_final_check" in flags(bieke_record, FEB_28)
        assert "no_final_check" not in flags(sailike_record, FEB_28)

    def test_a_survival_check_that_goes_backwards_is_flagged(self, bieke_record):
        add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
        add(bieke_record, DEC_10, lambs_alive=10, check_stage=CheckStage.BIRTH)
        add(bieke_record, DEC_12, lambs_lost=2, loss_cause=LossCause.COLD)
        add(bieke_record, DEC_12, lambs_alive=8, check_stage=CheckStage.DAY_7)  # 10 - 2: sound
        assert "backwards" not in flags(bieke_record, DEC_12)
        add(bieke_record, DEC_20, lambs_alive=6, check_stage=CheckStage.DAY_30)  # 2 gone unrecorded
        assert "backwards" in flags(bieke_record, DEC_20)
        assert "backwards" not in flags(bieke_record, DEC_12)  # as of then, it was sound


class TestCountsPerPlace:
    def test_flagged_households_are_counted_per_township_and_per_flag(
        self, bieke_record, sailike_record, winter_2024, altay
    ):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)  # lambing rate 500 %
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=12)
        woyimoke = Township.objects.get(name="窝依莫克镇")
        counts = quality.flag_counts(season=winter_2024, as_of=DEC_12, level=Township, place=altay)
        assert counts.by_place == {woyimoke.pk: 1}
        assert counts.by_flag == {
            "stale": 0,
            "high_losses": 0,
            "lambing_rate": 1,
            "no_final_check": 0,
            "backwards": 0,
        }

    def test_only_households_in_the_users_places_are_counted(
        self, bieke_record, sailike_record, winter_2024, fuhai_technician
    ):
        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=12)
        counts = quality.flag_counts(season=winter_2024, as_of=DEC_12, user=fuhai_technician)
        assert counts.by_flag["lambing_rate"] == 0

    def test_the_counts_take_one_query_however_many_households(
        self, bieke_record, winter_2024, altay, django_assert_num_queries
    ):
        village = Village.objects.get(name="通克村")
        for number in range(5):
            herder = herder_create(village=village, name=f"牧民{number}", name_latin="x")
            record = record_create(herder=herder, season=winter_2024, ewes_at_start=20)
            add(record, DEC_10, ewes_lambed=10, lambs_born=1)
        with django_assert_num_queries(1):
            counts = quality.flag_counts(
                season=winter_2024, as_of=DEC_12, level=Township, place=altay
            )
        assert sum(counts.by_place.values()) == 5
        assert counts.by_flag["lambing_rate"] == 5
        assert LambingRecord.objects.count() == 6


class TestInTheAdmin:
    def test_a_technician_lists_the_flagged_records_of_their_places_only(
        self, bieke_record, sailike_record, woyimoke_technician
    ):
        from tests.test_admin import logged_in

        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)  # lambing rate 500 %
        add(sailike_record, DEC_10, ewes_lambed=10, lambs_born=50)  # the same, in 福海县
        client = logged_in(woyimoke_technician)
        url = "/admin/livestock/lambingrecord/"
        flagged = client.get(url, {"flag": "lambing_rate"}).content.decode()
        assert "别克·木合亚提" in flagged and "赛力克·屈克木" not in flagged
        assert "产羔率不在80%–300%之间" in flagged  # the filter's choice, in Chinese
        other_flag = client.get(url, {"flag": "high_losses"}).content.decode()
        assert "别克·木合亚提" not in other_flag

    def test_the_records_page_shows_a_badge_per_flag(self, bieke_record, woyimoke_technician):
        from tests.test_admin import RECORD_URL, logged_in

        add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)
        add(bieke_record, DEC_12, lambs_lost=20, loss_cause=LossCause.COLD)
        page = logged_in(woyimoke_technician, "en").get(RECORD_URL.format(bieke_record.pk))
        text = page.content.decode()
        assert "⚠ lambing rate outside 80%–300%" in text
        assert "⚠ lamb losses above 20% of lambs born" in text


# The flags kept in the daily rollups, against a plain reading of each flag


SEASON_START = datetime.date(2025, 1, 1)
SEASON_END = datetime.date(2025, 2, 14)


@dataclass(frozen=True)
class Drawn:
    """An entry as drawn: counts that may break the running-total rules (a flag
    is a soft limit; stored entries that break one must still be flagged)."""

    day: int  # days after the season's start
    ewes_lambed: int
    lambs_born: int
    lambs_lost: int
    lambs_alive: int | None


drawn_entries = st.lists(
    st.builds(
        Drawn,
        day=st.integers(0, (SEASON_END - SEASON_START).days),
        ewes_lambed=st.integers(0, 12),
        lambs_born=st.integers(0, 30),
        lambs_lost=st.sampled_from([0, 0, 1, 3, 8]),
        lambs_alive=st.none() | st.integers(0, 30),
    ),
    max_size=8,
)
days_around_the_season = st.integers(-5, (SEASON_END - SEASON_START).days + 10)


def oracle(entries: list[LambingEntry], made_on: datetime.date, as_of: datetime.date) -> set[str]:
    """Each flag as its message says, read from scratch over the stored entries
    (by date, then as stored), as of the end of ``as_of``. A record counts
    from the day it was made, or its first entry if earlier; it is late with
    no count in the last 7 days once more than 7 days have passed since that
    day, or since the season's start if it was made before the season or
    after it (never counted in the season)."""
    counts_from = min([made_on, *(entry.date for entry in entries)])
    if as_of < counts_from:
        return set()
    visited_from = counts_from if SEASON_START <= counts_from <= SEASON_END else SEASON_START
    until = [entry for entry in entries if entry.date <= as_of]
    day = min(as_of, SEASON_END)
    born = sum(entry.lambs_born for entry in until)
    lost = sum(entry.lambs_lost for entry in until)
    lambed = sum(entry.ewes_lambed for entry in until)
    flagged = set()
    week_before = day - datetime.timedelta(days=quality.STALE_AFTER_DAYS)
    days_to_count = (day - visited_from).days
    if days_to_count > quality.STALE_AFTER_DAYS and not [
        e for e in until if week_before <= e.date <= day
    ]:
        flagged.add("stale")
    if lost > 0 and lost / born > quality.MAX_LOSS_PERCENT / 100 if born else lost > 0:
        flagged.add("high_losses")
    low, high = quality.LAMBING_RATE_RANGE_PERCENT
    if lambed > 0 and not low / 100 <= born / lambed <= high / 100:
        flagged.add("lambing_rate")
    final_window = SEASON_END - datetime.timedelta(days=quality.FINAL_CHECK_WITHIN_DAYS)
    final_checks = [e for e in until if e.lambs_alive is not None and e.date >= final_window]
    if as_of >= SEASON_END and born > 0 and not final_checks:
        flagged.add("no_final_check")
    checks = [entry for entry in until if entry.lambs_alive is not None]
    for check in checks:
        earlier = [other for other in checks if other.date < check.date]
        if not earlier:
            continue
        last = max(earlier, key=lambda other: (other.date, other.pk))
        lost_since = sum(e.lambs_lost for e in until if last.date < e.date <= check.date)
        if check.lambs_alive < last.lambs_alive - lost_since:
            flagged.add("backwards")
    return flagged


@given(
    households=st.lists(st.tuples(days_around_the_season, drawn_entries), min_size=1, max_size=3),
    as_of_days=st.lists(days_around_the_season, min_size=1, max_size=6),
    deleted=st.integers(0, 20),
)
@DATABASE_EXAMPLES
def test_the_flags_read_from_the_rollups_are_those_of_each_flags_definition(
    households, as_of_days, deleted, tongke, qibaerwoyi, altay
):
    with rolled_back():
        season = Season.objects.create(kind="spring", start_date=SEASON_START, end_date=SEASON_END)
        records = []
        for number, (made_day, drawn) in enumerate(households):
            village = (tongke, qibaerwoyi)[number % 2]
            herder = herder_create(village=village, name=f"牧户{number}", name_latin="x")
            record = record_create(herder=herder, season=season)
            made_on = SEASON_START + datetime.timedelta(days=made_day)
            made_at = timezone.make_aware(datetime.datetime.combine(made_on, datetime.time(9)))
            LambingRecord.objects.filter(pk=record.pk).update(created_at=made_at)
            LambingEntry.objects.bulk_create(
                LambingEntry(
                    record=record,
                    date=SEASON_START + datetime.timedelta(days=entry.day),
                    ewes_lambed=entry.ewes_lambed,
                    lambs_born=entry.lambs_born,
                    lambs_lost=entry.lambs_lost,
                    loss_cause=LossCause.COLD if entry.lambs_lost else "",
                    lambs_alive=entry.lambs_alive,
                    check_stage=CheckStage.DAY_7 if entry.lambs_alive is not None else "",
                )
                for entry in drawn
            )
            rollups.changed([record.pk])  # made on that day, with entries no rule checked
            records.append((record, made_on))
        entries = list(LambingEntry.objects.filter(record__season=season).order_by("pk"))
        if entries:  # a correction: one entry deleted, and the rollups kept through it
            deleted_entry = entries[deleted % len(entries)]
            deleted_entry.delete()
            rollups.changed([deleted_entry.record_id])

        for as_of in (SEASON_START + datetime.timedelta(days=day) for day in as_of_days):
            expected = {}
            for record, made_on in records:
                stored = sorted(record.entries.all(), key=lambda entry: (entry.date, entry.pk))
                expected[record.pk] = oracle(stored, made_on, as_of)
                assert set(flags(record, as_of)) == expected[record.pk], (as_of, stored)
            counts = quality.flag_counts(season=season, as_of=as_of, level=Township, place=altay)
            for flag in quality.FLAGS:
                assert counts.by_flag[flag.key] == sum(flag.key in f for f in expected.values())
            assert sum(counts.by_place.values()) == sum(bool(f) for f in expected.values())
            any_flag = quality.flagged_ids(
                LambingRecord.objects.filter(season=season), season=season, as_of=as_of
            )
            assert set(any_flag.values_list("record", flat=True)) == {
                pk for pk, flagged in expected.items() if flagged
            }


def test_the_rollups_have_a_column_per_flag_in_its_order():
    assert (
        *(quality.FLAG_COLUMN[flag.key] for flag in quality.FLAGS),
        quality.ANY_FLAG_COLUMN,
    ) == DailyRollup.FLAG_FIELDS


def test_a_season_that_ends_later_takes_its_flags_along(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    assert "no_final_check" in flags(bieke_record, FEB_28)

    season_update(winter_2024, end_date=datetime.date(2025, 3, 15))

    assert "no_final_check" not in flags(bieke_record, FEB_28)  # not over yet
    assert "no_final_check" in flags(bieke_record, datetime.date(2025, 3, 15))


def test_the_overview_page_reads_no_entry_and_no_record(bieke_record, sailike_record, altay):
    """The counts of flagged households come from the daily rollups: the page
    reads neither the entries nor every record, however many there are."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import PASSWORD, make_user

    add(bieke_record, DEC_10, ewes_lambed=10, lambs_born=50)  # lambing rate 500 %
    make_user("bureau", "official", altay)
    client = Client()
    client.login(username="bureau", password=PASSWORD)
    season = bieke_record.season

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/", {"season": season.pk, "as_of": "2024-12-12"})

    assert page.status_code == 200
    assert "产羔率不在80%–300%之间" in page.content.decode()
    for model in (LambingEntry, LambingRecord):
        table = f'"{model._meta.db_table}"'
        assert not [query["sql"] for query in queries if table in query["sql"]], model
