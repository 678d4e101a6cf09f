"""The data-quality flags' definitions: what in a record's counts as of a
date looks wrong enough for a person to check (``livestock/counting/quality.py``
reads them, as kept in the daily rollups).

Per record every flag is a step function of the as-of date: it changes on
entry dates, a fixed number of days after them, and on the season's dates
(``flag_dates``), so a record's walk (``walk.py``) carries them from date to
date with its totals. A flag never stops a save. Zero is a real value.
The thresholds are the named constants below.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from livestock.counting.totals import LambingTotals

# A household with no entry for more than this many days during the season.
STALE_AFTER_DAYS = 7
# Lamb losses above this share of lambs born, in %.
MAX_LOSS_PERCENT = 20
# A lambing rate (lambs born ÷ ewes lambed) outside this range, in %.
LAMBING_RATE_RANGE_PERCENT = (80, 300)
# Once the season is over, a household with lambs born needs a survival
# check dated within this many days before the season's end.
FINAL_CHECK_WITHIN_DAYS = 30


class RunningCounts(Protocol):
    """What the flags read of a record's running totals (``LambingTotals``, or
    the walk's running sums on days it yields nothing for)."""

    ewes_lambed: int
    lambs_born: int
    lamb_losses: int


@dataclass(frozen=True)
class Flag:
    """A data-quality flag: its key (``flagged_<key>`` in the daily rollups) and
    what it says, naming its threshold, in the language of the request."""

    key: str
    message: str
    params: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        return str(self.message) % dict(self.params) if self.params else str(self.message)


FLAGS = [
    Flag("stale", _("no count for more than %(days)s days"), (("days", STALE_AFTER_DAYS),)),
    Flag(
        "high_losses",
        _("lamb losses above %(percent)s%% of lambs born"),
        (("percent", MAX_LOSS_PERCENT),),
    ),
    Flag(
        "lambing_rate",
        _("lambing rate outside %(low)s%%–%(high)s%%"),
        tuple(zip(("low", "high"), LAMBING_RATE_RANGE_PERCENT, strict=True)),
    ),
    Flag("no_final_check", _("no survival check at the season's end")),
    Flag("backwards", _("a survival check counts fewer lambs than the last one less the losses")),
]
FLAG_BY_KEY = {flag.key: flag for flag in FLAGS}

# A record's totals before its first entry. Made once: a frozen dataclass of
# seventeen fields is 2 µs to make, and a bulk makes a FlagWalk per record twice.
NO_TOTALS = LambingTotals()

# The daily rollups' column of each flag (``DailyRollup.FLAG_FIELDS``), and of "any flag".
FLAG_COLUMN = {flag.key: f"flagged_{flag.key}" for flag in FLAGS}
ANY_FLAG_COLUMN = "flagged_any"


# The definition


class FlagWalk:
    """A record's flags walked forward in time: the one definition of the flags.

    Fed a record's days with entries one at a time, in date order (``add_day``:
    the day's survival checks and the record's running totals at its end, as
    the record's walk, ``walk.py``, carries them), it tells the flags as of the
    end of the day reached (``flags``), from what it keeps of the days before:
    the latest day with an entry, whether a final-window check was made, the
    latest check. So the walk reads the flags on each of a record's dates in
    one pass over its entries instead of reading them all again on each date.
    After the season, a record reads as on its last day."""

    def __init__(self, *, season_start: datetime.date, season_end: datetime.date) -> None:
        self.season_start = season_start
        self.season_end = season_end
        self.final_from = season_end - datetime.timedelta(days=FINAL_CHECK_WITHIN_DAYS)
        self.stale_after = datetime.timedelta(days=STALE_AFTER_DAYS)
        self.reached: datetime.date | None = None  # the latest day added
        self.totals: RunningCounts = NO_TOTALS  # the running totals at its end
        self.last_count_in_season: datetime.date | None = None  # up to the season's end
        self.final_check = False  # a survival check dated in the final window
        self.latest_check: tuple[int, int] | None = None  # lambs alive, losses by its day's end
        self.went_backwards = False

    def add_day(self, date: datetime.date, *, checks: Sequence[int], totals: RunningCounts) -> None:
        """A day with entries, later than the last: its survival checks' lambs
        alive (in pk order) and the record's running totals at its end."""
        if self.reached is not None and date <= self.reached:
            raise ValueError(f"entries of {date} added after those of {self.reached}")
        self.reached = date
        self.totals = totals
        if date <= self.season_end:
            self.last_count_in_season = date
        if not checks:
            return
        if self.final_from <= date <= self.season_end:
            self.final_check = True
        # A check counts fewer lambs alive than the latest check of an earlier day
        # less the losses recorded after that day up to this one's end: lambs gone
        # without a recorded loss.
        if self.latest_check is not None:
            previous_alive, lost_then = self.latest_check
            lost_since = totals.lamb_losses - lost_then
            if any(alive < previous_alive - lost_since for alive in checks):
                self.went_backwards = True
        self.latest_check = (checks[-1], totals.lamb_losses)

    def flags(self, as_of: datetime.date) -> dict[str, bool]:
        """Whether the record has each flag (by key) as of the end of ``as_of``:
        every entry dated on or before it has been added, and none after it."""
        if self.reached is not None and as_of < self.reached:
            raise ValueError(f"flags asked as of {as_of}, entries of {self.reached} added")
        day = min(as_of, self.season_end)
        stale_since = day - self.stale_after
        ewes_lambed, lambs_born = self.totals.ewes_lambed, self.totals.lambs_born
        lamb_losses = self.totals.lamb_losses
        low, high = LAMBING_RATE_RANGE_PERCENT
        return {
            # Only once the season is older than the set days: no one is late on day 1.
            "stale": self.season_start < stale_since
            and (self.last_count_in_season is None or self.last_count_in_season < stale_since),
            # Zero is a value: 0 losses are not high, 0 lambs born to ewes lambed is a rate of 0 %.
            "high_losses": lamb_losses > 0 and lamb_losses * 100 > lambs_born * MAX_LOSS_PERCENT,
            "lambing_rate": ewes_lambed > 0
            and not ewes_lambed * low <= lambs_born * 100 <= ewes_lambed * high,
            "no_final_check": as_of >= self.season_end and lambs_born > 0 and not self.final_check,
            "backwards": self.went_backwards,
        }


def flag_dates(
    entry_dates: Iterable[datetime.date],
    *,
    season_start: datetime.date,
    season_end: datetime.date,
) -> set[datetime.date]:
    """The dates on which a record's flags may change, up to the season's end
    (after it, nothing changes): each entry's date and the day it stops
    being recent unless a later entry is recent by then, the day the season
    is old enough to be stale, its end. (A date listed where nothing changes
    costs the walk a step, and no rollup row.)"""
    after = datetime.timedelta(days=STALE_AFTER_DAYS + 1)
    entry_dates = sorted(set(entry_dates))
    dates = {season_start + after, season_end, *entry_dates}
    for date, next_date in pairwise([*entry_dates, None]):
        if next_date is None or next_date > date + after:
            dates.add(date + after)
    return {date for date in dates if date <= season_end}
