"""The pure counting rules of ``livestock/counting/rules.py``: running totals over a
record's dated entries, and an entry's date against its season and today.
No database: the rules read plain objects."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from livestock.counting import rules, walk
from livestock.counting.totals import LambingTotals

DEC_1 = datetime.date(2024, 12, 1)
DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_20 = datetime.date(2024, 12, 20)
FEB_28 = datetime.date(2025, 2, 28)
SEASON = {"season_start": DEC_1, "season_end": FEB_28, "season_name": "2024–2025 冬羔"}
LATER_TODAY = datetime.date(2026, 1, 1)

# Messages are compared in English; the site's default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")


Counted = walk.EntryFacts  # an entry as the rules see it


def message_of(violation: rules.Violation) -> str:
    return " ".join(violation.error.messages)


def test_a_record_without_entries_breaks_no_rule():
    assert walk.first_violation(ewes_at_start=150, entries=[]) is None


def test_sound_entries_break_no_rule():
    entries = [
        Counted(DEC_10, ewes_lambed=100, lambs_born=120),
        Counted(DEC_12, lambs_lost=20),
        Counted(DEC_20, ewes_lambed=50, lambs_born=60, lambs_alive=160),
    ]

    assert walk.first_violation(ewes_at_start=150, entries=entries) is None


def test_it_finds_ewes_lambed_above_the_ewes_at_the_start():
    entries = [Counted(DEC_10, ewes_lambed=100), Counted(DEC_20, ewes_lambed=51)]

    violation = walk.first_violation(ewes_at_start=150, entries=entries)

    assert violation.rule == rules.EWES_LAMBED_EXCEED_EWES
    assert violation.date == DEC_20
    assert violation.error.code == rules.EWES_LAMBED_EXCEED_EWES
    message = message_of(violation)
    assert "151" in message
    assert "150" in message
    assert "2024-12-20" in message
    assert "rule: ewes lambed ≤ ewes" in message


def test_ewes_lambed_may_reach_the_ewes_at_the_start_exactly():
    entries = [Counted(DEC_10, ewes_lambed=100), Counted(DEC_20, ewes_lambed=50)]

    assert walk.first_violation(ewes_at_start=150, entries=entries) is None


def test_ewes_lambed_are_not_limited_before_the_ewes_are_counted():
    entries = [Counted(DEC_10, ewes_lambed=10_000, lambs_born=10_000)]

    assert walk.first_violation(ewes_at_start=None, entries=entries) is None


def test_it_finds_losses_above_lambs_born():
    entries = [Counted(DEC_10, lambs_born=10), Counted(DEC_20, lambs_lost=11)]

    violation = walk.first_violation(ewes_at_start=None, entries=entries)

    assert violation.rule == rules.LOSSES_EXCEED_BORN
    assert violation.date == DEC_20
    message = message_of(violation)
    assert "11" in message
    assert "10" in message
    assert "rule: losses ≤ lambs born" in message


def test_losses_may_equal_lambs_born():
    entries = [Counted(DEC_10, lambs_born=10), Counted(DEC_20, lambs_lost=10)]

    assert walk.first_violation(ewes_at_start=None, entries=entries) is None


def test_a_loss_dated_before_the_births_breaks_the_rule_on_its_own_date():
    entries = [Counted(DEC_20, lambs_born=10), Counted(DEC_10, lambs_lost=1)]

    violation = walk.first_violation(ewes_at_start=None, entries=entries)

    assert violation.rule == rules.LOSSES_EXCEED_BORN
    assert violation.date == DEC_10


def test_entries_of_one_day_count_together_whatever_the_order_they_were_typed_in():
    loss_typed_first = [
        Counted(DEC_10, lambs_lost=3),
        Counted(DEC_10, lambs_alive=7),
        Counted(DEC_10, lambs_born=10),
    ]

    assert walk.first_violation(ewes_at_start=None, entries=loss_typed_first) is None


def test_it_finds_more_lambs_alive_than_born_less_losses():
    entries = [
        Counted(DEC_10, lambs_born=10),
        Counted(DEC_12, lambs_lost=2),
        Counted(DEC_20, lambs_alive=9),
    ]

    violation = walk.first_violation(ewes_at_start=None, entries=entries)

    assert violation.rule == rules.ALIVE_EXCEED_SURVIVORS
    assert violation.date == DEC_20
    message = message_of(violation)
    assert "9 lambs alive" in message
    assert "10 lambs born" in message
    assert "2 losses" in message
    assert "rule: lambs alive ≤ lambs born − losses" in message


def test_lambs_alive_may_equal_lambs_born_less_losses():
    entries = [
        Counted(DEC_10, lambs_born=10),
        Counted(DEC_12, lambs_lost=2),
        Counted(DEC_20, lambs_alive=8),
    ]

    assert walk.first_violation(ewes_at_start=None, entries=entries) is None


def test_a_survival_check_is_held_to_the_totals_of_its_own_date_not_later_ones():
    entries = [
        Counted(DEC_10, lambs_born=5),
        Counted(DEC_12, lambs_alive=6),
        Counted(DEC_20, lambs_born=10),
    ]

    violation = walk.first_violation(ewes_at_start=None, entries=entries)

    assert violation.rule == rules.ALIVE_EXCEED_SURVIVORS
    assert violation.date == DEC_12


def test_it_reports_the_earliest_broken_date_whatever_the_order_of_the_entries():
    entries = [
        Counted(DEC_20, lambs_lost=50),
        Counted(DEC_12, lambs_lost=20),
        Counted(DEC_10, lambs_born=10),
    ]

    violation = walk.first_violation(ewes_at_start=None, entries=entries)

    assert violation.date == DEC_12


@pytest.mark.parametrize(
    ("rule", "entry", "field"),
    [
        (
            rules.EWES_LAMBED_EXCEED_EWES,
            Counted(DEC_10, ewes_lambed=1, lambs_lost=1),
            "ewes_lambed",
        ),
        (rules.ALIVE_EXCEED_SURVIVORS, Counted(DEC_10, lambs_alive=3), "lambs_alive"),
        (rules.ALIVE_EXCEED_SURVIVORS, Counted(DEC_10, lambs_lost=3), "lambs_lost"),
        (rules.ALIVE_EXCEED_SURVIVORS, Counted(DEC_10, lambs_born=3), "lambs_born"),
        (rules.LOSSES_EXCEED_BORN, Counted(DEC_10, lambs_lost=3), "lambs_lost"),
        (rules.LOSSES_EXCEED_BORN, Counted(DEC_10, lambs_born=3), "lambs_born"),
    ],
)
def test_a_broken_total_is_shown_at_the_count_the_user_typed(rule, entry, field):
    violation = rules.Violation(rule, DEC_10, ValidationError("broken", code=rule))

    assert rules.entry_field_for(violation, entry) == field


@pytest.mark.parametrize("value", [DEC_1, DEC_20, FEB_28])
def test_it_accepts_a_date_within_the_season_up_to_today(value):
    rules.check_entry_date(value=value, today=LATER_TODAY, **SEASON)


def test_it_accepts_an_entry_dated_today():
    rules.check_entry_date(value=DEC_20, today=DEC_20, **SEASON)


def test_it_refuses_a_future_date():
    with pytest.raises(ValidationError) as refused:
        rules.check_entry_date(value=DEC_20, today=DEC_12, **SEASON)

    assert refused.value.code == "future_date"
    message = " ".join(refused.value.messages)
    assert "2024-12-20" in message
    assert "2024-12-12" in message
    assert "rule: no future dates" in message


@pytest.mark.parametrize(
    "value", [datetime.date(2024, 11, 30), datetime.date(2025, 3, 1)], ids=["before", "after"]
)
def test_it_refuses_a_date_outside_the_season(value):
    with pytest.raises(ValidationError) as refused:
        rules.check_entry_date(value=value, today=LATER_TODAY, **SEASON)

    assert refused.value.code == "outside_season"
    message = " ".join(refused.value.messages)
    assert value.isoformat() in message
    assert "2024–2025 冬羔" in message
    assert "2024-12-01" in message
    assert "2025-02-28" in message
    assert "rule: entries fall within their season" in message


def test_a_date_both_in_the_future_and_outside_the_season_is_called_a_future_date():
    with pytest.raises(ValidationError) as refused:
        rules.check_entry_date(
            value=datetime.date(2025, 3, 2), today=datetime.date(2025, 3, 1), **SEASON
        )

    assert refused.value.code == "future_date"


def test_a_walked_day_holds_each_of_its_totals_under_its_name():
    """A record's walk makes its totals without ``LambingTotals``' own
    ``__init__`` (for speed): each number must land on its own field."""
    day = walk.timeline(
        walk.RecordFacts(ewes_at_start=100),
        [
            Counted(date=datetime.date(2024, 12, 5), ewes_lambed=7, lambs_born=11),
            Counted(date=datetime.date(2024, 12, 6), lambs_lost=2, loss_cause="cold"),
            Counted(
                date=datetime.date(2024, 12, 6), lambs_born=1, lambs_alive=9, check_stage="day7"
            ),
            Counted(
                date=datetime.date(2024, 12, 9), lambs_alive=8, check_stage="weaning", lambs_lost=1
            ),
        ],
    )[-1]
    assert day.totals == LambingTotals(
        households=1,
        ewes=100,
        ewes_lambed=7,
        lambs_born=12,
        lamb_losses=3,
        lambs_alive=8,
        lambs_alive_at_weaning=8,
        lambs_born_where_ewes_lambed_counted=12,
        lambs_born_where_ewes_counted=12,
        lambs_born_by_latest_check=12,
        lambs_alive_at_weaning_where_ewes_counted=8,
        ewes_where_weaned=100,
        households_ewes_counted=1,
        households_ewes_lambed_counted=1,
        households_checked=1,
        households_weaned=1,
        households_weaned_ewes_counted=1,
    )
    assert day.totals.lambs_born == 12 and day.totals.lamb_losses == 3
