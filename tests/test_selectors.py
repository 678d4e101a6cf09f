"""Totals and rates as of a date, for one place or per place, as officials ask
for them: the same answer for the same date, sums that add up from a household
to the prefecture, rates that say "not available" instead of dividing by zero,
and one query whatever the number of households."""

import datetime
from dataclasses import fields
from decimal import Decimal

import pytest
from django.utils import timezone

from livestock.choices import CheckStage, LossCause
from livestock.counting.totals import LambingTotals
from livestock.models import County, Herder, LambingRecord, Season, Township, Village
from livestock.selectors.totals import lambing_totals, lambing_totals_by
from livestock.services.entries import entry_create
from livestock.services.records import record_create

DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_15 = datetime.date(2024, 12, 15)
DEC_20 = datetime.date(2024, 12, 20)
DEC_31 = datetime.date(2024, 12, 31)
JAN_10 = datetime.date(2025, 1, 10)
FEB_20 = datetime.date(2025, 2, 20)
FEB_28 = datetime.date(2025, 2, 28)


def add(record: LambingRecord, date: datetime.date, **counts) -> None:
    entry_create(record=record, date=date, **counts)


def added_up(*totals: LambingTotals) -> LambingTotals:
    """Every number of ``LambingTotals`` is a sum over records, so the totals of
    separate sets of records add up field by field."""
    return LambingTotals(
        **{
            field.name: sum(getattr(t, field.name) for t in totals)
            for field in fields(LambingTotals)
        }
    )


@pytest.fixture
def hasen(tongke) -> Herder:
    """A second household of 通克村, beside 别克."""
    return Herder.objects.create(village=tongke, name="哈森·努尔兰", name_latin="Hasen Nuerlan")


@pytest.fixture
def hasen_record(hasen, winter_2024) -> LambingRecord:
    return record_create(herder=hasen, season=winter_2024, ewes_at_start=60)


@pytest.fixture
def counted(bieke_record, hasen_record, sailike_record) -> dict[str, LambingRecord]:
    """Three households in two counties, counted through the season."""
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)
    add(bieke_record, DEC_12, lambs_lost=4, loss_cause=LossCause.COLD)
    add(bieke_record, DEC_20, lambs_alive=115, check_stage=CheckStage.DAY_7)
    add(bieke_record, JAN_10, ewes_lambed=30, lambs_born=33)
    add(bieke_record, FEB_20, lambs_alive=140, check_stage=CheckStage.WEANING)
    add(hasen_record, DEC_15, ewes_lambed=40, lambs_born=44)
    add(hasen_record, JAN_10, lambs_lost=2, loss_cause=LossCause.PREDATOR)
    add(sailike_record, DEC_10, ewes_lambed=90, lambs_born=100)
    add(sailike_record, DEC_20, lambs_lost=5, loss_cause=LossCause.DISEASE)
    add(sailike_record, JAN_10, lambs_alive=94, check_stage=CheckStage.DAY_30)
    return {"bieke": bieke_record, "hasen": hasen_record, "sailike": sailike_record}


# As of a date


def test_an_entry_dated_later_does_not_change_a_total_asked_for_an_earlier_date(
    bieke_record, winter_2024
):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    asked_first = lambing_totals(season=winter_2024, as_of=DEC_15, place=bieke_record.herder)

    add(bieke_record, DEC_20, ewes_lambed=4, lambs_born=5)
    add(bieke_record, DEC_31, lambs_lost=1, loss_cause=LossCause.COLD)
    asked_again = lambing_totals(season=winter_2024, as_of=DEC_15, place=bieke_record.herder)

    assert asked_again == asked_first
    assert (asked_again.ewes_lambed, asked_again.lambs_born, asked_again.lamb_losses) == (8, 10, 0)
    later = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)
    assert (later.ewes_lambed, later.lambs_born, later.lamb_losses) == (12, 15, 1)


def test_a_total_includes_the_entries_of_the_day_asked_for(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)

    on_the_day = lambing_totals(season=winter_2024, as_of=DEC_10, place=bieke_record.herder)
    assert on_the_day.lambs_born == 10
    day_before = DEC_10 - datetime.timedelta(days=1)
    assert lambing_totals(season=winter_2024, as_of=day_before).lambs_born == 0


