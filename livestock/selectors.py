"""Reads: totals and rates of a season as of a date, for one place or per place.

Every page, API response and export asks these functions, so they cannot
disagree. Everything is summed in the database, in one query per call,
whatever the number of herders and entries.

As of a date, a record's counts are the sums of its entries dated on or
before it, and its lambs alive are those of its latest survival check on or
before it. An entry dated later never changes an earlier answer.
"""

import datetime
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, IsNull

from livestock.choices import CheckStage
from livestock.models import LambingEntry, LambingRecord, Place, Season


def _percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, to one decimal; None (not available) for 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class LambingTotals:
    """A season's recorded counts for a set of records as of a date, and the
    rates of DOMAIN.md. Each rate counts only the records that have both of its
    numbers, so a household not yet counted does not drag a rate down; the
    ``*_where_*`` sums are those restricted numbers."""

    households: int = 0
    ewes: int = 0
    ewes_lambed: int = 0
    lambs_born: int = 0
    lamb_losses: int = 0
    lambs_alive: int = 0
    lambs_alive_at_weaning: int = 0
    lambs_born_where_ewes_lambed_counted: int = 0
    lambs_born_where_ewes_counted: int = 0
    lambs_born_by_latest_check: int = 0
    lambs_alive_at_weaning_where_ewes_counted: int = 0
    ewes_where_weaned: int = 0

    @property
    def lambing_rate(self) -> Decimal | None:
        """产羔率 = lambs born ÷ ewes lambed × 100%."""
        return _percent(self.lambs_born_where_ewes_lambed_counted, self.ewes_lambed)

    @property
    def reproduction_rate(self) -> Decimal | None:
        """繁殖率 = lambs born ÷ breeding ewes at the season's start × 100%."""
        return _percent(self.lambs_born_where_ewes_counted, self.ewes)

    @property
    def survival_rate(self) -> Decimal | None:
        """羔羊成活率 = lambs alive at the latest check ÷ lambs born × 100%; lambs born
        are counted up to each record's latest check, since a check cannot count
        lambs born after it."""
        return _percent(self.lambs_alive, self.lambs_born_by_latest_check)

    @property
    def reproductive_survival_rate(self) -> Decimal | None:
        """繁殖成活率 = lambs alive at weaning ÷ breeding ewes at the season's start × 100%."""
        return _percent(self.lambs_alive_at_weaning_where_ewes_counted, self.ewes_where_weaned)

    @property
    def mortality_rate(self) -> Decimal | None:
        """Lamb mortality = lamb losses ÷ lambs born × 100%."""
        return _percent(self.lamb_losses, self.lambs_born)

    @classmethod
    def from_row(cls, row: dict) -> "LambingTotals":
        return cls(**{field.name: row[field.name] or 0 for field in fields(cls)})


def _aggregates(as_of: datetime.date) -> dict:
    """The aggregate expressions over lambing records that make ``LambingTotals``."""
    entries_until = LambingEntry.objects.filter(record=OuterRef("pk"), date__lte=as_of)

    def summed(field: str, entries: QuerySet = entries_until) -> Coalesce:
        total = entries.order_by().values("record").annotate(total=Sum(field)).values("total")
        return Coalesce(Subquery(total, output_field=IntegerField()), 0)

    def latest_alive(checks: QuerySet) -> Subquery:
        latest = checks.order_by("-date", "-pk").values("lambs_alive")[:1]
        return Subquery(latest, output_field=IntegerField())

    ewes_lambed = summed("ewes_lambed")
    born = summed("lambs_born")
    checks = entries_until.filter(lambs_alive__isnull=False)
    alive = latest_alive(checks)
    latest_check_date = LambingEntry.objects.filter(
        record=OuterRef(OuterRef("pk")), date__lte=as_of, lambs_alive__isnull=False
    ).order_by("-date")[:1]
    entries_until_latest_check = LambingEntry.objects.filter(
        record=OuterRef("pk"), date__lte=Subquery(latest_check_date.values("date"))
    )
    alive_at_weaning = latest_alive(entries_until.filter(check_stage=CheckStage.WEANING))
    ewes_counted = Q(ewes_at_start__isnull=False)
    return {
        "households": Count("pk"),
        "ewes": Sum("ewes_at_start"),
        "ewes_lambed": Sum(ewes_lambed),
        "lambs_born": Sum(born),
        "lamb_losses": Sum(summed("lambs_lost")),
        "lambs_alive": Sum(alive),
        "lambs_alive_at_weaning": Sum(alive_at_weaning),
        "lambs_born_where_ewes_lambed_counted": Sum(born, filter=GreaterThan(ewes_lambed, 0)),
        "lambs_born_where_ewes_counted": Sum(born, filter=ewes_counted),
        "lambs_born_by_latest_check": Sum(summed("lambs_born", entries_until_latest_check)),
        "lambs_alive_at_weaning_where_ewes_counted": Sum(alive_at_weaning, filter=ewes_counted),
        "ewes_where_weaned": Sum("ewes_at_start", filter=IsNull(alive_at_weaning, False)),
    }


