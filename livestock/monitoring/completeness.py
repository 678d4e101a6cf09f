"""Reporting completeness and timeliness (DHIS2's "reporting rates"), as of a date.

- **completeness**: of the households expected to report (those with a
  record this season as of the date, ``LambingTotals.households``), how many
  are reporting: with a count dated in the last 7 days
  (``quality.STALE_AFTER_DAYS``; the rule is written once, in the records'
  walk, ``flags.FlagWalk``, beside the "no count for more than 7 days" flag:
  after the season's end, the last 7 days of the season). In the season's
  first week nobody is late yet, and only the households that have counted
  are reporting. Both numbers are sums of the same daily rollup rows
  (``households`` and ``households_reporting``), and a household reports
  only on days it is counted, so the numerator is a part of the denominator.
- **timeliness**: of the counts dated on or before the date, how many were
  entered within the season's ``on_time_within_days`` of the day they count
  (the entry's ``created_at`` against its ``date``). The numerator is a
  filter on the denominator's rows, in the same query.

So neither rate can pass 100 % (DHIS2's can: it divides by the forms
expected and counts the forms received, which need not be among them).
Completeness reads the daily rollups (one query, as cheap as the totals:
the summary pages show it); timeliness and the townships' last counts read
the entries (one query each: the reporting page shows them).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate

from livestock.counting import quality
from livestock.counting.flags import REPORTING_COLUMN
from livestock.counting.totals import percent
from livestock.models import LambingEntry, Place, Season, Township
from livestock.places import scoping
from livestock.selectors.summaries import PlaceSummary
from livestock.selectors.totals import records_within, rollups_within

RECENT_DAYS = quality.STALE_AFTER_DAYS


@dataclass(frozen=True)
class Completeness:
    """A place's reporting as of a date: households recorded and reporting."""

    households: int = 0
    households_reporting: int = 0

    @property
    def completeness(self) -> Decimal | None:
        """Households reporting ÷ households recorded × 100 %."""
        return percent(self.households_reporting, self.households)

    def __add__(self, other: "Completeness") -> "Completeness":
        return Completeness(
            self.households + other.households,
            self.households_reporting + other.households_reporting,
        )


@dataclass(frozen=True)
class Timeliness:
    """A place's counts as of a date, and those entered on time."""

    counts: int = 0
    counts_on_time: int = 0

    @property
    def timeliness(self) -> Decimal | None:
        """Counts entered within the season's days ÷ counts made × 100 %."""
        return percent(self.counts_on_time, self.counts)

    def __add__(self, other: "Timeliness") -> "Timeliness":
        return Timeliness(self.counts + other.counts, self.counts_on_time + other.counts_on_time)


@dataclass(frozen=True)
class LastCount:
    """When a township's technicians last entered a count, and who."""

    township: Township
    at: datetime.datetime | None
    by: str


def _grouped(queryset, group: str | None, **aggregates) -> dict[int | None, dict]:
    """The aggregates per value of ``group`` (by it), or over the whole
    queryset with none (under the key None)."""
    if group is None:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.values(group).annotate(**aggregates).order_by()
    return {row[group]: row for row in rows}


def completeness_by(
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None = None,
    level: type[Place] | None = None,
) -> dict[int | None, Completeness]:
    """Each place of ``level`` within ``place`` (by id; with no level, the key
    None for the whole place) as ``user`` may see it, from the daily rollups
    in one query. Places without records are absent."""
    rows = rollups_within(season=season, as_of=as_of, level=level, place=place, user=user)
    sums = _grouped(
        rows,
        level._meta.model_name if level else None,
        households=Sum("households"),
        reporting=Sum(REPORTING_COLUMN),
    )
    return {
        key: Completeness(row["households"], row["reporting"] or 0)
        for key, row in sums.items()
        if row["households"]
    }


def completeness_of(summary: PlaceSummary) -> dict[int, Completeness]:
    """``completeness_by`` per place of a summary read with ``desk=True`` (its
    rows hold the households reporting beside the households): no query of its own."""
    return {
        row.place.pk: Completeness(row.totals.households, row.counted[REPORTING_COLUMN])
        for row in summary.rows
        if row.totals.households
    }


def timeliness_by(
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None = None,
    level: type[Place] | None = None,
) -> dict[int | None, Timeliness]:
    """Each place of ``level`` within ``place`` (as ``completeness_by``), from
    the entries in one query. Places without counts are absent."""
    records = records_within(season=season, place=place, user=user)
    entries = scoping.visible(
        user, LambingEntry.objects.filter(record__in=records.values("pk"), date__lte=as_of)
    ).annotate(
        lag=ExpressionWrapper(TruncDate("created_at") - F("date"), output_field=DurationField())
    )
    on_time = Q(lag__lte=Value(datetime.timedelta(days=season.on_time_within_days)))
    sums = _grouped(
        entries,
        f"record__herder__{level.herder_path}" if level else None,
        counts=Count("pk"),
        counts_on_time=Count("pk", filter=on_time),
    )
    return {
        key: Timeliness(row["counts"], row["counts_on_time"])
        for key, row in sums.items()
        if row["counts"]
    }


def last_counts(
    *, season: Season, as_of: datetime.date, user: scoping.User, townships: list[Township]
) -> dict[int, LastCount]:
    """Per township (by id), the latest count its technicians entered on or
    before ``as_of`` (by when it was entered, not the day it counts), and who
    entered it, in one query."""
    if not townships:
        return {}
    entries = scoping.visible(
        user,
        LambingEntry.objects.filter(
            record__season=season,
            record__herder__village__township=OuterRef("pk"),
            created_at__date__lte=as_of,
            date__lte=as_of,
        ),
    ).order_by("-created_at", "-pk")
    rows = (
        Township.objects.filter(pk__in=[township.pk for township in townships])
        .annotate(
            last_count_at=Subquery(entries.values("created_at")[:1], output_field=DateTimeField()),
            last_count_by=Subquery(entries.values("created_by__username")[:1]),
        )
        .values("pk", "last_count_at", "last_count_by")
    )
    by_id = {township.pk: township for township in townships}
    return {
        row["pk"]: LastCount(by_id[row["pk"]], row["last_count_at"], row["last_count_by"] or "")
        for row in rows
    }
