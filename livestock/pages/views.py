"""The officials' pages: a season's summary as of a date, from the counties in
the user's scope down to a herder, with charts and exports.

The URL holds the season, the date and the place, so that a link sent today
opens on the same numbers next month. Every number comes from ``selectors``;
the columns are ``summary_table``'s, shared with the CSV and XLSX.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from livestock.choices import LossCause, Metric
from livestock.counting import metrics, quality
from livestock.counting.totals import LambingTotals
from livestock.i18n import CHINESE
from livestock.models import (
    LEVEL_OF,
    County,
    Herder,
    LambingRecord,
    Place,
    Township,
    Village,
    actions_allowed,
)
from livestock.monitoring import views as monitoring_views
from livestock.pages import charts, summary_table
from livestock.pages.forms import ReviewActionForm, SummaryQuery, place_param
from livestock.pages.out_of_scope import out_of_scope
from livestock.places import scoping
from livestock.selectors.figures import reported_as_of_each, reported_for
from livestock.selectors.records import record_timeline
from livestock.selectors.reviews import latest_reviews, reviews_waiting, township_reviews
from livestock.selectors.summaries import (
    PlaceRow,
    RecordedBesideReported,
    place_summary,
    ranked_by_progress,
)
from livestock.selectors.totals import (
    lambs_born_by_date,
    losses_by_cause,
    losses_from,
    week_on_week,
)
from livestock.services.reviews import review_approve, review_reopen, review_return, review_submit
from livestock.spreadsheets import tables


@dataclass(frozen=True)
class DateRow(RecordedBesideReported):
    """A herder's record as of one date, read by the same columns as a place,
    its coverage of the reported figures too."""

    date: object
    totals: LambingTotals
    reported: dict = field(default_factory=dict)


def place_name(row: PlaceRow) -> str:
    """A summary row's place as the page names it: with the part of it the reader
    sees, when their grants lie below it (a village's technician's 布尔津县 holds
    that village's numbers alone)."""
    return row.part.title() if row.part else str(row.place)


# The totals a review's panel shows, approved beside live.
REVIEW_FIGURES = [
    (column.label, column.key)
    for column in summary_table.COLUMNS
    if column.key in summary_table.SHOWN_COUNTS
]


# The overview's own row and title: its rows are counties or prefectures
# (overview_level).
ALL_YOUR_PLACES = gettext_lazy("All of your places")
COUNTY = LEVEL_OF[County]  # a page's trail goes up to its county


def trail(place: Place | None) -> list[Place]:
    """The place and the places above it up to the county, top first."""
    chain = []
    while place is not None:
        chain.append(place)
        level = LEVEL_OF[type(place)]
        place = getattr(place, level.parent_field) if level.depth > COUNTY.depth else None
    return chain[::-1]


# The downloads of a summary page (``?export=``).
EXPORTS = ("csv", "xlsx")


class SummaryPage(PermissionRequiredMixin, View):
    """The home page once logged in, for a role that may read lambing records."""

    login_url = "admin:login"
    permission_required = "livestock.view_lambingrecord"

    def get(self, request):
        query = SummaryQuery(request.GET, user=request.user)
        if not query.is_valid():
            if query.has_error("place", code="no_such_place"):
                return out_of_scope(request, query)
            return render(request, "livestock/summary.html", {"query": query}, status=400)
        if query.refuse_unknown("export", EXPORTS):
            return render(request, "livestock/summary.html", {"query": query}, status=400)
        season, as_of, place = (query.cleaned_data[name] for name in ("season", "as_of", "place"))
        summary = None
        if isinstance(place, Herder):
            rows, total, children_level = self.herder_rows(request, season, as_of, place), None, ""
        else:
            # With what the cards, the flags, the losses chart, completeness and the
            # forecast read, in the same query as the totals.
            summary = place_summary(
                season=season, as_of=as_of, place=place, user=request.user, desk=True
            )
            rows, total = summary.rows, summary.total
            children_level = summary.rows[0].level if summary.rows else ""

        def link(to: Place | None, **changes) -> str:
            params = {"season": season.pk, "as_of": as_of.isoformat(), "place": place_param(to)}
            return "?" + urlencode(
                {key: value for key, value in {**params, **changes}.items() if value}
            )

        export = request.GET.get("export")
        if export in EXPORTS:
            return self.export(export, season, as_of, place, rows, total)
        by_place = bool(rows) and not isinstance(place, Herder)
        flag_counts = (
            quality.flag_counts_of(summary)
            if by_place
            else quality.flag_counts(
                season=season,
                as_of=as_of,
                place=None if isinstance(place, Herder) else place,
                user=request.user,
            )
        )
        flagged = flag_counts.by_place
        townships = [row.place for row in rows if isinstance(getattr(row, "place", None), Township)]
        reviews = latest_reviews(season=season, as_of=as_of, townships=townships, user=request.user)
        table_rows = []
        for row in rows:
            cells = self.table_row(row, link)
            if by_place:
                cells["flagged"] = flagged.get(row.place.pk, 0)
                cells["review"] = reviews.get(row.place.pk)
            table_rows.append(cells)
        total_row = self.table_row(total, link, is_total=True) if total else None
        if total_row is not None and by_place:
            total_row["flagged"] = sum(flagged.values())
        cards = (
            self.cards(request, season, as_of, place, total)
            if not isinstance(place, Herder)
            else None
        )
        context = {
            "query": query.shown(),
            "cards": cards,
            "ranked": [
                {"label": place_name(row), "url": link(row.place), "cell": self.progress_cell(row)}
                for row in ranked_by_progress(rows)
            ]
            if by_place and len(rows) > 1
            else [],
            "inbox": [
                (review, link(review.township, as_of=review.as_of.isoformat()))
                for review in reviews_waiting(season=season, user=request.user, place=place)
            ]
            if not isinstance(place, Herder | Village)
            else [],
            "season": season,
            "as_of": as_of,
            "place": place,
            # The place with the part of it this user sees, when it is a part.
            "heading": summary.part.title() if summary and summary.part else "",
            "trail": [(crumb, link(crumb)) for crumb in trail(place)],
            "overview_link": link(None),
            "columns": summary_table.COLUMNS,
            "rows": table_rows,
            "total": total_row,
            "by_place": by_place,
            "by_township": bool(townships),
            "flag_counts": self.flag_list(request, season, as_of, place, flag_counts),
            "review": self.review_panel(request, season, as_of, place),
            "children_level": children_level,
            "rows_by_date": isinstance(place, Herder),
            "csv_link": link(place, export="csv"),
            "xlsx_link": link(place, export="xlsx"),
            "charts": self.charts(request, season, as_of, place, rows, summary),
            "monitoring": monitoring_views.summary_section(request=request, summary=summary)
            if summary is not None
            else None,
        }
        return render(request, "livestock/summary.html", context)

    def cards(self, request, season, as_of, place, total) -> list[dict]:
        """Lambs born, survival and losses as of the date, each with its change
        since seven days before (``week_on_week``)."""
        weeks = week_on_week(
            season=season,
            as_of=as_of,
            user=request.user,
            place=place,
            now=total.totals if total else None,
            before=total.week_before if total else None,
        )
        cards = []
        for code in ("lambs_born", "survival_rate", "lamb_losses"):
            column = summary_table.COLUMN_BY_KEY[code]
            change = weeks.now.change_since(weeks.week_before, code)
            cards.append(
                {
                    "label": column.label,
                    "cell": summary_table.cell(column, DateRow(as_of, weeks.now)),
                    "change": summary_table.change_text(column, change),
                    "since": weeks.week_before_date,
                }
            )
        return cards

    def progress_cell(self, row):
        return summary_table.cell(summary_table.COLUMN_BY_KEY["reproduction_rate"], row)

    def flag_list(self, request, season, as_of, place, counts) -> list[tuple[str, int]]:
        """Households with each data-quality flag within the page's place (for a
        herder: the flags of their record, as 1)."""
        if isinstance(place, Herder):
            record = (
                scoping.visible(request.user, LambingRecord.objects.filter(season=season))
                .filter(herder=place)
                .first()
            )
            flags = quality.record_flags(record, as_of=as_of) if record else []
            return [(flag.label, 1) for flag in flags]
        return [(flag.label, counts.by_flag[flag.key]) for flag in quality.FLAGS]

    def review_panel(self, request, season, as_of, place) -> dict | None:
        """On a township's page: its reviews with the approved and live figures,
        and the forms for what this user may do next."""
        if not isinstance(place, Township):
            return None
        if not scoping.within(request.user, Township.objects.filter(pk=place.pk)).exists():
            return None  # a village's user signs off nothing of the township
        reviews = township_reviews(season=season, township=place, user=request.user)
        on_date = next((row.review for row in reviews if row.review.as_of == as_of), None)
        user = request.user
        return {
            "reviews": [
                {
                    "review": row.review,
                    "actions": actions_allowed(user, row.review.state),
                    "changed_since": row.changed_since,
                    "figures": [
                        (label, row.approved.shown(name), row.live.shown(name))
                        for label, name in REVIEW_FIGURES
                    ]
                    if row.approved
                    else [],
                }
                for row in reviews
            ],
            "can_submit": "submit" in actions_allowed(user, on_date.state if on_date else None),
            "action_url": reverse("review"),
            "as_of": as_of,
        }

    def herder_rows(self, request, season, as_of, herder) -> list[DateRow]:
        records = scoping.visible(request.user, LambingRecord.objects.filter(season=season))
        record = records.filter(herder=herder).first()
        if record is None:
            return []
        timeline = [(date, totals) for date, totals in record_timeline(record=record)]
        dates = [date for date, _totals in timeline if date <= as_of]
        reported = reported_as_of_each(season=season, place=herder, dates=dates, user=request.user)
        return [DateRow(date, totals, reported[date]) for date, totals in timeline if date <= as_of]

    def table_row(self, row, link, is_total: bool = False) -> dict:
        place = getattr(row, "place", None)
        if isinstance(row, DateRow):
            label, url = row.date.isoformat(), ""
        elif is_total:
            label, url = (place_name(row) if place else str(ALL_YOUR_PLACES)), ""
        else:
            label, url = place_name(row), link(place)
        cells = [summary_table.cell(column, row) for column in summary_table.COLUMNS]
        # A place with no household says so once, under its name; its cells are "—".
        nothing_counted = metrics.no_households_text() if row.totals.nothing_counted else ""
        return {"label": label, "url": url, "cells": cells, "nothing_counted": nothing_counted}

    def charts(self, request, season, as_of, place, rows, summary) -> list:
        series = lambs_born_by_date(season=season, as_of=as_of, user=request.user, place=place)
        if series and series[0][0] > season.start_date:
            series.insert(0, (season.start_date, 0))  # nothing is born before the season
        figures = []
        if summary is not None:
            figures = summary.reported(Metric.LAMBS_BORN)  # read with the place's own row
        elif place is not None:
            figures = reported_for(
                season=season,
                as_of=as_of,
                place=place,
                metric=Metric.LAMBS_BORN,
                user=request.user,
            )
        points = [
            charts.ReportedPoint(
                date=figure.as_of,
                value=figure.value,
                qualifier="" if figure.qualifier == "exact" else figure.get_qualifier_display(),
            )
            for figure in figures
        ]
        losses = (
            losses_from(summary.total.counted)
            if summary is not None and summary.total.counted
            else losses_by_cause(season=season, as_of=as_of, user=request.user, place=place)
        )
        made = [
            charts.cumulative_chart(
                series=series,
                points=points,
                start=season.start_date,
                end=season.end_date,
                title=_("Lambs born so far"),
                series_label=_("recorded"),
                points_label=_("reported"),
                empty_text=_("No data yet"),
            ),
            charts.bar_chart(
                bars=[(str(LossCause(cause).label), lost) for cause, lost in losses],
                title=_("Lamb losses by cause"),
                empty_text=_("No losses recorded"),
            ),
        ]
        if rows and not isinstance(rows[0], DateRow):
            made.append(
                charts.bar_chart(
                    bars=[(place_name(row), row.totals.survival_rate) for row in rows],
                    title=_("Lamb survival rate by place"),
                    unit="%",
                    empty_text=_("No survival checks yet"),
                )
            )
        return made

    def export(self, kind, season, as_of, place, rows, total):
        first = (
            [_("date")] if rows and isinstance(rows[0], DateRow) else [_("name"), _("Latin name")]
        )
        data = []
        for row in ([total] if total else []) + list(rows):
            if isinstance(row, DateRow):
                label = [row.date]
            elif row.place is None:
                label = [str(ALL_YOUR_PLACES), ""]
            elif row.part:
                # The two columns' languages: the name as written, the Latin name.
                label = [row.part.title_in(CHINESE), row.part.title_in("en")]
            else:
                label = [row.place.name, row.place.name_latin]
            data.append(label + summary_table.export_values(row))
        part = total.part if total else None  # a herder's dates have no total
        where = part.title() if part else str(place or ALL_YOUR_PLACES)
        return tables.table_file(
            kind=kind,
            filename=f"lambing-{season.start_date:%Y}-{season.kind}-{as_of:%Y%m%d}",
            context=[
                (_("season"), season.name),
                (_("as of"), as_of.isoformat()),
                (_("place"), where),
                (_("generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
                *summary_table.definition_lines(),
            ],
            headers=first + summary_table.export_headers(),
            rows=data,
        )


class MetricsPage(PermissionRequiredMixin, View):
    """What each figure of the summaries is: ``livestock.counting.metrics``, the same
    definitions ``/api/v1/metrics/`` serves, for an official to read."""

    login_url = "admin:login"
    permission_required = "livestock.view_lambingrecord"

    def get(self, request):
        return render(
            request,
            "livestock/metrics.html",
            {
                "counts": (*metrics.COUNTS, *(m for m in metrics.MONITORING if not m.is_rate)),
                "rates": (
                    *metrics.RATES,
                    metrics.COVERAGE,
                    *(m for m in metrics.MONITORING if m.is_rate),
                ),
            },
        )


class ReviewAction(PermissionRequiredMixin, View):
    """A change of a township's review state, posted from the township's
    summary page: submit, approve, send back or reopen. The services decide
    who may; this only reads the form and says what happened."""

    login_url = "admin:login"
    permission_required = "livestock.view_review"

    def post(self, request):
        form = ReviewActionForm(request.POST, user=request.user)
        if not form.is_valid():
            for error in form.named_errors():
                messages.error(request, error)
            return HttpResponseRedirect(form.back_link())
        data = form.cleaned_data
        action, review, comment = data["action"], data.get("review"), data["comment"]
        try:
            if action == "submit":
                review_submit(
                    township=data["township"],
                    season=data["season"],
                    as_of=data["as_of"],
                    user=request.user,
                    comment=comment,
                )
            elif action == "approve":
                review_approve(review=review, user=request.user, comment=comment)
            elif action == "return":
                review_return(review=review, user=request.user, comment=comment)
            else:
                review_reopen(review=review, user=request.user, reason=comment)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, ReviewActionForm.DONE[action])
        return HttpResponseRedirect(form.back_link())
