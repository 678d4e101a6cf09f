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
    Case,
    Count,
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
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
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


def with_flags(
    records: QuerySet[LambingRecord], *, season: Season, as_of: datetime.date
) -> QuerySet[LambingRecord]:
    """``records`` (of ``season``), each annotated with its totals as of ``as_of``
    (``selectors.with_totals``) and a boolean ``flag_<key>`` per flag, plus
    ``flagged`` (any of them), in one query."""
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
    low, high = LAMBING_RATE_RANGE_PERCENT
    born, lost, lambed = (
        F("totals_lambs_born"),
        F("totals_lamb_losses"),
        F("totals_ewes_lambed"),
    )
    records = selectors.with_totals(records, as_of=as_of).annotate(
        flag_stale=_boolean(~Exists(recent)) if stale_possible else Value(False),
        flag_high_losses=_boolean(
            Q(totals_lamb_losses__gt=0) & GreaterThan(lost * 100, born * MAX_LOSS_PERCENT)
        ),
        flag_lambing_rate=_boolean(
            Q(totals_ewes_lambed__gt=0)
            & (Q(GreaterThan(lambed * low, born * 100)) | Q(GreaterThan(born * 100, lambed * high)))
        ),
        flag_no_final_check=(
            _boolean(Q(totals_lambs_born__gt=0) & ~Exists(final_checks))
            if as_of >= season.end_date
            else Value(False)
        ),
        flag_backwards=_went_backwards(as_of),
    )
    return records.annotate(flagged=_boolean(any_flag()))


def any_flag() -> Q:
    """A record of ``with_flags`` with at least one flag."""
    condition = Q(pk__in=[])
    for flag in FLAGS:
        condition |= Q(**{f"flag_{flag.key}": True})
    return condition


def record_flags(record: LambingRecord, *, as_of: datetime.date) -> list[Flag]:
    """The flags of one record as of a date (the badge on its page)."""
    row = (
        with_flags(LambingRecord.objects.filter(pk=record.pk), season=record.season, as_of=as_of)
        .values(*(f"flag_{flag.key}" for flag in FLAGS))
        .first()
    )
    return [flag for flag in FLAGS if row and row[f"flag_{flag.key}"]]


def flagged_counts_by(
    *,
    season: Season,
    as_of: datetime.date,
    level: type[Place],
    place: Place | None = None,
    user=None,
) -> dict[int, int]:
    """How many households of each place of ``level`` (by id) within ``place``
    have at least one flag as of ``as_of``, in one query. Places without a
    flagged household are absent."""
    records = selectors.records_as_of(season=season, as_of=as_of, place=place, user=user)
    flagged = with_flags(records, season=season, as_of=as_of).filter(flagged=True).values("pk")
    group = f"herder__{level.herder_path}"
    rows = (
        LambingRecord.objects.filter(pk__in=flagged)
        .order_by()
        .values(group)
        .annotate(households=Count("pk"))
    )
    return {row[group]: row["households"] for row in rows}


def flag_counts(
    *, season: Season, as_of: datetime.date, place: Place | None = None, user=None
) -> dict[str, int]:
    """How many households within ``place`` have each flag as of ``as_of``."""
    records = selectors.records_as_of(season=season, as_of=as_of, place=place, user=user)
    flagged = with_flags(records, season=season, as_of=as_of)
    row = flagged.aggregate(
        **{
            flag.key: Sum(
                Case(When(**{f"flag_{flag.key}": True}, then=1), default=0),
                output_field=IntegerField(),
            )
            for flag in FLAGS
        }
    )
    return {key: value or 0 for key, value in row.items()}
