"""Data-quality flags: what in a season's records as of a date looks wrong
enough for a person to check, computed by queries from the entries (never
stored, so a flag is always that of the counts as they are now).

A flag never stops a save: a value that trips one of these soft limits is
stored and flagged. Zero is a real value: 0 losses or 0 lambs alive at a
check are counts like any other.

The thresholds are the named constants below.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from livestock import selectors
from livestock.models import LambingEntry, LambingRecord, Place, Season

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
    """A data-quality flag: its key (``flag_<key>`` on an annotated record) and
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


def _boolean(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _went_backwards(as_of: datetime.date) -> Exists:
    """A survival check of the record, on or before ``as_of``, that counts fewer
    lambs alive than the check before it less the losses recorded between
    them: lambs gone without a recorded loss."""
    checks = LambingEntry.objects.filter(lambs_alive__isnull=False)
    previous = checks.filter(record=OuterRef("record"), date__lt=OuterRef("date")).order_by(
        "-date", "-pk"
    )
    lost_between = (
        LambingEntry.objects.filter(
            record=OuterRef("record"),
            date__gt=OuterRef("previous_date"),
            date__lte=OuterRef("date"),
        )
        .order_by()
        .values("record")
        .annotate(total=Sum("lambs_lost"))
        .values("total")
    )
    dropped = (
        checks.filter(record=OuterRef("pk"), date__lte=as_of)
        .annotate(
            previous_alive=Subquery(previous.values("lambs_alive")[:1]),
            previous_date=Subquery(previous.values("date")[:1]),
        )
        .annotate(lost_between=Coalesce(Subquery(lost_between, output_field=IntegerField()), 0))
        .filter(
            previous_alive__isnull=False, lambs_alive__lt=F("previous_alive") - F("lost_between")
        )
    )
    return Exists(dropped)


def _flag_rows(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date, group: str = "pk"
) -> QuerySet:
    """One row per record of ``season``: ``group``, the record's id, its sums as
    of ``as_of`` that the flags read, and the flags that need more than the
    sums (as booleans), from one query. Each sum is selected once: a flag
    written in SQL over them would repeat their subqueries in every
    comparison, which more than doubled the time at 10,000 households."""
    day = min(as_of, season.end_date)  # after the season, its last day
    recent = LambingEntry.objects.filter(
        record=OuterRef("pk"),
        date__gte=day - datetime.timedelta(days=STALE_AFTER_DAYS),
        date__lte=day,
    )
    stale_possible = season.start_date < day - datetime.timedelta(days=STALE_AFTER_DAYS)
    final_checks = LambingEntry.objects.filter(
        record=OuterRef("pk"),
        lambs_alive__isnull=False,
        date__gte=season.end_date - datetime.timedelta(days=FINAL_CHECK_WITHIN_DAYS),
        date__lte=season.end_date,
    )
    sums = ("ewes_lambed", "lambs_born", "lamb_losses")
    return (
        selectors.with_totals(records, as_of=as_of, only=sums)
        .annotate(
            no_recent_count=_boolean(~Exists(recent)) if stale_possible else Value(False),
            no_final_check=(
                _boolean(~Exists(final_checks)) if as_of >= season.end_date else Value(False)
            ),
            went_backwards=_went_backwards(as_of),
        )
        .order_by()
        .values_list(
            group,
            *(f"totals_{name}" for name in sums),
            "no_recent_count",
            "no_final_check",
            "went_backwards",
        )
    )


def _flags_of(row: tuple) -> list[Flag]:
    """The flags of one row of ``_flag_rows`` (without its first column)."""
    ewes_lambed, lambs_born, lamb_losses, no_recent_count, no_final_check, went_backwards = row
    low, high = LAMBING_RATE_RANGE_PERCENT
    tripped = {
        "stale": no_recent_count,
        "high_losses": lamb_losses > 0 and lamb_losses * 100 > lambs_born * MAX_LOSS_PERCENT,
        "lambing_rate": ewes_lambed > 0
        and not ewes_lambed * low <= lambs_born * 100 <= ewes_lambed * high,
        "no_final_check": lambs_born > 0 and no_final_check,
        "backwards": went_backwards,
    }
    return [flag for flag in FLAGS if tripped[flag.key]]


def flagged_ids(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date, key: str = ""
) -> list[int]:
    """The ids of ``records`` (of ``season``) with the flag ``key`` (any flag
    when empty) as of ``as_of``: the admin's list filter."""
    return [
        pk
        for pk, *row in _flag_rows(records, season=season, as_of=as_of)
        if any(not key or flag.key == key for flag in _flags_of(row))
    ]


def record_flags(record: LambingRecord, *, as_of: datetime.date) -> list[Flag]:
    """The flags of one record as of a date (the badge on its page)."""
    records = LambingRecord.objects.filter(pk=record.pk)
    rows = list(_flag_rows(records, season=record.season, as_of=as_of))
    return _flags_of(rows[0][1:]) if rows else []


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
    with any, per place of ``level`` (None: none per place), from one query
    returning a row per household (``_flag_rows``), counted here: summed in
    the database, every flag's subqueries would run again in each aggregate."""
    records = selectors.records_as_of(season=season, as_of=as_of, place=place, user=user)
    group = f"herder__{level.herder_path}" if level else "pk"
    by_place: dict[int, int] = {}
    by_flag = dict.fromkeys((flag.key for flag in FLAGS), 0)
    for place_id, *row in _flag_rows(records, season=season, as_of=as_of, group=group):
        flags = _flags_of(row)
        if flags:
            by_place[place_id] = by_place.get(place_id, 0) + 1
        for flag in flags:
            by_flag[flag.key] += 1
    return FlagCounts(by_place=by_place if level else {}, by_flag=by_flag)
