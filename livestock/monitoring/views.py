"""The officials' monitoring pages: the bulletin (HTML and PDF), the outliers,
the reporting page (completeness, timeliness, the townships' last counts),
and the completeness and forecast section of the summary pages.

They read the same query as the summary pages (``forms.SummaryQuery``:
season, date and a place within the user's scope; a place outside it is
refused the same way) and hold no rule: every number comes from this
package's selectors.
"""

from urllib.parse import urlencode

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views import View

from livestock.i18n import number_text
from livestock.models import Place, Season, Township
from livestock.monitoring import bulletin, completeness, forecast, outliers, pdf, places
from livestock.monitoring.summary import PlaceMonitoring, summary_monitoring
from livestock.pages.forms import PLACE_LEVELS, SummaryQuery, place_param
from livestock.pages.out_of_scope import out_of_scope
from livestock.places import scoping
from livestock.selectors.summaries import PlaceSummary

# The bulletin and the outliers are written for places, not for one household.
PLACE_LEVELS_ABOVE_HERDER = tuple(level for level in PLACE_LEVELS if level != "herder")


def page_link(name: str, *, season: Season, as_of, place: Place | None, **more) -> str:
    params = {"season": season.pk, "as_of": as_of.isoformat(), "place": place_param(place)}
    params.update(more)
    return reverse(name) + "?" + urlencode({key: value for key, value in params.items() if value})


def part_heading(user, place: Place | None) -> str:
    """The page's place with the part of it the user sees, when their places lie
    below it (``scoping.part_seen``); else empty, and the page names the place."""
    part = scoping.part_seen(user, place)
    return part.title() if part else ""


class MonitoringPage(PermissionRequiredMixin, View):
    """What the bulletin and the outliers share: who may read them and their query."""

    login_url = "admin:login"
    permission_required = "livestock.view_lambingrecord"
    template_name = ""
    # The forms of the page (``?format=``); any other is refused, not ignored:
    # a page that answered HTML to ``?format=csv`` would not be what was asked for.
    formats: tuple[str, ...] = ("html",)

    def get(self, request):
        query = SummaryQuery(request.GET, user=request.user, levels=PLACE_LEVELS_ABOVE_HERDER)
        if not query.is_valid():
            if query.has_error("place", code="no_such_place"):
                return out_of_scope(request, query)
            return render(request, self.template_name, {"query": query}, status=400)
        if query.refuse_unknown("format", self.formats):
            return render(request, self.template_name, {"query": query}, status=400)
        season, as_of, place = (query.cleaned_data[name] for name in ("season", "as_of", "place"))
        context = {
            "query": query.shown(),
            "season": season,
            "as_of": as_of,
            "place": place,
            "summary_link": page_link("summary", season=season, as_of=as_of, place=place),
            "bulletin_link": page_link("bulletin", season=season, as_of=as_of, place=place),
            "outliers_link": page_link("outliers", season=season, as_of=as_of, place=place),
            "reporting_link": page_link("reporting", season=season, as_of=as_of, place=place),
        }
        return self.respond(request, context)

    def respond(self, request, context):
        raise NotImplementedError


class BulletinPage(MonitoringPage):
    """``/bulletin/?season=&as_of=&place=``: the bulletin, printable; with
    ``format=pdf``, the same document as a PDF."""

    template_name = "livestock/bulletin.html"
    formats = ("html", "pdf")

    def respond(self, request, context):
        written = bulletin.write_bulletin(
            season=context["season"],
            as_of=context["as_of"],
            place=context["place"],
            user=request.user,
        )
        context.update(
            bulletin=written,
            method=forecast.METHOD,
            pdf_link=page_link(
                "bulletin",
                season=context["season"],
                as_of=context["as_of"],
                place=context["place"],
                format="pdf",
            ),
        )
        if request.GET.get("format") == "pdf":
            html = render_to_string("livestock/bulletin_pdf.html", context, request=request)
            response = HttpResponse(pdf.pdf_from_html(html), content_type="application/pdf")
            filename = f"bulletin-{context['as_of']:%Y%m%d}.pdf"
            response["Content-Disposition"] = f'inline; filename="{filename}"'
            return response
        return render(request, self.template_name, context)