def test_a_total_counts_only_its_own_season(bieke_record, winter_2024):
    spring = Season.objects.create(
        kind="spring", start_date=datetime.date(2025, 3, 1), end_date=datetime.date(2025, 5, 31)
    )
    spring_record = record_create(herder=bieke_record.herder, season=spring)
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(spring_record, datetime.date(2025, 3, 10), ewes_lambed=3, lambs_born=3)

    as_of = datetime.date(2025, 5, 31)
    assert lambing_totals(season=winter_2024, as_of=as_of).lambs_born == 10
    assert lambing_totals(season=spring, as_of=as_of).lambs_born == 3


# Survival checks


def test_the_latest_survival_check_gives_the_lambs_alive(counted, winter_2024):
    bieke = counted["bieke"].herder

    def alive_as_of(date):
        return lambing_totals(season=winter_2024, as_of=date, place=bieke).lambs_alive

    assert alive_as_of(DEC_15) == 0
    assert alive_as_of(DEC_31) == 115
    assert alive_as_of(FEB_28) == 140


def test_a_survival_check_after_the_weaning_check_is_not_a_weaning_count(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, JAN_10, lambs_alive=9, check_stage=CheckStage.WEANING)
    add(bieke_record, FEB_20, lambs_alive=7, check_stage=CheckStage.DAY_30)

    totals = lambing_totals(season=winter_2024, as_of=FEB_28, place=bieke_record.herder)

    assert (totals.lambs_alive, totals.lambs_alive_at_weaning) == (7, 9)


# Totals at each level add up


def test_totals_add_up_from_households_to_the_prefecture_across_two_counties(
    counted, winter_2024, tongke, woyimoke, burqin, qibaerwoyi, kokeaheshi, fuhai, altay
):
    def totals(place=None):
        return lambing_totals(season=winter_2024, as_of=FEB_28, place=place)

    bieke, hasen, sailike = (totals(counted[name].herder) for name in ("bieke", "hasen", "sailike"))

    assert (bieke.households, bieke.ewes, bieke.ewes_lambed) == (1, 150, 130)
    assert (bieke.lambs_born, bieke.lamb_losses, bieke.lambs_alive) == (153, 4, 140)
    assert (hasen.ewes, hasen.lambs_born, hasen.lamb_losses) == (60, 44, 2)
    assert (sailike.ewes, sailike.lambs_born, sailike.lambs_alive) == (120, 100, 94)
    assert totals(tongke) == added_up(bieke, hasen)
    assert totals(woyimoke) == totals(tongke)
    assert totals(burqin) == totals(woyimoke)
    assert totals(qibaerwoyi) == totals(kokeaheshi) == totals(fuhai) == sailike
    assert totals(altay) == added_up(totals(burqin), totals(fuhai))
    assert totals(altay).households == 3
    assert totals() == totals(altay)


@pytest.mark.parametrize(
    ("level", "places"),
    [
        (County, ["burqin", "fuhai"]),
        (Township, ["woyimoke", "kokeaheshi"]),
        (Village, ["tongke", "qibaerwoyi"]),
    ],
)
def test_totals_per_place_are_the_totals_of_each_place(
    request, counted, winter_2024, level, places
):
    places = [request.getfixturevalue(name) for name in places]

    per_place = lambing_totals_by(season=winter_2024, as_of=DEC_31, level=level)

    assert per_place == {
        place.pk: lambing_totals(season=winter_2024, as_of=DEC_31, place=place) for place in places
    }


def test_totals_per_township_within_a_county_leave_out_other_counties(
    counted, winter_2024, burqin, woyimoke
):
    per_township = lambing_totals_by(season=winter_2024, as_of=FEB_28, level=Township, place=burqin)

    assert per_township == {
        woyimoke.pk: lambing_totals(season=winter_2024, as_of=FEB_28, place=burqin)
    }


def test_totals_per_household_are_each_households_own(counted, winter_2024):
    per_household = lambing_totals_by(season=winter_2024, as_of=FEB_28, level=Herder)

    assert per_household == {
        record.herder.pk: lambing_totals(season=winter_2024, as_of=FEB_28, place=record.herder)
        for record in counted.values()
    }


# Rates, per DOMAIN.md; None where the denominator is zero


def test_the_lambing_rate_is_lambs_born_per_ewe_lambed(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)

    totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)

    assert totals.lambing_rate == Decimal("125.0")  # 10 ÷ 8


