"""The figures of the source reports for a place, as they stood on a date."""

import datetime

from django.db.models import Q, QuerySet

from livestock.choices import Metric
from livestock.models import LADDER, LEVEL_OF, Place, ReportedFigure, Season
from livestock.places import scoping

# What a place's summary row shows beside its recorded totals.
REPORTED_METRICS = (
    Metric.EWES,
    Metric.EWES_LAMBED,
    Metric.LAMBS_BORN,
    Metric.LAMB_LOSSES,
    Metric.LAMBS_ALIVE,
)


def figures_exactly_at(
    places: list[Place], *, season: Season, as_of: datetime.date, metrics, user: scoping.User
) -> QuerySet[ReportedFigure]:
    """Figures reported for these places themselves (not for places below them),
    for the season or for no season, on or before ``as_of``, that ``user`` may
    see, oldest first."""
    level = LEVEL_OF[type(places[0])]
    exactly_here = {f"{below.name}__isnull": True for below in LADDER[level.depth + 1 :]}
    figures = scoping.visible(user, ReportedFigure.objects.all())
    return (
        figures.filter(
            Q(season=season) | Q(season__isnull=True),
            **{f"{level.name}__in": places},
            **exactly_here,
            metric__in=metrics,
            as_of__lte=as_of,
        )
        .select_related("report")
        .order_by("as_of", "pk")
    )


def latest_figures(
    *, season: Season, as_of: datetime.date, places: list[Place], user: scoping.User
) -> dict[int, dict[str, ReportedFigure]]:
    """For each place (all of one level), its latest figure per metric on or
    before ``as_of``, reported for the season or for no season."""
    if not places:
        return {}
    level = places[0]._meta.model_name
    figures = figures_exactly_at(
        places, season=season, as_of=as_of, metrics=REPORTED_METRICS, user=user
    )
    by_place: dict[int, list[ReportedFigure]] = {}
    for figure in figures:
        by_place.setdefault(getattr(figure, f"{level}_id"), []).append(figure)
    return {key: latest_of(place_figures) for key, place_figures in by_place.items()}


def latest_of(figures: list[ReportedFigure]) -> dict[str, ReportedFigure]:
    """The latest of each metric among one place's figures, oldest first."""
    return {figure.metric: figure for figure in figures}


def reported_for(
    *, season: Season, as_of: datetime.date, place: Place, metric: str, user: scoping.User
) -> list[ReportedFigure]:
    """Every figure of ``metric`` reported for ``place`` itself on or before ``as_of``."""
    figures = figures_exactly_at([place], season=season, as_of=as_of, metrics=[metric], user=user)
    return list(figures)


def reported_as_of_each(
    *, season: Season, place: Place, dates: list[datetime.date], user: scoping.User
) -> dict[datetime.date, dict[str, ReportedFigure]]:
    """For each of ``dates``, the latest figure per metric reported for ``place``
    itself on or before it (as ``place_summary``'s rows hold them), from one
    query: a herder's page shows, on each date's row, what its chart shows."""
    if not dates:
        return {}
    figures = list(
        figures_exactly_at(
            [place], season=season, as_of=max(dates), metrics=REPORTED_METRICS, user=user
        )
    )
    by_date = {}
    for date in dates:
        latest: dict[str, ReportedFigure] = {}
        for figure in figures:  # oldest first: a later one replaces it
            if figure.as_of <= date:
                latest[figure.metric] = figure
        by_date[date] = latest
    return by_date
