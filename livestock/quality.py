"""Data-quality flags: what in a season's records as of a date looks wrong
enough for a person to check.

Each flag is defined once, by ``FlagWalk`` over a record's entries and its
season's dates. Per record, every flag is a step function of the as-of date
(it changes on entry dates, a fixed number of days after them, and on the
season's dates: ``flag_dates``), so the daily rollups keep "households
flagged" as per-date changes made by the same walk as the totals
(``rollups.record_changes``), and the counts, a record's badge and the
admin's filter read those rows: flat, however many records and entries.

A flag never stops a save: a value that trips one of these soft limits is
stored and flagged. Zero is a real value: 0 losses or 0 lambs alive at a
check are counts like any other.

The thresholds are the named constants below.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from livestock import selectors
from livestock.models import DailyRollup, LambingRecord, Place, RollupLevel, Season

if TYPE_CHECKING:
    from livestock.rollups import EntryFacts

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


# The rollup column of each flag (``DailyRollup.FLAG_FIELDS``), and of "any flag".
FLAG_COLUMN = {flag.key: f"flagged_{flag.key}" for flag in FLAGS}
ANY_FLAG_COLUMN = "flagged_any"


# The definition


class FlagWalk:
    """A record's flags walked forward in time: the one definition of the flags.

    Fed a record's entries one day at a time, in date order (``add_day``), it
    tells the flags as of the end of the day reached (``flags``), from what it
    keeps of the days before: the sums so far, the latest day with an entry,
    whether a final-window check was made, the latest check. So the rollup walk
    (``rollups.record_changes``) reads the flags on each of a record's dates in
    one pass over its entries, as it carries the totals, instead of reading all
    the entries again on each date. After the season, a record reads as on its
    last day."""

    def __init__(self, *, season_start: datetime.date, season_end: datetime.date) -> None:
        self.season_start = season_start
        self.season_end = season_end
        self.final_from = season_end - datetime.timedelta(days=FINAL_CHECK_WITHIN_DAYS)
        self.stale_after = datetime.timedelta(days=STALE_AFTER_DAYS)
        self.reached: datetime.date | None = None  # the latest day added
        self.ewes_lambed = self.lambs_born = self.lamb_losses = 0
        self.last_count_in_season: datetime.date | None = None  # up to the season's end
        self.final_check = False  # a survival check dated in the final window
        self.latest_check: tuple[int, int] | None = None  # lambs alive, losses by its day's end
        self.went_backwards = False

    def add_day(self, same_day: Sequence["EntryFacts"]) -> None:
        """Count the entries of one day (in pk order), a later day than the last."""
        date = same_day[0].date
        if self.reached is not None and date <= self.reached:
            raise ValueError(f"entries of {date} added after those of {self.reached}")
        self.reached = date
        for entry in same_day:
            self.ewes_lambed += entry.ewes_lambed
            self.lambs_born += entry.lambs_born
            self.lamb_losses += entry.lambs_lost
        if date <= self.season_end:
            self.last_count_in_season = date
        checks = [entry.lambs_alive for entry in same_day if entry.lambs_alive is not None]
        if not checks:
            return
        if self.final_from <= date <= self.season_end:
            self.final_check = True
        # A check counts fewer lambs alive than the latest check of an earlier day
        # less the losses recorded after that day up to this one's end: lambs gone
        # without a recorded loss.
        if self.latest_check is not None:
            previous_alive, lost_then = self.latest_check
            lost_since = self.lamb_losses - lost_then
            if any(alive < previous_alive - lost_since for alive in checks):
                self.went_backwards = True
        self.latest_check = (checks[-1], self.lamb_losses)

    def flags(self, as_of: datetime.date) -> dict[str, bool]:
        """Whether the record has each flag (by key) as of the end of ``as_of``:
        every entry dated on or before it has been added, and none after it."""
        if self.reached is not None and as_of < self.reached:
            raise ValueError(f"flags asked as of {as_of}, entries of {self.reached} added")
        day = min(as_of, self.season_end)
        stale_since = day - self.stale_after
        ewes_lambed, lambs_born, lamb_losses = self.ewes_lambed, self.lambs_born, self.lamb_losses
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
    entries: Sequence["EntryFacts"], *, season_start: datetime.date, season_end: datetime.date
) -> set[datetime.date]:
    """The dates on which a record's flags may change, up to the season's end
    (after it, nothing changes): each entry's date and the day it stops
    being recent unless a later entry is recent by then, the day the season
    is old enough to be stale, its end. (A date listed where nothing changes
    costs the rollup walk a step, and no row.)"""
    after = datetime.timedelta(days=STALE_AFTER_DAYS + 1)
    entry_dates = sorted({entry.date for entry in entries})
    dates = {season_start + after, season_end, *entry_dates}
    for date, next_date in pairwise([*entry_dates, None]):
        if next_date is None or next_date > date + after:
            dates.add(date + after)
    return {date for date in dates if date <= season_end}


# Reading the flags kept in the daily rollups


def _flag_sums() -> dict[str, Sum]:
    """Households flagged, per flag and with any, as the sums of rollup rows
    (named ``sum_<column>``: an aggregate may not take a field's name)."""
    return {f"sum_{column}": Sum(column) for column in (*FLAG_COLUMN.values(), ANY_FLAG_COLUMN)}


def _flagged(sums: dict, key: str = "") -> int:
    """From ``_flag_sums``' row: the households with the flag ``key`` (any: empty)."""
    return sums[f"sum_{FLAG_COLUMN[key] if key else ANY_FLAG_COLUMN}"] or 0


def _flags_of(sums: dict) -> list[Flag]:
    return [flag for flag in FLAGS if _flagged(sums, flag.key)]


def record_flags(record: LambingRecord, *, as_of: datetime.date) -> list[Flag]:
    """The flags of one record as of a date (the badge on its page), from its
    household's rollup rows: none before the record counts (the day it was
    made, or its first entry if earlier, as for the totals)."""
    rows = DailyRollup.objects.filter(
        season=record.season_id, level=RollupLevel.HERDER, record=record, date__lte=as_of
    )
    return _flags_of(rows.order_by().aggregate(**_flag_sums()))


def flagged_ids(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date, key: str = ""
) -> QuerySet:
    """The ids of ``records`` (of ``season``) with the flag ``key`` (any flag
    when empty) as of ``as_of``, as a query to filter by: the admin's list
    filter. Read from the households' rollup rows."""
    column = FLAG_COLUMN[key] if key else ANY_FLAG_COLUMN
    return (
        DailyRollup.objects.filter(
            season=season,
            level=RollupLevel.HERDER,
            record__in=records.values("pk"),
            date__lte=as_of,
        )
        .order_by()
        .values("record")
        .annotate(flagged=Sum(column))
        .filter(flagged__gt=0)
        .values("record")
    )


@dataclass(frozen=True)
class FlagCounts:
    """Households flagged as of a date: per place of a level (by id; places
    without a flagged household are absent), and per flag over them all."""

    by_place: dict[int, int]
    by_flag: dict[str, int]


def flag_counts(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place] | None = None,
    place: Place | None = None,
    user=None,
) -> FlagCounts:
    """The households within ``place`` that ``user`` may see with each flag, and
    with any, per place of ``level`` (None: none per place), in one query over
    the same daily rollup rows as the totals (``selectors.rollups_within``)."""
    rows = selectors.rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
    if level is None:
        sums = rows.aggregate(**_flag_sums())
        by_flag = {flag.key: _flagged(sums, flag.key) for flag in FLAGS}
        return FlagCounts(by_place={}, by_flag=by_flag)
    group = level._meta.model_name
    by_place: dict[int, int] = {}
    by_flag = dict.fromkeys((flag.key for flag in FLAGS), 0)
    for row in rows.values(group).annotate(**_flag_sums()):
        if _flagged(row):
            by_place[row[group]] = _flagged(row)
        for flag in FLAGS:
            by_flag[flag.key] += _flagged(row, flag.key)
    return FlagCounts(by_place=by_place, by_flag=by_flag)
