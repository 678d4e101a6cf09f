"""Totals and rates of a season as of a date, for one place or per place:
sums of the daily rollups up to the date, in one query per call."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum, Value
from django.db.models.lookups import LessThanOrEqual

from livestock.counting.totals import LambingTotals
from livestock.models import (
    LEVEL_NAMED,
    LEVEL_OF,
    DailyRollup,
    Herder,
    LambingRecord,
    Place,
    RollupLevel,
    Season,
    Village,
    villages_within,
)
from livestock.places import scoping


def records_within(
    *, season: Season, place: Place | None = None, user: scoping.User | None = None
) -> QuerySet[LambingRecord]:
    """The season's lambing records of the herders in ``place`` (all when None)
    that ``user`` may see (all when None: for code that is not asked by a user)."""
    records = LambingRecord.objects.filter(season=season)
    if place is not None:
        records = records.filter(**{f"herder__{place.herder_path}": place.pk})
    if user is not None:
        records = scoping.visible(user, records)
    return records


SUM_PREFIX = "sum_"


def rollups_within(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place] | None = None,
    place: Place | None = None,
    user: scoping.User | None = None,
) -> QuerySet[DailyRollup]:
    """The daily rollup rows dated on or before ``as_of`` that sum to the totals
    of ``place`` (all when None) as ``user`` may see them (all when None),
    grouped by ``level`` or not: rows of the coarsest level that has a column
    for the group, the place and each of the user's grants (the counties'
    rows for a county official, a village's for its technician)."""
    # A place's rows are those of its level on the ladder (``RollupLevel``).
    needed = [LEVEL_OF[model].depth for model in (level, type(place) if place else None) if model]
    if user is not None and not (user.is_authenticated and user.is_superuser):
        needed += [LEVEL_NAMED[name].depth for name in scoping.grant_levels(user)]
    depth = max(needed, default=RollupLevel.PREFECTURE)
    rows = DailyRollup.objects.filter(season=season, level=depth, date__lte=as_of)
    if place is not None:
        rows = rows.filter(**{place._meta.model_name: place.pk})
    if user is not None:
        rows = scoping.visible(user, rows)
    if depth == RollupLevel.HERDER:
        rows = _by_their_villages(rows, place=place, user=user)
    return rows.order_by()


def _by_their_villages(
    rows: QuerySet[DailyRollup], *, place: Place | None, user: scoping.User | None
) -> QuerySet[DailyRollup]:
    """Households' rows within a place larger than a village, or within a
    user's places, found through their villages: only the villages' index
    holds households' rows (``DailyRollup.Meta.indexes``); the others hold
    the places' own. Every household's row of the region, asked for by no
    one but a superuser, is read whole."""
    if isinstance(place, (Village, Herder)):
        return rows
    if place is None and (user is None or (user.is_authenticated and user.is_superuser)):
        return rows
    villages = Village.objects.all() if place is None else villages_within(place)
    if user is not None:
        villages = scoping.visible(user, villages)
    return rows.filter(village__in=villages.values("pk"))


def sum_columns(names=DailyRollup.COUNT_FIELDS) -> dict[str, Sum]:
    return {SUM_PREFIX + name: Sum(name) for name in names}


def totals_from_sums(row: dict) -> LambingTotals:
    return LambingTotals.from_row(
        {name: row[SUM_PREFIX + name] for name in DailyRollup.COUNT_FIELDS}
    )


def lambing_totals(
    *,
    season: Season,
    as_of: datetime.date,
    place: Place | None = None,
    user: scoping.User | None = None,
) -> LambingTotals:
    """The totals of a herder, village, township, county or prefecture (or of
    every record, with no place) as of the end of ``as_of``, summed from the
    daily rollups in one query."""
    rows = rollups_within(season=season, as_of=as_of, place=place, user=user)
    return totals_from_sums(rows.aggregate(**sum_columns()))


def lambing_totals_by(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place],
    place: Place | None = None,
    user: scoping.User | None = None,
) -> dict[int, LambingTotals]:
    """The totals of each place of ``level`` (by id) within ``place``, in one query.
    Places without records are absent."""
    group = level._meta.model_name
    rows = (
        rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
        .values(group)
        .annotate(**sum_columns())
        .filter(**{f"{SUM_PREFIX}households__gt": 0})
    )
    return {row[group]: totals_from_sums(row) for row in rows}


