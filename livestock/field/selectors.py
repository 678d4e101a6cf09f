"""What the field app reads: the technician's households of the season with
their running totals, last count and flags, and the roster the phone keeps
for offline work. Totals come from ``selectors`` (the daily rollups), flags
from ``quality``, scope from ``scoping``: a constant number of queries for a
page, however many households it lists."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from livestock.counting import quality
from livestock.counting.totals import LambingTotals
from livestock.models import (
    Herder,
    LambingEntry,
    LambingRecord,
    Review,
    ReviewState,
    Season,
    Village,
)
from livestock.places import scoping
from livestock.places.names import names_matching
from livestock.selectors.reviews import latest_reviews
from livestock.selectors.totals import lambing_totals_by, records_within


def current_season(today: datetime.date) -> Season | None:
    """The season a technician counts in today: the latest one started by
    today, or the first one to come when none has started yet."""
    started = Season.objects.filter(start_date__lte=today).order_by("-start_date").first()
    return started or Season.objects.order_by("start_date").first()


# A household's names, from its record: what the search box of Today finds it by.
SEARCHED_NAMES = ("herder__name", "herder__name_latin", "herder__name_kazakh")


@dataclass(frozen=True)
class Household:
    """A household's record of the season as of a date, as a technician's list shows it."""

    record: LambingRecord
    totals: LambingTotals
    last_count: datetime.date | None
    # The date of the latest survival check: without one, lambs alive are unknown, not 0.
    last_check: datetime.date | None
    flags: list[quality.Flag] = field(default_factory=list)
    sent_back: Review | None = None

    @property
    def herder(self) -> Herder:
        return self.record.herder

    @property
    def needs_visit(self) -> bool:
        """Flagged (no count for days, a value to check) or its township's counts sent back."""
        return bool(self.flags) or self.sent_back is not None

    @property
    def lambs_alive(self) -> int | None:
        return self.totals.lambs_alive if self.last_check else None


def villages(*, user: scoping.User) -> QuerySet[Village]:
    """The villages the user works in (their grants' places, down to villages)."""
    return scoping.within(user, Village.objects.select_related("township")).order_by(
        "township__name", "name", "pk"
    )


def households(
    *,
    user: scoping.User,
    season: Season,
    as_of: datetime.date,
    village: Village | None = None,
    search: str = "",
    record_ids: set[int] | None = None,
) -> list[Household]:
    """The season's households the user may see (in ``village``; named like
    ``search`` in Chinese, Latin or Kazakh; among ``record_ids``), those needing a
    visit first, then by village and name. Five queries: the records with
    their last count, their totals, their flags, the townships' latest reviews
    (and the user's grants, once)."""
    records = records_within(season=season, place=village, user=user)
    if "\x00" in search:
        # No stored name holds NUL, and PostgreSQL refuses it in a query: no match.
        records = records.none()
    elif search.strip():
        records = records.filter(names_matching(search, LambingRecord, SEARCHED_NAMES))
    if record_ids is not None:
        records = records.filter(pk__in=record_ids)
    until = Q(entries__date__lte=as_of)
    rows = list(
        records.select_related("herder__village__township")
        .annotate(
            last_count=Max("entries__date", filter=until),
            last_check=Max("entries__date", filter=until & Q(entries__lambs_alive__isnull=False)),
        )
        .order_by("herder__village__name", "herder__name", "pk")
    )
    if not rows:
        return []
    totals = lambing_totals_by(season=season, as_of=as_of, level=Herder, place=village, user=user)
    flags = quality.flags_by_record(records, season=season, as_of=as_of)
    townships = list({record.herder.village.township for record in rows})
    reviews = latest_reviews(season=season, as_of=as_of, townships=townships, user=user)
    found = [
        Household(
            record=record,
            totals=totals.get(record.herder_id, LambingTotals()),
            last_count=record.last_count,
            last_check=record.last_check,
            flags=flags.get(record.pk, []),
            sent_back=_sent_back(reviews.get(record.herder.village.township_id)),
        )
        for record in rows
    ]
    return sorted(found, key=lambda household: not household.needs_visit)


def _sent_back(review: Review | None) -> Review | None:
    return review if review is not None and review.state == ReviewState.RETURNED else None


def changed_since(
    *, user: scoping.User, season: Season, since: datetime.datetime
) -> set[int] | None:
    """The ids of the season's records (within the user's scope) whose figures
    may have changed after ``since``: an entry added, corrected or deleted, the
    record or its household changed. None when anything may have: ``since`` is
    of another day (flags move with the date) or a township's review changed."""
    if timezone.localdate(since) != timezone.localdate():
        return None
    if Review.history.filter(season_id=season.pk, history_date__gt=since).exists():
        return None
    records = records_within(season=season, user=user)
    changed = set(
        LambingEntry.history.filter(history_date__gt=since, record__in=records.values("pk"))
        .order_by()
        .values_list("record_id", flat=True)
    )
    changed |= set(records.filter(updated_at__gt=since).values_list("pk", flat=True))
    changed |= set(
        records.filter(
            herder__in=Herder.history.filter(history_date__gt=since).values("id")
        ).values_list("pk", flat=True)
    )
    return changed
