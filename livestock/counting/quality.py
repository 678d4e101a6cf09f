"""Data-quality flags: how many of a season's records as of a date have each
flag, per place, and which flags one record has.

Each flag is defined once, in the counting core (``counting/flags.py``:
``FlagWalk``, over a record's entries and its season's dates), and carried
from date to date by a record's walk (``counting/walk.py``) along with its
totals; the daily rollups keep "households flagged" as per-date changes, and
the counts, a record's badge and the admin's filter read those rows: flat,
however many records and entries.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from livestock.counting.flags import (
    ANY_FLAG_COLUMN,
    FINAL_CHECK_WITHIN_DAYS,
    FLAG_BY_KEY,
    FLAG_COLUMN,
    FLAGS,
    LAMBING_RATE_RANGE_PERCENT,
    MAX_LOSS_PERCENT,
    STALE_AFTER_DAYS,
    Flag,
)
from livestock.models import DailyRollup, LambingRecord, Place, RollupLevel, Season
from livestock.selectors.summaries import PlaceSummary
from livestock.selectors.totals import rollups_within

__all__ = [
    "ANY_FLAG_COLUMN",
    "FINAL_CHECK_WITHIN_DAYS",
    "FLAG_COLUMN",
    "FLAGS",
    "FLAG_BY_KEY",
    "LAMBING_RATE_RANGE_PERCENT",
    "MAX_LOSS_PERCENT",
    "STALE_AFTER_DAYS",
    "Flag",
    "FlagCounts",
    "flag_counts",
    "flag_counts_of",
    "flagged_ids",
    "record_flags",
]

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
        season=record.season_id,
        level=RollupLevel.HERDER,
        place_id=record.herder_id,
        record=record,
        date__lte=as_of,
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
        _per_record(records, season=season, as_of=as_of)
        .annotate(flagged=Sum(column))
        .filter(flagged__gt=0)
        .values("record")
    )


def _per_record(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date
) -> QuerySet:
    """The households' rollup rows of ``records`` up to ``as_of``, grouped by
    record: what the admin's flag filter and the field app's lists sum."""
    return (
        DailyRollup.objects.filter(
            season=season,
            level=RollupLevel.HERDER,
            place_id__in=records.values("herder_id"),  # the rollups' key
            record__in=records.values("pk"),
            date__lte=as_of,
        )
        .order_by()
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
    the same daily rollup rows as the totals (``rollups_within``)."""
    rows = rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
    if level is None:
        sums = rows.aggregate(**_flag_sums())
        by_flag = {flag.key: _flagged(sums, flag.key) for flag in FLAGS}
        return FlagCounts(by_place={}, by_flag=by_flag)
    group = level._meta.model_name
    return _counts_by_place(
        (row[group], row) for row in rows.values(group).annotate(**_flag_sums())
    )


def flag_counts_of(summary: PlaceSummary) -> FlagCounts:
    """``flag_counts`` per place of a summary read with ``desk=True``, whose
    rows hold their flag columns' sums: no query of its own."""
    return _counts_by_place(
        (row.place.pk, {f"sum_{column}": row.counted[column] for column in DailyRollup.FLAG_FIELDS})
        for row in summary.rows
        if row.counted
    )


def _counts_by_place(rows) -> FlagCounts:
    """From ``(place id, _flag_sums' row)`` pairs."""
    by_place: dict[int, int] = {}
    by_flag = dict.fromkeys((flag.key for flag in FLAGS), 0)
    for key, sums in rows:
        if _flagged(sums):
            by_place[key] = _flagged(sums)
        for flag in FLAGS:
            by_flag[flag.key] += _flagged(sums, flag.key)
    return FlagCounts(by_place=by_place, by_flag=by_flag)


def flags_by_record(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date
) -> dict[int, list[Flag]]:
    """Each of ``records``' flags as of ``as_of`` (by record id; records without
    a flag are absent), in one query over the households' rollup rows: the
    field app's lists, where ``record_flags`` would be a query per household."""
    rows = _per_record(records, season=season, as_of=as_of).annotate(**_flag_sums())
    return {row["record"]: _flags_of(row) for row in rows if _flagged(row)}
