"""Data-quality flags: what in a season's records as of a date looks wrong
enough for a person to check.

Each flag is defined once, by ``flags_as_of`` over a record's entries and its
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
from itertools import groupby
from operator import attrgetter
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


def flags_as_of(
    entries: Sequence["EntryFacts"],
    *,
    season_start: datetime.date,
    season_end: datetime.date,
    as_of: datetime.date,
) -> frozenset[str]:
    """The keys of the flags a record has as of the end of ``as_of``, from its
    entries (in (date, pk) order) and its season's dates: the one definition
    of the flags. After the season, a record reads as on its last day."""
    day = min(as_of, season_end)
    counted = [entry for entry in entries if entry.date <= as_of]
    ewes_lambed = lambs_born = lamb_losses = 0
    for entry in counted:
        ewes_lambed += entry.ewes_lambed
        lambs_born += entry.lambs_born
        lamb_losses += entry.lambs_lost
    low, high = LAMBING_RATE_RANGE_PERCENT
    stale_since = day - datetime.timedelta(days=STALE_AFTER_DAYS)
    final_from = season_end - datetime.timedelta(days=FINAL_CHECK_WITHIN_DAYS)
    tripped = {
        # Only once the season is older than the set days: no one is late on day 1.
        "stale": season_start < stale_since
        and not any(stale_since <= entry.date <= day for entry in entries),
        # Zero is a value: 0 losses are not high, 0 lambs born to ewes lambed is a rate of 0 %.
        "high_losses": lamb_losses > 0 and lamb_losses * 100 > lambs_born * MAX_LOSS_PERCENT,
        "lambing_rate": ewes_lambed > 0
        and not ewes_lambed * low <= lambs_born * 100 <= ewes_lambed * high,
        "no_final_check": as_of >= season_end
        and lambs_born > 0
        and not any(
            entry.lambs_alive is not None and final_from <= entry.date <= season_end
            for entry in entries
        ),
        "backwards": _went_backwards(counted),
    }
    return frozenset(key for key, flagged in tripped.items() if flagged)


def _went_backwards(entries: Sequence["EntryFacts"]) -> bool:
    """A survival check counts fewer lambs alive than the latest check of an
    earlier day less the losses recorded after that day up to the check's:
    lambs gone without a recorded loss. One pass over the entries in date order."""
    lost = 0  # losses up to the end of the day
    previous: tuple[int, int] | None = None  # the latest check of an earlier day, losses then
    for _date, same_day in groupby(entries, key=attrgetter("date")):
        same_day = list(same_day)
        lost += sum(entry.lambs_lost for entry in same_day)
        checks = [entry.lambs_alive for entry in same_day if entry.lambs_alive is not None]
        if previous is not None:
            previous_alive, lost_then = previous
            if any(alive < previous_alive - (lost - lost_then) for alive in checks):
                return True
        if checks:
            previous = (checks[-1], lost)
    return False


def flag_dates(
    entries: Sequence["EntryFacts"], *, season_start: datetime.date, season_end: datetime.date
) -> set[datetime.date]:
    """The dates on which ``flags_as_of`` may change, up to the season's end
    (after it, nothing changes): each entry's date and the day it stops
    being recent, the day the season is old enough to be stale, its end."""
    after = datetime.timedelta(days=STALE_AFTER_DAYS + 1)
    dates = {season_start + after, season_end}
    for entry in entries:
        dates |= {entry.date, entry.date + after}
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
