"""A place's summary: its own row and a row per place one level below it,
within the user's scope, each with its totals and the latest reported
figures beside them."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from livestock.choices import Metric
from livestock.counting import metrics
from livestock.counting.totals import LambingTotals, RateParts, percent
from livestock.models import LEVEL_OF, County, Place, Prefecture, ReportedFigure, Season
from livestock.places import scoping
from livestock.selectors.figures import (
    REPORTED_METRICS,
    figures_exactly_at,
    latest_figures,
    latest_of,
)
from livestock.selectors.totals import DeskSums, desk_sums_by, lambing_totals_by


class RecordedBesideReported:
    """A row of recorded ``totals`` beside the latest ``reported`` figures (by
    metric): a place's row of a summary, or a herder's record as of one of its
    dates. How much of the reported lambs born the records hold is asked of
    both here, so that a herder's page and its village's page say the same."""

    totals: LambingTotals
    reported: Mapping[str, ReportedFigure]

    @property
    def coverage(self) -> Decimal | None:
        """How much of the reported lambs born the records hold, in %; None
        without a reported figure, or with no household recorded (nothing
        counted, ``LambingTotals.shown``)."""
        figure = self.reported.get(Metric.LAMBS_BORN)
        recorded = self.totals.shown(Metric.LAMBS_BORN)
        if figure is None or recorded is None:
            return None
        return percent(recorded, figure.value)

    @property
    def coverage_parts(self) -> RateParts | None:
        """The coverage with the numbers it divides."""
        figure = self.reported.get(Metric.LAMBS_BORN)
        if figure is None or self.totals.nothing_counted:
            return None
        return RateParts(
            metric=metrics.COVERAGE,
            value=self.coverage,
            numerator=self.totals.lambs_born,
            denominator=figure.number,
            households=self.totals.households,
            of_households=self.totals.households,
        )


@dataclass(frozen=True)
class PlaceRow(RecordedBesideReported):
    """One place of a summary: its recorded totals beside the latest reported
    figures for it (by metric) on or before the summary's date; on the
    officials' pages (``place_summary(desk=True)``) also its totals seven days
    before and the sums of the rollups' other columns, lambs lost by cause and
    households flagged, by column (``totals.DeskSums``): what the cards, the
    flags, completeness and the forecast read."""

    place: Place | None
    totals: LambingTotals
    reported: dict[str, ReportedFigure]
    week_before: LambingTotals | None = None
    counted: Mapping[str, int] = field(default_factory=dict)
    # What of the place the user sees when their grants lie below it
    # (``scoping.parts_seen``): its totals are of those places alone, so whatever
    # names the row names the part (a village's technician's row of 布尔津县).
    part: scoping.PartSeen | None = None

    @property
    def level(self) -> str:
        return self.place._meta.model_name if self.place else ""


@dataclass(frozen=True)
class PlaceSummary:
    """A place's own row (its totals and figures; no place: every county in the
    user's scope together) and a row per place one level below it."""

    season: Season
    as_of: datetime.date
    place: Place | None
    total: PlaceRow
    rows: list[PlaceRow]
    # Every figure reported for the place itself on or before the date (of
    # ``REPORTED_METRICS``), oldest first: ``total.reported`` holds the latest of
    # each, a chart all of them (``reported_for`` without its query).
    figures: list[ReportedFigure] = field(default_factory=list)
    # What of the place the user sees when their grants lie below it
    # (``scoping.part_seen``): every total here is of those places alone.
    part: scoping.PartSeen | None = None

    @property
    def totals(self) -> LambingTotals:
        return self.total.totals

    def reported(self, metric: str) -> list[ReportedFigure]:
        """``figures.reported_for(place=self.place, metric=metric)``, from ``figures``."""
        return [figure for figure in self.figures if figure.metric == metric]


def overview_level(user: scoping.User) -> type[Place]:
    """The rows of the overview, the summary with no place: the counties of the
    user's prefecture, or, for a user who sees more than one prefecture (all
    of Xinjiang's pastoral areas, some fourteen), the prefectures, so that the
    first page stays a short table whatever the size of the region."""
    prefectures = scoping.visible(user, Prefecture.objects.order_by("pk"))
    return Prefecture if len(prefectures[:2]) > 1 else County


def child_level(*, user: scoping.User, place: Place | None) -> type[Place]:
    """The model of the places one level below ``place`` on the ladder; with no
    place, the overview's (``overview_level``)."""
    if place is None:
        return overview_level(user)
    return LEVEL_OF[type(place)].child.model


def places_below(*, user: scoping.User, place: Place | None) -> tuple[list[Place], type[Place]]:
    """The places one level below ``place`` that ``user`` may see, in the order
    they were set up, and their model: the rows of a summary."""
    model = child_level(user=user, place=place)
    children = model.objects.order_by("pk")
    if place is not None:
        children = children.filter(**{LEVEL_OF[model].parent_field: place})
    return list(scoping.visible(user, children)), model


def place_summary(
    *,
    season: Season,
    as_of: datetime.date,
    user: scoping.User,
    place: Place | None = None,
    desk: bool = False,
) -> PlaceSummary:
    """A place's totals and a row per place one level below it (with no place,
    the counties or prefectures of ``overview_level``), all within ``user``'s
    scope, in a constant number of queries: the places, their totals, their
    reported figures and the place's own. With ``desk``, each row also holds
    its totals a week before and its losses by cause and households flagged
    (``PlaceRow``), from the same query: the officials' pages show them all.
    For a reader who sees only part of the place, or of a row's, ``part`` says
    which (``scoping.parts_seen``: no query for most readers)."""
    children, child_model = places_below(user=user, place=place)
    asked = {"season": season, "as_of": as_of, "level": child_model, "place": place, "user": user}
    if desk:
        sums = desk_sums_by(**asked)
    else:
        sums = {
            key: DeskSums(totals, None, {}) for key, totals in lambing_totals_by(**asked).items()
        }
    reported = latest_figures(season=season, as_of=as_of, places=children, user=user)
    nothing = DeskSums(LambingTotals(), LambingTotals() if desk else None, {})

    parts = scoping.parts_seen(user, children)
    part = scoping.part_seen(user, place)

    def row(of: Place | None, sums: DeskSums, figures: dict, seen) -> PlaceRow:
        return PlaceRow(of, sums.totals, figures, sums.week_before, sums.counted, seen)

    rows = [
        row(child, sums.get(child.pk, nothing), reported.get(child.pk, {}), parts.get(child.pk))
        for child in children
    ]
    # Each record lies in exactly one place below, so the place's totals are
    # the sum of theirs: no second pass over the entries.
    own_figures = (
        list(
            figures_exactly_at(
                [place], season=season, as_of=as_of, metrics=REPORTED_METRICS, user=user
            )
        )
        if place
        else []
    )
    return PlaceSummary(
        season=season,
        as_of=as_of,
        place=place,
        total=row(place, sum(sums.values(), nothing), latest_of(own_figures), part),
        rows=rows,
        figures=own_figures,
        part=part,
    )


def ranked_by_progress(rows: list[PlaceRow]) -> list[PlaceRow]:
    """The places of a summary, furthest along first: by the reproduction rate
    so far (lambs born ÷ ewes at the season's start, ``metrics``), the measure
    of lambing progress every place has whatever its size; places with no
    ewes counted last."""
    return sorted(
        rows,
        key=lambda row: (
            row.totals.reproduction_rate is None,
            -(row.totals.reproduction_rate or 0),
            str(row.place),
        ),
    )
