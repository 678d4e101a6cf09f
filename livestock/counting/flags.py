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

from django.utils.translation import gettext_lazy as _

# A household with no entry for more than this many days during the season.
STALE_AFTER_DAYS = 7
# Lamb losses above this share of lambs born, in %.
MAX_LOSS_PERCENT = 20
# A lambing rate (lambs born ÷ ewes lambed) outside this range, in %.
LAMBING_RATE_RANGE_PERCENT = (80, 300)
# Once the season is over, a household with lambs born needs a survival
# check dated within this many days before the season's end.
FINAL_CHECK_WITHIN_DAYS = 30


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

    def __str__(self) -> str:
        """The label, in the language active when it is shown."""
        return self.label


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

# The flags' keys in ``FLAGS``' order: the order of ``FlagWalk.values``.
FLAG_KEYS = tuple(flag.key for flag in FLAGS)

# The daily rollups' column of each flag (``DailyRollup.FLAG_FIELDS``), and of "any flag".
FLAG_COLUMN = {flag.key: f"flagged_{flag.key}" for flag in FLAGS}
ANY_FLAG_COLUMN = "flagged_any"

# The daily rollups' column of the households reporting: with a count dated in
# the last ``STALE_AFTER_DAYS`` days (reporting completeness's numerator,
# ``livestock/monitoring/completeness.py``). Not a flag: it is what the stale
# flag is not once the season (or the record, if made later) is older than
# those days; before that, when nobody is late yet, only the households that
# have counted.
REPORTING_COLUMN = "households_reporting"


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
    After the season, a record reads as on its last day.

    ``counts_from``: the first day the record counts (the day it was made, or
    its first entry if earlier; ``walk.RecordFacts``). A household is late
    (stale) only once more than ``STALE_AFTER_DAYS`` have passed without a
    count since then, when that is within the season (``stale_start``): one
    added mid-season is not late the day it is added. None: from the season's
    start."""

    def __init__(
        self,
        *,
        season_start: datetime.date,
        season_end: datetime.date,
        counts_from: datetime.date | None = None,
    ) -> None:
        self.season_start = season_start
        self.season_end = season_end
        self.stale_from = stale_start(
            season_start=season_start, season_end=season_end, counts_from=counts_from
        )
        self.final_from = season_end - _FINAL_WINDOW
        self.reached: datetime.date | None = None  # the latest day added
        # The running totals the flags read, at its end.
        self.ewes_lambed = self.lambs_born = self.lamb_losses = 0
        self.last_count_in_season: datetime.date | None = None  # up to the season's end
        self.final_check = False  # a survival check dated in the final window
        self.latest_check: tuple[int, int] | None = None  # lambs alive, losses by its day's end
        self.went_backwards = False

    def add_day(
        self,
        date: datetime.date,
        checks: Sequence[int],
        ewes_lambed: int,
        lambs_born: int,
        lamb_losses: int,
    ) -> None:
        """A day with entries, later than the last: its survival checks' lambs
        alive (in pk order) and the record's running totals at its end (the
        three the flags read, as numbers: the walk adds a day for every date
        with entries, and made no object of them on most)."""
        if self.reached is not None and date <= self.reached:
            raise ValueError(f"entries of {date} added after those of {self.reached}")
        self.reached = date
        self.ewes_lambed, self.lambs_born, self.lamb_losses = ewes_lambed, lambs_born, lamb_losses
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
            lost_since = lamb_losses - lost_then
            if min(checks) < previous_alive - lost_since:  # any check: the day's lowest
                self.went_backwards = True
        self.latest_check = (checks[-1], lamb_losses)

    def reporting(self, as_of: datetime.date) -> bool:
        """Whether the record has a count dated in the last ``STALE_AFTER_DAYS``
        days as of the end of ``as_of`` (after the season's end, in its last
        days): completeness's numerator (``REPORTING_COLUMN``). Not a flag."""
        last_count = self.last_count_in_season
        return last_count is not None and last_count >= self._recent_from(as_of)

    def _recent_from(self, as_of: datetime.date) -> datetime.date:
        """The first day a count is recent on as of ``as_of``."""
        season_end = self.season_end
        return (as_of if as_of < season_end else season_end) - _STALE_AFTER_DAYS

    def values(self, as_of: datetime.date) -> tuple[bool, ...]:
        """Whether the record has each flag as of the end of ``as_of``, in
        ``FLAGS``' order (``FLAG_KEYS``): every entry dated on or before it has
        been added, and none after it. (A tuple: the walk asks this of every
        date it yields, and the rollups keep the flags in this order.)"""
        if self.reached is not None and as_of < self.reached:
            raise ValueError(f"flags asked as of {as_of}, entries of {self.reached} added")
        ewes_lambed, lambs_born, lamb_losses = self.ewes_lambed, self.lambs_born, self.lamb_losses
        return (
            # stale: only once the season, or the record if made later, is
            # older than the set days: no one is late on their first day.
            self.stale_from < self._recent_from(as_of) and not self.reporting(as_of),
            # high_losses. Zero is a value: 0 losses are not high, 0 lambs born
            # to ewes lambed is a rate of 0 %.
            lamb_losses > 0 and lamb_losses * 100 > lambs_born * MAX_LOSS_PERCENT,
            # lambing_rate
            ewes_lambed > 0
            and not ewes_lambed * _LOW_RATE <= lambs_born * 100 <= ewes_lambed * _HIGH_RATE,
            # no_final_check
            as_of >= self.season_end and lambs_born > 0 and not self.final_check,
            # backwards
            self.went_backwards,
        )

    def flags(self, as_of: datetime.date) -> dict[str, bool]:
        """``values`` by flag key."""
        return dict(zip(FLAG_KEYS, self.values(as_of), strict=True))


