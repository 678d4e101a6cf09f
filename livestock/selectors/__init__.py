"""Reads: totals and rates of a season as of a date, for one place or per place.

Every page, API response and export asks these functions, so they cannot
disagree. Everything is summed in the database, in one query per call,
whatever the number of herders and entries.

As of a date, a record's counts are the sums of its entries dated on or
before it, and its lambs alive are those of its latest survival check on or
before it. An entry dated later never changes an earlier answer.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from livestock.choices import Metric
from livestock.counting import metrics, walk
from livestock.counting.totals import LambingTotals, RateParts, percent
from livestock.models import (
    LADDER,
    LEVEL_NAMED,
    LEVEL_OF,
    County,
    DailyRollup,
    LambingEntry,
    LambingRecord,
    Place,
    Prefecture,
    ReportedFigure,
    Review,
    ReviewState,
    RollupLevel,
    Season,
    Township,
)
from livestock.places import scoping


def record_totals(
    records: Iterable[LambingRecord], *, as_of: datetime.date
) -> dict[int, LambingTotals]:
    """Each record's totals as of the end of ``as_of`` (by id), in one query:
    the sums of its household's rollup rows up to the date, the rows every
    summary reads, made by the record's walk. A record asked about a date
    before it counts (made later, with no entry by then) has none: no
    household, no ewes, as in the summaries."""
    ids = [record.pk for record in records]
    if not ids:
        return {}
    rows = (
        DailyRollup.objects.filter(level=RollupLevel.HERDER, record__in=ids, date__lte=as_of)
        .order_by()
        .values("record")
        .annotate(**_sums())
    )
    counted = {row["record"]: _totals_from_sums(row) for row in rows}
    return {pk: counted.get(pk, LambingTotals()) for pk in ids}


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
    rows = DailyRollup.objects.filter(
        season=season, level=max(needed, default=RollupLevel.PREFECTURE), date__lte=as_of
    )
    if place is not None:
        rows = rows.filter(**{place._meta.model_name: place.pk})
    if user is not None:
        rows = scoping.visible(user, rows)
    return rows.order_by()


def _sums(names=DailyRollup.COUNT_FIELDS) -> dict[str, Sum]:
    return {SUM_PREFIX + name: Sum(name) for name in names}


def _totals_from_sums(row: dict) -> LambingTotals:
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
    return _totals_from_sums(rows.aggregate(**_sums()))


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
        .annotate(**_sums())
        .filter(**{f"{SUM_PREFIX}households__gt": 0})
    )
    return {row[group]: _totals_from_sums(row) for row in rows}


# What a place's summary row shows beside its recorded totals.
REPORTED_METRICS = (
    Metric.EWES,
    Metric.EWES_LAMBED,
    Metric.LAMBS_BORN,
    Metric.LAMB_LOSSES,
    Metric.LAMBS_ALIVE,
)


@dataclass(frozen=True)
class PlaceRow:
    """One place of a summary: its recorded totals beside the latest reported
    figures for it (by metric) on or before the summary's date."""

    place: Place | None
    totals: LambingTotals
    reported: dict[str, ReportedFigure]

    @property
    def level(self) -> str:
        return self.place._meta.model_name if self.place else ""

    @property
    def coverage(self) -> Decimal | None:
        """How much of the reported lambs born the records hold, in %."""
        figure = self.reported.get(Metric.LAMBS_BORN)
        if figure is None:
            return None
        return percent(self.totals.lambs_born, figure.value)

    @property
    def coverage_parts(self) -> RateParts | None:
        """The coverage with the numbers it divides."""
        figure = self.reported.get(Metric.LAMBS_BORN)
        if figure is None:
            return None
        return RateParts(
            metric=metrics.COVERAGE,
            value=self.coverage,
            numerator=self.totals.lambs_born,
            denominator=figure.value,
            households=self.totals.households,
            of_households=self.totals.households,
        )


@dataclass(frozen=True)
class PlaceSummary:
    """A place's own row (its totals and figures; no place: every county in the
    user's scope together) and a row per place one level below it."""

    season: Season
    as_of: datetime.date
    place: Place | None
    total: PlaceRow
    rows: list[PlaceRow]

    @property
    def totals(self) -> LambingTotals:
        return self.total.totals


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
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> PlaceSummary:
    """A place's totals and a row per place one level below it (with no place,
    the counties or prefectures of ``overview_level``), all within ``user``'s
    scope, in a constant number of queries: the places, their totals, their
    reported figures and the place's own."""
    children, child_model = places_below(user=user, place=place)
    totals = lambing_totals_by(
        season=season, as_of=as_of, level=child_model, place=place, user=user
    )
    reported = _latest_figures(season=season, as_of=as_of, places=children, user=user)
    rows = [
        PlaceRow(child, totals.get(child.pk, LambingTotals()), reported.get(child.pk, {}))
        for child in children
    ]
    # Each record lies in exactly one place below, so the place's totals are
    # the sum of theirs: no second pass over the entries.
    own_totals = sum(totals.values(), LambingTotals())
    own_figures = _latest_figures(
        season=season, as_of=as_of, places=[place] if place else [], user=user
    )
    return PlaceSummary(
        season=season,
        as_of=as_of,
        place=place,
        total=PlaceRow(place, own_totals, own_figures.get(place.pk, {}) if place else {}),
        rows=rows,
    )


