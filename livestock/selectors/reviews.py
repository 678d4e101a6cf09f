"""Townships' reviews: their approved totals beside today's, the latest per
township, those waiting for an official."""

import datetime
from dataclasses import dataclass, fields

from livestock.counting.totals import LambingTotals
from livestock.models import Place, Review, ReviewState, Season, Township
from livestock.places import scoping
from livestock.selectors.totals import rollups_within, sum_columns, totals_from_sums


@dataclass(frozen=True)
class ReviewRow:
    """A review of a township's counts, with the totals it approved (if it was
    ever approved) beside the live totals as of the same date, so a page can
    say whether anything changed since."""

    review: Review
    approved: LambingTotals | None
    live: LambingTotals | None

    @property
    def changed_since(self) -> bool:
        return self.approved is not None and self.approved != self.live


def approved_totals(stored: dict | None) -> LambingTotals | None:
    """The totals an approval stored (``Review.approved_totals``), read back; a
    field added to ``LambingTotals`` since reads as 0."""
    if stored is None:
        return None
    return LambingTotals(
        **{field.name: stored.get(field.name, 0) for field in fields(LambingTotals)}
    )


def township_reviews(*, season: Season, township: Township, user: scoping.User) -> list[ReviewRow]:
    """The reviews of a township's counts of a season that ``user`` may see,
    latest date first. A review approved once keeps its approved totals after
    it is reopened; the live totals as of every such review's date come from
    one query (``_totals_on_dates``), however many dates were approved."""
    reviews = list(
        scoping.visible(user, Review.objects.filter(season=season, township=township))
        .select_related("township", "season", "changed_by", "approved_by")
        .order_by("-as_of")
    )
    approved_dates = [review.as_of for review in reviews if review.approved_totals is not None]
    live = _totals_on_dates(season=season, place=township, dates=approved_dates)
    return [
        ReviewRow(review, approved_totals(review.approved_totals), live.get(review.as_of))
        for review in reviews
    ]


def _totals_on_dates(
    *, season: Season, place: Place, dates: list[datetime.date]
) -> dict[datetime.date, LambingTotals]:
    """``lambing_totals(place=place, as_of=date)`` for each of ``dates``, from one
    query: the place's daily rollups up to the latest date, added up in date order."""
    if not dates:
        return {}
    daily = (
        rollups_within(season=season, as_of=max(dates), place=place)
        .values("date")
        .annotate(**sum_columns())
        .order_by("date")
    )
    wanted = sorted(set(dates))
    totals: dict[datetime.date, LambingTotals] = {}
    running = LambingTotals()
    for day in daily:
        while wanted and wanted[0] < day["date"]:
            totals[wanted.pop(0)] = running
        running += totals_from_sums(day)
    for date in wanted:
        totals[date] = running
    return totals


def latest_reviews(
    *, season: Season, as_of: datetime.date, townships: list[Township], user: scoping.User
) -> dict[int, Review]:
    """Per township (by id), its review of the latest date on or before ``as_of``,
    in one query."""
    reviews = scoping.visible(
        user,
        Review.objects.filter(season=season, township__in=townships, as_of__lte=as_of),
    ).select_related("approved_by")
    latest: dict[int, Review] = {}
    for review in reviews.order_by("as_of", "pk"):
        latest[review.township_id] = review
    return latest


def reviews_waiting(
    *, season: Season, user: scoping.User, place: Place | None = None
) -> list[Review]:
    """The townships' counts submitted for review and waiting for ``user`` (an
    official who may approve them; none for anyone else) within ``place``,
    oldest date first, in one query: the official's inbox."""
    if not user.has_perm("livestock.approve_review"):
        return []
    reviews = Review.objects.filter(season=season, state=ReviewState.SUBMITTED)
    level = place._meta.model_name if place is not None else None
    if level in ("village", "herder"):
        return []  # a review stands for a whole township (see review_panel)
    if level is not None:
        path = {"prefecture": "township__county__prefecture", "county": "township__county"}
        reviews = reviews.filter(**{path.get(level, "township"): place.pk})
    reviews = scoping.visible(user, reviews).select_related("township", "changed_by")
    return list(reviews.order_by("as_of", "township__name"))