_STALE_AFTER_DAYS = datetime.timedelta(days=STALE_AFTER_DAYS)
_FINAL_WINDOW = datetime.timedelta(days=FINAL_CHECK_WITHIN_DAYS)
_LOW_RATE, _HIGH_RATE = LAMBING_RATE_RANGE_PERCENT


def stale_start(
    *,
    season_start: datetime.date,
    season_end: datetime.date,
    counts_from: datetime.date | None,
) -> datetime.date:
    """The day a record's "no count for more than 7 days" counts from: the
    first day it counts (``FlagWalk``'s ``counts_from``) when that is within
    the season, from which a technician can visit it; else the season's start.
    A record made before the season is late as any other; one that counts
    only from after it (made once it was over, without an entry: entries are
    dated within the season) is read over the whole season, as a household
    never counted in its last days."""
    if counts_from is not None and season_start < counts_from <= season_end:
        return counts_from
    return season_start


def flag_dates(
    entry_dates: Iterable[datetime.date],
    *,
    season_start: datetime.date,
    season_end: datetime.date,
    counts_from: datetime.date | None = None,
) -> set[datetime.date]:
    """The dates on which a record's flags may change, up to the season's end
    (after it, nothing changes): each entry's date and the day it stops
    being recent unless a later entry is recent by then, the day the season
    (or the record, counting from ``counts_from``, as ``FlagWalk``) is old
    enough to be stale, its end. (A date listed where nothing changes costs
    the walk a step, and no rollup row.)"""
    entry_dates = sorted(set(entry_dates))
    start = stale_start(season_start=season_start, season_end=season_end, counts_from=counts_from)
    dates = {start + _NO_LONGER_RECENT, season_end, *entry_dates}
    for date, next_date in pairwise(entry_dates):
        if next_date > (stale := date + _NO_LONGER_RECENT):
            dates.add(stale)
    if entry_dates:
        dates.add(entry_dates[-1] + _NO_LONGER_RECENT)
    return {date for date in dates if date <= season_end}


# The days after an entry (or the day stale counts from) on which a record turns stale.
_NO_LONGER_RECENT = datetime.timedelta(days=STALE_AFTER_DAYS + 1)