class OutliersPage(MonitoringPage):
    """``/outliers/?season=&as_of=&place=``: households that stand out in their
    township, and townships whose losses jumped in the last days."""

    template_name = "livestock/outliers.html"

    def respond(self, request, context):
        asked = {name: context[name] for name in ("season", "as_of", "place")}
        context.update(
            heading=part_heading(request.user, context["place"]),
            outliers=outliers.household_outliers(user=request.user, **asked),
            spikes=outliers.loss_spikes(user=request.user, **asked),
            z_limit=outliers.Z_LIMIT,
            chance_in=number_text(round(1 / outliers.CHANCE_LIMIT)),
            min_peers=outliers.MIN_PEERS,
            spike_days=outliers.SPIKE_DAYS,
            spike_factor=outliers.SPIKE_FACTOR,
            spike_min_losses=outliers.SPIKE_MIN_LOSSES,
        )
        return render(request, self.template_name, context)


class ReportingPage(MonitoringPage):
    """``/reporting/?season=&as_of=&place=``: which places report, and on time:
    completeness, timeliness and each township's last count, per place one
    level down."""

    template_name = "livestock/reporting.html"

    def respond(self, request, context):
        season, as_of, place = (context[name] for name in ("season", "as_of", "place"))
        user = request.user
        children, child_model = places.places_below(user=user, place=place)
        asked = {"season": season, "as_of": as_of, "user": user, "place": place}
        reporting = completeness.completeness_by(**asked, level=child_model)
        timely = completeness.timeliness_by(**asked, level=child_model)
        townships = [child for child in children if isinstance(child, Township)]
        if isinstance(place, Township):
            townships.append(place)
        last = completeness.last_counts(season=season, as_of=as_of, user=user, townships=townships)
        context.update(
            heading=part_heading(user, place),
            whole=_reporting(
                sum(reporting.values(), completeness.Completeness()),
                sum(timely.values(), completeness.Timeliness()),
            ),
            last_count=last.get(place.pk) if isinstance(place, Township) else None,
            rows=[
                {
                    "place": child,
                    "monitoring": _reporting(
                        reporting.get(child.pk, completeness.Completeness()),
                        timely.get(child.pk, completeness.Timeliness()),
                    ),
                    "last_count": last.get(child.pk),
                }
                for child in children
            ],
            by_township=bool(townships),
            recent_days=completeness.RECENT_DAYS,
            on_time_days=season.on_time_within_days,
        )
        return render(request, self.template_name, context)


def _reporting(
    reporting: completeness.Completeness, timeliness: completeness.Timeliness
) -> PlaceMonitoring:
    """A place's completeness and timeliness as the summary API gives them
    (``PlaceMonitoring.completeness``, ``timeliness_parts``): a place with no
    household has their numbers unknown ("—", why beside it), not 0 of 0."""
    return PlaceMonitoring(
        households=reporting.households,
        reporting=reporting,
        forecast=None,
        timeliness=timeliness,
    )


def summary_section(*, request, summary: PlaceSummary) -> dict:
    """What the summary page shows of reporting and the forecast (the template
    ``livestock/includes/monitoring.html``): the completeness and the forecast
    of the place and of each place one level down that has records, as the
    summary API gives them (``summary.summary_monitoring``, from the page's own
    sums: the page stays as quick as its totals)."""
    season, as_of, place = summary.season, summary.as_of, summary.place
    monitoring = summary_monitoring(summary, user=request.user)
    rows = []
    for row in summary.rows:
        of_place = monitoring.by_place[row.place.pk]
        if of_place.forecast is not None:
            rows.append(
                {
                    "place": row.place,
                    "completeness": of_place.completeness,
                    "forecast": of_place.forecast,
                }
            )
    return {
        "completeness": monitoring.whole.completeness,
        "forecast": monitoring.whole.forecast,
        "rows": rows,
        "recent_days": completeness.RECENT_DAYS,
        "method": forecast.METHOD,
        "bulletin_link": page_link("bulletin", season=season, as_of=as_of, place=place),
        "outliers_link": page_link("outliers", season=season, as_of=as_of, place=place),
        "reporting_link": page_link("reporting", season=season, as_of=as_of, place=place),
    }