def records_within(*, season: Season, place: Place | None = None) -> QuerySet[LambingRecord]:
    """The season's lambing records of the herders in ``place`` (all when None)."""
    records = LambingRecord.objects.filter(season=season)
    if place is not None:
        records = records.filter(**{f"herder__{place.herder_path}": place.pk})
    return records


def lambing_totals(
    *, season: Season, as_of: datetime.date, place: Place | None = None
) -> LambingTotals:
    """The totals of a herder, village, township, county or prefecture (or of
    every record, with no place) as of the end of ``as_of``."""
    row = records_within(season=season, place=place).aggregate(**_aggregates(as_of))
    return LambingTotals.from_row(row)


def lambing_totals_by(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place],
    place: Place | None = None,
) -> dict[int, LambingTotals]:
    """The totals of each place of ``level`` (by id) within ``place``, in one query.
    Places without records are absent."""
    group = f"herder__{level.herder_path}"
    rows = (
        records_within(season=season, place=place)
        .order_by()
        .values(group)
        .annotate(**_aggregates(as_of))
    )
    return {row[group]: LambingTotals.from_row(row) for row in rows}


def record_timeline(*, record: LambingRecord) -> list[tuple[datetime.date, LambingTotals]]:
    """A record's totals and rates as of each date it has entries for, oldest
    first, from one query. A single record's handful of entries is walked in
    Python; each row equals ``lambing_totals(place=herder, as_of=date)``
    (a test holds the two together)."""
    entries = LambingEntry.objects.filter(record=record).order_by("date", "pk")
    ewes = record.ewes_at_start
    ewes_lambed = born = lost = 0
    born_on: dict[datetime.date, int] = {}
    check: tuple[datetime.date, int] | None = None
    weaned: int | None = None
    rows: list[tuple[datetime.date, LambingTotals]] = []
    for date, same_day in groupby(entries, key=lambda entry: entry.date):
        for entry in same_day:
            ewes_lambed += entry.ewes_lambed
            born += entry.lambs_born
            lost += entry.lambs_lost
            if entry.lambs_alive is not None:
                check = (date, entry.lambs_alive)
                if entry.check_stage == CheckStage.WEANING:
                    weaned = entry.lambs_alive
        born_on[date] = born
        rows.append(
            (
                date,
                LambingTotals(
                    households=1,
                    ewes=ewes or 0,
                    ewes_lambed=ewes_lambed,
                    lambs_born=born,
                    lamb_losses=lost,
                    lambs_alive=check[1] if check else 0,
                    lambs_alive_at_weaning=weaned or 0,
                    lambs_born_where_ewes_lambed_counted=born if ewes_lambed else 0,
                    lambs_born_where_ewes_counted=born if ewes is not None else 0,
                    lambs_born_by_latest_check=born_on[check[0]] if check else 0,
                    lambs_alive_at_weaning_where_ewes_counted=(
                        weaned or 0 if ewes is not None else 0
                    ),
                    ewes_where_weaned=ewes or 0 if weaned is not None else 0,
                ),
            )
        )
    return rows
