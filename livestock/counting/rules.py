"""The counting rules of DOMAIN.md ("Counts make sense"), written once.

Every surface reaches these through ``LambingRecord.clean()`` and
``LambingEntry.clean()``, which the services call for every surface (the
admin, the API, imports); the running-total rules are asked of each day of a
record's walk (``counting/walk.py``: ``first_violation``), which the
services' batches call on several entries together. Single-field limits (no
negative counts, a loss needs a cause) are also database constraints in
``models.py``; the rules here are the ones that need more than one row:
running totals over a record's dated
entries, and dates against the season and today.

Messages name the rule and the values; the caller keys them to a field.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from livestock.counting.totals import LambingTotals

# A household's flock is counted in hundreds, rarely thousands; a larger
# single count is a typing error, not a flock.
MAX_HOUSEHOLD_COUNT = 50_000


class DatedCounts(Protocol):
    """What the running-total rules read from an entry."""

    date: datetime.date
    ewes_lambed: int
    lambs_born: int
    lambs_lost: int
    lambs_alive: int | None


@dataclass(frozen=True)
class Violation:
    """A broken running-total rule: which one, on what date, and its message."""

    rule: str
    date: datetime.date
    error: ValidationError


EWES_LAMBED_EXCEED_EWES = "ewes_lambed_exceed_ewes"
LOSSES_EXCEED_BORN = "losses_exceed_born"
ALIVE_EXCEED_SURVIVORS = "alive_exceed_survivors"
TWO_CHECKS_ONE_DAY = "two_checks_one_day"


def running_total_violation(
    *,
    date: datetime.date,
    ewes_at_start: int | None,
    totals: LambingTotals,
    checks: Sequence[int],
    checks_stored: int | None = None,
) -> Violation | None:
    """The first rule a record's running totals at the end of ``date`` break, or
    None. ``checks`` are the lambs alive of the day's survival checks, in the
    order they were typed; the totals include every entry of the day, so the
    order of one day's entries does not matter otherwise. A record's walk
    (``counting/walk.py``) asks this of each of its days with entries.

    ``checks_stored``: how many checks the day held before the write being
    checked (None: the write is all there is). A day that already held two
    checks (stored before the one-check rule) refuses only a write that adds
    another, not every write to the record."""
    ewes_lambed, lambs_born, lambs_lost = totals.ewes_lambed, totals.lambs_born, totals.lamb_losses
    if ewes_at_start is not None and ewes_lambed > ewes_at_start:
        return Violation(
            EWES_LAMBED_EXCEED_EWES,
            date,
            ValidationError(
                _(
                    "By %(date)s the ewes lambed would total %(total)s, more than the "
                    "%(ewes)s ewes at the season's start (rule: ewes lambed ≤ ewes)."
                ),
                code=EWES_LAMBED_EXCEED_EWES,
                params={"date": date, "total": ewes_lambed, "ewes": ewes_at_start},
            ),
        )
    if lambs_lost > lambs_born:
        return Violation(
            LOSSES_EXCEED_BORN,
            date,
            ValidationError(
                _(
                    "By %(date)s the lamb losses would total %(losses)s, more than the "
                    "%(born)s lambs born (rule: losses ≤ lambs born)."
                ),
                code=LOSSES_EXCEED_BORN,
                params={"date": date, "losses": lambs_lost, "born": lambs_born},
            ),
        )
    for alive in checks:
        if alive > lambs_born - lambs_lost:
            return Violation(
                ALIVE_EXCEED_SURVIVORS,
                date,
                ValidationError(
                    _(
                        "On %(date)s %(alive)s lambs alive were counted, more than the "
                        "%(born)s lambs born less %(losses)s losses "
                        "(rule: lambs alive ≤ lambs born − losses)."
                    ),
                    code=ALIVE_EXCEED_SURVIVORS,
                    params={
                        "date": date,
                        "alive": alive,
                        "born": lambs_born,
                        "losses": lambs_lost,
                    },
                ),
            )
    if len(checks) > 1 and (checks_stored is None or len(checks) > checks_stored):
        # A survival check is the count of live lambs on its date: a second one
        # that day would make the day's count depend on which was typed last.
        return Violation(
            TWO_CHECKS_ONE_DAY,
            date,
            ValidationError(
                _(
                    "On %(date)s a survival check is already recorded; correct that "
                    "check instead of adding another (rule: one survival check per "
                    "household a day; counted: %(counts)s)."
                ),
                code=TWO_CHECKS_ONE_DAY,
                params={"date": date, "counts": ", ".join(map(str, checks))},
            ),
        )
    return None


def entry_field_for(violation: Violation, entry: DatedCounts) -> str:
    """The field of the entry being saved that a broken running total is shown at:
    the count the user typed that takes part in the rule."""
    if violation.rule == EWES_LAMBED_EXCEED_EWES:
        return "ewes_lambed"
    if (
        violation.rule in (ALIVE_EXCEED_SURVIVORS, TWO_CHECKS_ONE_DAY)
        and entry.lambs_alive is not None
    ):
        return "lambs_alive"
    return "lambs_lost" if entry.lambs_lost else "lambs_born"


def check_entry_date(
    *,
    value: datetime.date,
    season_start: datetime.date,
    season_end: datetime.date,
    season_name: str,
    today: datetime.date,
) -> None:
    """An entry is dated within its season and not after today."""
    if value > today:
        raise ValidationError(
            _(
                "%(value)s is in the future; an entry can be dated today (%(today)s) "
                "at the latest (rule: no future dates)."
            ),
            code="future_date",
            params={"value": value, "today": today},
        )
    if not season_start <= value <= season_end:
        raise ValidationError(
            _(
                "%(value)s is outside the season %(season)s, which runs from %(start)s "
                "to %(end)s (rule: entries fall within their season)."
            ),
            code="outside_season",
            params={
                "value": value,
                "season": season_name,
                "start": season_start,
                "end": season_end,
            },
        )


def check_not_locked(
    *, value: datetime.date, locked_through: datetime.date | None, place_name: str
) -> None:
    """An entry dated on or before a date whose counts are approved is locked:
    it cannot be added, changed or deleted until the approval is reopened."""
    if locked_through is not None and value <= locked_through:
        raise ValidationError(
            _(
                "%(value)s is locked: the counts of %(place)s up to %(locked)s are approved. "
                "Ask an official who may reopen them (rule: approved counts are locked)."
            ),
            code="locked_date",
            params={"value": value, "place": place_name, "locked": locked_through},
        )


def check_ewes_not_locked(*, locked_through: datetime.date | None) -> None:
    """A household's ewes at the season's start count in every total of the
    season, so once any of its township's counts are approved they are locked
    with them: neither set on a new record nor changed on a stored one until
    the approval is reopened."""
    if locked_through is not None:
        raise ValidationError(
            _(
                "The ewes at the season's start are locked: the township's "
                "counts up to %(locked)s are approved. Ask an official who may "
                "reopen them (rule: approved counts are locked)."
            ),
            code="locked_date",
            params={"locked": locked_through},
        )