def test_the_reproduction_rate_is_lambs_born_per_ewe_at_the_start(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)

    totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)

    assert totals.reproduction_rate == Decimal("6.7")  # 10 ÷ 150 = 6.67 %


def test_the_survival_rate_is_lambs_alive_at_the_latest_check_per_lamb_born(
    bieke_record, winter_2024
):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_12, lambs_lost=1, loss_cause=LossCause.COLD)
    add(bieke_record, DEC_15, lambs_alive=9, check_stage=CheckStage.DAY_7)
    add(bieke_record, DEC_20, lambs_lost=1, loss_cause=LossCause.DISEASE)
    add(bieke_record, DEC_31, lambs_alive=8, check_stage=CheckStage.DAY_30)

    totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)

    assert totals.survival_rate == Decimal("80.0")  # 8 ÷ 10


def test_the_reproductive_survival_rate_is_lambs_weaned_per_ewe_at_the_start(
    bieke_record, winter_2024
):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)
    add(bieke_record, FEB_20, lambs_alive=117, check_stage=CheckStage.WEANING)

    totals = lambing_totals(season=winter_2024, as_of=FEB_28, place=bieke_record.herder)

    assert totals.reproductive_survival_rate == Decimal("78.0")  # 117 ÷ 150


def test_the_mortality_rate_is_lamb_losses_per_lamb_born(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=6, lambs_born=8)
    add(bieke_record, DEC_12, lambs_lost=1, loss_cause=LossCause.MISMOTHERING)

    totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)

    assert totals.mortality_rate == Decimal("12.5")  # 1 ÷ 8


def test_no_rate_is_available_before_anything_is_counted(sailike, winter_2024):
    record = record_create(herder=sailike, season=winter_2024)
    today = timezone.localdate()  # the record was made today

    totals = lambing_totals(season=winter_2024, as_of=today, place=record.herder)

    assert totals.households == 1
    assert totals.lambing_rate is None
    assert totals.reproduction_rate is None
    assert totals.survival_rate is None
    assert totals.reproductive_survival_rate is None
    assert totals.mortality_rate is None


def test_no_rate_is_available_for_a_place_without_records(counted, winter_2024, kokeaheshi):
    empty = Village.objects.create(township=kokeaheshi, name="空村", name_latin="Kong Village")

    totals = lambing_totals(season=winter_2024, as_of=FEB_28, place=empty)

    assert totals == LambingTotals()
    assert totals.lambing_rate is None
    assert totals.mortality_rate is None


def test_rates_over_ewes_are_not_available_until_the_ewes_are_counted(sailike, winter_2024):
    record = record_create(herder=sailike, season=winter_2024)
    add(record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(record, FEB_20, lambs_alive=10, check_stage=CheckStage.WEANING)

    totals = lambing_totals(season=winter_2024, as_of=FEB_28, place=record.herder)

    assert totals.reproduction_rate is None
    assert totals.reproductive_survival_rate is None
    assert totals.lambing_rate == Decimal("125.0")  # 10 ÷ 8
    assert totals.survival_rate == Decimal("100.0")  # 10 ÷ 10


def test_survival_rates_are_not_available_before_a_survival_check(bieke_record, winter_2024):
    add(bieke_record, DEC_10, ewes_lambed=8, lambs_born=10)
    add(bieke_record, DEC_20, lambs_alive=10, check_stage=CheckStage.DAY_7)

    before_check = lambing_totals(season=winter_2024, as_of=DEC_15, place=bieke_record.herder)
    after_check = lambing_totals(season=winter_2024, as_of=DEC_31, place=bieke_record.herder)

    assert before_check.survival_rate is None
    assert after_check.survival_rate == Decimal("100.0")  # 10 ÷ 10
    assert after_check.reproductive_survival_rate is None  # no weaning check yet


def test_a_household_not_yet_counted_does_not_drag_a_rate_down(
    bieke_record, sailike, winter_2024, altay
):
    add(bieke_record, DEC_10, ewes_lambed=100, lambs_born=120)
    add(bieke_record, DEC_20, lambs_alive=114, check_stage=CheckStage.DAY_7)
    uncounted = record_create(herder=sailike, season=winter_2024)
    add(uncounted, DEC_10, ewes_lambed=50, lambs_born=80)

    totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=altay)

    assert totals.lambs_born == 200
    assert totals.reproduction_rate == Decimal("80.0")  # 120 ÷ 150: 别克's ewes only
    assert totals.survival_rate == Decimal("95.0")  # 114 ÷ 120: only 别克 was checked
    assert totals.lambing_rate == Decimal("133.3")  # 200 ÷ 150 ewes lambed