def lambs_born_by_date(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> list[tuple[datetime.date, int]]:
    """Recorded lambs born so far, on each date up to ``as_of`` when births were
    recorded, from the daily rollups."""
    daily = (
        rollups_within(season=season, as_of=as_of, place=place, user=user)
        .values("date")
        .annotate(born=Sum("lambs_born"))
        .exclude(born=0)
        .order_by("date")
    )
    series, total = [], 0
    for day in daily:
        total += day["born"]
        series.append((day["date"], total))
    return series


def losses_by_cause(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> list[tuple[str, int]]:
    """Lamb losses up to ``as_of`` by cause, most first, from the daily rollups."""
    sums = rollups_within(season=season, as_of=as_of, place=place, user=user).aggregate(
        **sum_columns(DailyRollup.CAUSE_FIELDS)
    )
    return losses_from({name: sums[SUM_PREFIX + name] for name in DailyRollup.CAUSE_FIELDS})


def losses_from(counted: Mapping[str, int | None]) -> list[tuple[str, int]]:
    """``losses_by_cause`` from the causes' sums already read (by column: a
    summary row's ``counted``, ``desk_sums_by``)."""
    lost = [
        (name.removeprefix("lost_"), counted.get(name) or 0) for name in DailyRollup.CAUSE_FIELDS
    ]
    return sorted(
        ((cause, count) for cause, count in lost if count > 0), key=lambda item: (-item[1], item[0])
    )


# The officials' cards compare a place's totals with those a week before.
WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class DeskSums:
    """A place's rollup sums as the officials' pages read them: its totals, its
    totals a week before (``WEEK``) and the sums of the rollups' other columns,
    lambs lost by cause, households flagged and households reporting
    (``DailyRollup.CAUSE_FIELDS``, ``FLAG_FIELDS``, ``REPORTING_FIELDS``), by
    column. With no desk (``week_before`` None), the totals."""

    totals: LambingTotals
    week_before: LambingTotals | None
    counted: Mapping[str, int]

    def __add__(self, other: "DeskSums") -> "DeskSums":
        return DeskSums(
            self.totals + other.totals,
            None if self.week_before is None else self.week_before + other.week_before,
            {
                name: self.counted.get(name, 0) + other.counted.get(name, 0)
                for name in {*self.counted, *other.counted}
            },
        )


def desk_sums_by(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place],
    place: Place | None = None,
    user: scoping.User | None = None,
) -> dict[int, DeskSums]:
    """``lambing_totals_by``, and in the same query the totals as of a week
    before (the same rows' sums, of those dated by then) and the other columns' sums:
    what the cards, the flags, the losses chart, completeness and the forecast
    read, so that a summary page sums its rollups once."""
    group = level._meta.model_name
    others = DailyRollup.CAUSE_FIELDS + DailyRollup.FLAG_FIELDS + DailyRollup.REPORTING_FIELDS
    # Two rows per place, its rows dated in the week before the date and those
    # up to a week before it: their sum is the place's, the second its totals a
    # week before (one more column to group by, rather than a filtered sum per
    # column: as many sums to compile as the totals').
    rows = (
        rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
        .annotate(week_before=LessThanOrEqual(F("date"), Value(as_of - WEEK)))
        .values(group, "week_before")
        .annotate(**sum_columns(DailyRollup.COUNT_FIELDS + others))
    )
    nothing = DeskSums(LambingTotals(), LambingTotals(), {})
    by_place: dict[int, DeskSums] = {}
    for row in rows:
        totals = totals_from_sums(row)
        part = DeskSums(
            totals,
            totals if row["week_before"] else LambingTotals(),
            {name: row[SUM_PREFIX + name] or 0 for name in others},
        )
        by_place[row[group]] = by_place.get(row[group], nothing) + part
    return {key: sums for key, sums in by_place.items() if sums.totals.households > 0}


@dataclass(frozen=True)
class WeekOnWeek:
    """A place's totals as of a date beside those seven days before, for the
    officials' cards (lambs born, survival, losses and their change)."""

    now: LambingTotals
    week_before: LambingTotals
    week_before_date: datetime.date


def week_on_week(
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None,
    now: LambingTotals | None = None,
    before: LambingTotals | None = None,
) -> WeekOnWeek:
    """The place's totals as of ``as_of`` beside those seven days before, one
    query each that the caller does not already have (``place_summary(desk=True)``'s
    own row holds both)."""
    before_date = as_of - WEEK
    if now is None:
        now = lambing_totals(season=season, as_of=as_of, place=place, user=user)
    if before is None:
        before = lambing_totals(season=season, as_of=before_date, place=place, user=user)
    return WeekOnWeek(now=now, week_before=before, week_before_date=before_date)