def _latest_figures(
    *, season: Season, as_of: datetime.date, places: list[Place], user: scoping.User
) -> dict[int, dict[str, ReportedFigure]]:
    """For each place (all of one level), its latest figure per metric on or
    before ``as_of``, reported for the season or for no season."""
    if not places:
        return {}
    level = places[0]._meta.model_name
    figures = _figures_exactly_at(
        places, season=season, as_of=as_of, metrics=REPORTED_METRICS, user=user
    )
    latest: dict[int, dict[str, ReportedFigure]] = {}
    for figure in figures:
        latest.setdefault(getattr(figure, f"{level}_id"), {})[figure.metric] = figure
    return latest


def record_timeline(*, record: LambingRecord) -> list[tuple[datetime.date, LambingTotals]]:
    """A record's totals and rates as of each date it has entries for, oldest
    first, from one query: the record's walk (``counting/walk.py``), which the
    rollups are made by too, so each row equals
    ``lambing_totals(place=herder, as_of=date)`` (a test holds the two together)."""
    entries = LambingEntry.objects.filter(record=record).order_by("date", "pk")
    facts = walk.RecordFacts(ewes_at_start=record.ewes_at_start)
    return [(day.date, day.totals) for day in walk.timeline(facts, entries)]


@dataclass(frozen=True)
class TwoChecksADay:
    """A record's day holding more than one survival check: its lambs alive, in
    the order they were typed."""

    record: LambingRecord
    date: datetime.date
    lambs_alive: list[int]


def records_with_two_checks_a_day() -> list[TwoChecksADay]:
    """The days of records holding more than one survival check (stored before
    the one-check rule, ``rules.TWO_CHECKS_ONE_DAY``), by record and date: what
    ``manage.py check_records`` lists. Two queries, whatever the number of records."""
    checks = LambingEntry.objects.filter(lambs_alive__isnull=False)
    days = (
        checks.order_by()
        .values("record", "date")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("record", "date")
    )
    wanted = set(days)
    if not wanted:
        return []
    records = {record_id for record_id, _date in wanted}
    alive: dict[tuple[int, datetime.date], list[int]] = {}
    found = (
        checks.filter(record__in=records)
        .select_related("record__herder", "record__season")
        .order_by("record", "date", "pk")
    )
    by_key = {}
    for entry in found:
        key = (entry.record_id, entry.date)
        if key in wanted:
            alive.setdefault(key, []).append(entry.lambs_alive)
            by_key[key] = entry.record
    return [TwoChecksADay(by_key[key], key[1], alive[key]) for key in sorted(alive)]


def _figures_exactly_at(
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
        **_sums(DailyRollup.CAUSE_FIELDS)
    )
    lost = [
        (name.removeprefix("lost_"), sums[SUM_PREFIX + name] or 0)
        for name in DailyRollup.CAUSE_FIELDS
    ]
    return sorted(
        ((cause, count) for cause, count in lost if count > 0), key=lambda item: (-item[1], item[0])
    )


def reported_for(
    *, season: Season, as_of: datetime.date, place: Place, metric: str, user: scoping.User
) -> list[ReportedFigure]:
    """Every figure of ``metric`` reported for ``place`` itself on or before ``as_of``."""
    figures = _figures_exactly_at([place], season=season, as_of=as_of, metrics=[metric], user=user)
    return list(figures)


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
        .annotate(**_sums())
        .order_by("date")
    )
    wanted = sorted(set(dates))
    totals: dict[datetime.date, LambingTotals] = {}
    running = LambingTotals()
    for day in daily:
        while wanted and wanted[0] < day["date"]:
            totals[wanted.pop(0)] = running
        running += _totals_from_sums(day)
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


@dataclass(frozen=True)
class WeekOnWeek:
    """A place's totals as of a date beside those seven days before, for the
    officials' cards (lambs born, survival, losses and their change)."""

    now: LambingTotals
    week_before: LambingTotals
    week_before_date: datetime.date


def week_on_week(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None, now=None
) -> WeekOnWeek:
    """``now`` (the place's totals as of ``as_of``, when the caller has them)
    beside the totals seven days before, in one query."""
    before = as_of - datetime.timedelta(days=7)
    if now is None:
        now = lambing_totals(season=season, as_of=as_of, place=place, user=user)
    earlier = lambing_totals(season=season, as_of=before, place=place, user=user)
    return WeekOnWeek(now=now, week_before=earlier, week_before_date=before)


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


def reported_as_of_each(
    *, season: Season, place: Place, dates: list[datetime.date], user: scoping.User
) -> dict[datetime.date, dict[str, ReportedFigure]]:
    """For each of ``dates``, the latest figure per metric reported for ``place``
    itself on or before it (as ``place_summary``'s rows hold them), from one
    query: a herder's page shows, on each date's row, what its chart shows."""
    if not dates:
        return {}
    figures = list(
        _figures_exactly_at(
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