# One query, whatever the number of households


def add_households(count: int, villages: list[Village], season: Season) -> None:
    for number in range(count):
        herder = Herder.objects.create(
            village=villages[number % len(villages)],
            name=f"牧民{number}",
            name_latin=f"Herder {number}",
        )
        record = record_create(herder=herder, season=season, ewes_at_start=50)
        add(record, DEC_10, ewes_lambed=10, lambs_born=12)
        add(record, DEC_12, lambs_lost=1, loss_cause=LossCause.COLD)
        add(record, DEC_20, lambs_alive=11, check_stage=CheckStage.DAY_7)


@pytest.mark.parametrize("households", [1, 30])
@pytest.mark.parametrize("level", [County, Township])
def test_totals_per_place_take_one_query_whatever_the_number_of_households(
    django_assert_num_queries, winter_2024, tongke, qibaerwoyi, households, level
):
    add_households(households, [tongke, qibaerwoyi], winter_2024)

    with django_assert_num_queries(1):
        per_place = lambing_totals_by(season=winter_2024, as_of=DEC_31, level=level)

    assert sum(totals.households for totals in per_place.values()) == households
    assert sum(totals.lambs_born for totals in per_place.values()) == 12 * households


@pytest.mark.parametrize("households", [1, 30])
def test_the_totals_of_a_place_take_one_query_whatever_the_number_of_households(
    django_assert_num_queries, winter_2024, tongke, qibaerwoyi, altay, households
):
    add_households(households, [tongke, qibaerwoyi], winter_2024)

    with django_assert_num_queries(1):
        totals = lambing_totals(season=winter_2024, as_of=DEC_31, place=altay)

    assert totals.lambs_alive == 11 * households


def test_a_records_timeline_agrees_with_the_totals_as_of_each_date(bieke_record, winter_2024):
    from livestock.selectors.records import record_timeline

    dates = [datetime.date(2024, 12, day) for day in (10, 12, 15, 20, 25)]
    entry_create(record=bieke_record, date=dates[0], ewes_lambed=8, lambs_born=10)
    entry_create(record=bieke_record, date=dates[1], lambs_lost=1, loss_cause="cold")
    entry_create(record=bieke_record, date=dates[2], lambs_alive=9, check_stage=CheckStage.DAY_7)
    entry_create(record=bieke_record, date=dates[3], ewes_lambed=5, lambs_born=7)
    entry_create(record=bieke_record, date=dates[4], lambs_alive=15, check_stage=CheckStage.WEANING)

    timeline = record_timeline(record=bieke_record)

    assert [date for date, _ in timeline] == dates
    for date, totals in timeline:
        assert totals == lambing_totals(season=winter_2024, as_of=date, place=bieke_record.herder)
    assert timeline[2][1].survival_rate == Decimal("90.0")  # 9 alive of 10 born by the check


def test_a_summarys_own_totals_equal_the_totals_asked_for_the_place(
    bieke_record, sailike_record, winter_2024, altay, burqin
):
    from livestock.selectors.summaries import place_summary
    from tests.conftest import make_user

    entry_create(record=bieke_record, date=datetime.date(2024, 12, 10), lambs_born=7)
    entry_create(record=sailike_record, date=datetime.date(2024, 12, 11), lambs_born=4)
    official = make_user("official", "official", altay)
    as_of = datetime.date(2025, 1, 1)
    for place in (None, altay, burqin):
        summary = place_summary(season=winter_2024, as_of=as_of, user=official, place=place)
        assert summary.totals == lambing_totals(season=winter_2024, as_of=as_of, place=place)
    assert place_summary(season=winter_2024, as_of=as_of, user=official).totals.lambs_born == 11


def test_a_household_recorded_later_does_not_change_an_earlier_answer(
    bieke_record, sailike, winter_2024, altay
):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    asked_before = lambing_totals(season=winter_2024, as_of=FEB_28, place=altay)

    record_create(herder=sailike, season=winter_2024, ewes_at_start=90)  # made today

    assert lambing_totals(season=winter_2024, as_of=FEB_28, place=altay) == asked_before
    today = lambing_totals(season=winter_2024, as_of=timezone.localdate(), place=altay)
    assert (today.households, today.ewes) == (2, 240)
