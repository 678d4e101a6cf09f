"""The bureau's bulletin, written from the data:

    截至2月11日，布尔津县已产羔50只（报道1.2万只），产羔率…，成活率…，
    较上周增加…只；进度最慢的乡镇为…

Its sentences follow the page's language: in Chinese they are the bureau's
own phrasing (the Chinese catalog's, exactly as the bureau files it); in
Kazakh (both scripts) and English they are the catalogs' sentences, each with
named placeholders so that a language may put the figures, dates and places in
its own order, and numbers written that language's way (``official_numbers``).
A place's name is a ``Name`` so the page can isolate it (``<bdi>``) in
right-to-left text. The list of figures below the text (what each is, how it
was made) is in the page's language too; a report's own sentence is quoted as
the report wrote it. Every figure in it is marked **recorded** (the sum of the
herders' records, as of the date, with how it was made) or **reported**
(a report's number with its qualifier, its date and its sentence), and
listed below the text with those. Recorded and reported are never added
together: few herders are recorded one by one, so they are two numbers side
by side.

Totals and the forecast come from ``forecast.forecasts`` (the daily rollups,
the same sums as ``place_summary``), the reported figures from
``reported_for``: a constant number of queries for any place.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from livestock.choices import Metric, Qualifier
from livestock.counting.totals import LambingTotals
from livestock.i18n import left_to_right, shown_languages, text_direction
from livestock.models import (
    County,
    Herder,
    Place,
    Prefecture,
    ReportedFigure,
    Season,
    Township,
    Village,
)
from livestock.monitoring import completeness, forecast, official_numbers, places
from livestock.monitoring.official_numbers import grouped
from livestock.places import scoping
from livestock.selectors.figures import reported_for

RECORDED = "recorded"
REPORTED = "reported"

# What a place's children are called in a bulletin.
CHILD_NOUN = {
    Prefecture: pgettext_lazy("bulletin", "prefecture"),
    County: pgettext_lazy("bulletin", "county or city"),
    Township: pgettext_lazy("bulletin", "township"),
    Village: pgettext_lazy("bulletin", "village"),
    Herder: pgettext_lazy("bulletin", "herder household"),
}

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Name(str):
    """A place's name or a date inside a sentence: isolated (``<bdi>``) in
    right-to-left text, so that 布尔津县 or 2025-02-11 keeps its own order and a
    date is not broken at its hyphens."""

    is_name = True


class Beside(str):
    """A sentence in the language written beside the page's (Chinese beside
    Kazakh, English beside Chinese): marked with its own language and
    direction, so that Chinese inside Kazakh written right to left keeps its
    order and its full stop at its end."""

    is_beside = True

    def __new__(cls, text: str, *, language: str) -> "Beside":
        made = super().__new__(cls, text)
        made.language = html_language(language)
        made.direction = text_direction(language)
        return made


def day(date: datetime.date) -> Name:
    """A date as the sentences write it (2月11日, 2025-02-11, 11 February)."""
    return Name(official_numbers.month_day(date))


def sentence(template: str, **values: "str | Figure") -> list["str | Figure"]:
    """A translated sentence's parts: its words, and each named placeholder's value
    (a Figure stays a Figure, a Name a Name) wherever the language put it."""
    parts: list[str | Figure] = []
    for index, piece in enumerate(PLACEHOLDER.split(template)):
        if index % 2:
            parts.append(values[piece])
        elif piece:
            parts.append(piece)
    return parts


def full_stop() -> str:
    """A sentence's last mark: 。 in Chinese (the context tells translators what it is)."""
    return pgettext("bulletin: the end of a sentence", ".")


def records_of(households: int) -> str:
    return ngettext(
        "the record of %(households)s household",
        "the sum of %(households)s households' records",
        households,
    ) % {"households": grouped(households)}


def share_done_in(place: str) -> str:
    return gettext("%(place)s: share done") % {"place": place}


def share_division(made: forecast.Forecast) -> str:
    """What a share done divides, in numbers an official checks with a calculator."""
    return gettext(
        "lambs born in the households that gave their ewes %(lambs)s ÷ lambs expected %(expected)s"
    ) % {
        "lambs": grouped(made.totals.lambs_born_where_ewes_counted),
        "expected": grouped(made.lambs_expected),
    }


def html_language(language: str | None = None) -> str:
    """The ``lang`` of the bulletin's text (in ``language``, or the active one)."""
    return {"kk-arab": "kk-Arab", "kk": "kk", "en": "en"}.get(
        language or translation.get_language(), "zh-Hans"
    )


@dataclass(frozen=True)
class Figure:
    """One number of the bulletin, with where it comes from."""

    number: int
    text: str  # as the sentence writes it: 1.2万只, 125.0%
    what: str
    source: str  # RECORDED or REPORTED
    as_of: datetime.date
    exact: str = ""  # the number in full: 12,000
    qualifier: str = ""
    basis: str = ""  # how a recorded figure was made
    quote: str = ""
    report: str = ""

    @property
    def is_reported(self) -> bool:
        return self.source == REPORTED


@dataclass
class Bulletin:
    season: Season
    as_of: datetime.date
    place: Place | None
    place_name: str
    paragraphs: list[list[str | Figure]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    behind: list[tuple[str, Figure]] = field(default_factory=list)
    language: str = "zh-Hans"
    direction: str = "ltr"
    # What of the place the reader sees, when their places lie below it.
    part: scoping.PartSeen | None = None

    @property
    def dated(self) -> str:
        return official_numbers.full_date(self.as_of)

    def text(self) -> str:
        """The bulletin as plain text (the figures as written)."""
        return "\n".join(
            "".join(part.text if isinstance(part, Figure) else part for part in paragraph)
            for paragraph in self.paragraphs
        )


class _Writer:
    """Numbers the figures in the order the sentences use them."""

    def __init__(self, bulletin: Bulletin):
        self.bulletin = bulletin

    def recorded(self, value: int | None, what: str, basis: str, unit: str = "只") -> Figure:
        """A recorded count; None ("—") where none of the households has it."""
        return self._add(
            text=official_numbers.recorded(value, unit),
            what=what,
            source=RECORDED,
            as_of=self.bulletin.as_of,
            exact=official_numbers.recorded(None) if value is None else grouped(value),
            basis=basis,
        )

    def rate(self, value, what: str, basis: str) -> Figure:
        return self._add(
            text=official_numbers.percent(value),
            what=what,
            source=RECORDED,
            as_of=self.bulletin.as_of,
            exact=official_numbers.percent(value),
            basis=basis,
        )

    def metric_rate(self, totals: LambingTotals, code: str) -> Figure:
        """A rate of the metric registry, with its definition, numerator and
        denominator, and the households it counts; with nothing to divide by,
        why it is unknown ("—"), never a division by zero."""
        parts = totals.rate_parts(code)
        metric = parts.metric
        if parts.value is None:
            reason = parts.why_unknown or gettext("no rate yet, as the number it divides by is 0")
            basis = gettext("%(formula)s: %(reason)s") % {
                "formula": metric.formula,
                "reason": reason,
            }
        else:
            # The division read left to right in a right-to-left bulletin too, where
            # "56 ÷ 40" came out "40 ÷ 56".
            division = left_to_right(f"{grouped(parts.numerator)} ÷ {grouped(parts.denominator)}")
            basis = gettext("%(formula)s = %(division)s; %(households)s") % {
                "formula": metric.formula,
                "division": division,
                "households": metric.households,
            }
        return self.rate(parts.value, str(metric.name), basis)

    def reported(self, figure: ReportedFigure, what: str) -> Figure:
        qualifier = "" if figure.qualifier == Qualifier.EXACT else figure.get_qualifier_display()
        return self._add(
            text=official_numbers.reported(
                figure.value, qualifier=figure.qualifier, quote=figure.quote
            ),
            what=what,
            source=REPORTED,
            as_of=figure.as_of,
            exact=grouped(figure.value),
            qualifier=str(qualifier),
            quote=figure.quote,
            report=figure.report.title,
        )

    def _add(self, **values) -> Figure:
        made = Figure(number=len(self.bulletin.figures) + 1, **values)
        self.bulletin.figures.append(made)
        return made


def _latest(figures: list[ReportedFigure]) -> ReportedFigure | None:
    return figures[-1] if figures else None


def write_bulletin(
    *, season: Season, as_of: datetime.date, user: scoping.User, place: Place | None = None
) -> Bulletin:
    """The bulletin of ``place`` (with none: all of ``user``'s places) as of ``as_of``."""
    below, child_model = places.places_below(user=user, place=place)
    children = {child.pk: child for child in below}
    previous = forecast.previous_season(season)
    whole, by_child = forecast.forecasts(
        season=season,
        as_of=as_of,
        user=user,
        place=place,
        level=child_model,
        previous=previous,
    )
    reported = {}
    if place is not None:
        for metric in (Metric.LAMBS_BORN, Metric.EWES):
            reported[metric] = _latest(
                reported_for(season=season, as_of=as_of, place=place, metric=metric, user=user)
            )
    # A reader whose places lie below the place reads the sentences of their part,
    # named as such: the figures are theirs, never said of the whole place. (The
    # place's own reported figures are not theirs to read: ``scoping.visible``.)
    part = scoping.part_seen(user, place)
    if part is not None:
        name = Name(part.in_sentence())
    else:
        name = Name(place.name if place else pgettext("bulletin", "all places under it"))
    bulletin = Bulletin(
        season=season,
        as_of=as_of,
        place=place,
        place_name=name,
        part=part,
        language=html_language(),
        direction=text_direction(),
    )
    totals = whole.totals
    write = _Writer(bulletin)
    if totals.nothing_counted:
        _write_nothing_recorded(bulletin, write, name=name, reported=reported)
        return bulletin

    first = sentence(
        ngettext(
            "As of %(date)s, %(place)s had %(lambs)s lamb born",
            "As of %(date)s, %(place)s had %(lambs)s lambs born",
            totals.lambs_born,
        ),
        date=day(as_of),
        place=name,
        lambs=write.recorded(
            totals.shown("lambs_born"),
            pgettext("bulletin: what a figure is", "lambs born"),
            records_of(totals.households),
        ),
    )
    if reported.get(Metric.LAMBS_BORN):
        figure = reported[Metric.LAMBS_BORN]
        first += sentence(
            gettext(" (reported %(number)s, %(date)s)"),
            number=write.reported(
                figure, pgettext("bulletin: what a figure is", "lambs born (reported)")
            ),
            date=day(figure.as_of),
        )
    first += sentence(
        gettext(", lambing rate %(rate)s"), rate=write.metric_rate(totals, "lambing_rate")
    )
    first += sentence(
        gettext(", lamb survival rate %(rate)s"),
        rate=write.metric_rate(totals, "survival_rate"),
    )
    first += sentence(
        gettext(", %(lambs)s more than a week before"),
        lambs=write.recorded(
            whole.born_this_week,
            pgettext("bulletin: what a figure is", "lambs born in the last 7 days"),
            gettext("lambs born as of %(date)s less those as of %(before)s")
            % {"date": day(as_of), "before": day(whole.week_before)},
        ),
    )
    ranked = sorted(
        (
            (child_forecast.share_done, children[key], child_forecast)
            for key, child_forecast in by_child.items()
            if key in children and child_forecast.share_done is not None
        ),
        key=lambda item: (item[0], item[1].pk),
    )
    # The slowest of two or more: a place with one below it has none slower.
    if len(ranked) > 1:
        share, slowest, slowest_forecast = ranked[0]
        first += sentence(
            gettext("; the slowest %(level)s is %(place)s (%(share)s done)"),
            level=str(CHILD_NOUN[child_model]),
            place=Name(slowest.name),
            share=write.rate(
                share,
                share_done_in(slowest.name),
                share_division(slowest_forecast),
            ),
        )
    first.append(full_stop())
    bulletin.paragraphs.append(first)

    reporting = completeness.completeness_by(
        season=season, as_of=as_of, user=user, place=place
    ).get(None, completeness.Completeness())
    second = sentence(
        ngettext(
            "%(place)s has %(households)s herder household on file, "
            "%(reporting)s with counts in the last %(days)s days",
            "%(place)s has %(households)s herder households on file, "
            "%(reporting)s of them with counts in the last %(days)s days",
            totals.households,
        ),
        place=name,
        households=grouped(totals.households),
        days=str(completeness.RECENT_DAYS),
        reporting=write.recorded(
            reporting.households_reporting,
            pgettext("bulletin: what a figure is", "households with counts in the last 7 days"),
            gettext("households on file with a count dated in the last 7 days"),
            unit="户",
        ),
    )
    second += sentence(
        gettext(" (reporting completeness %(rate)s)"),
        rate=write.rate(
            reporting.completeness,
            pgettext("bulletin: what a figure is", "reporting completeness"),
            gettext(
                "households with counts in the last 7 days %(reporting)s"
                " ÷ households on file %(households)s"
            )
            % {
                "reporting": grouped(reporting.households_reporting),
                "households": grouped(reporting.households),
            },
        ),
    )
    # The ewes with the households they cover (those that gave their ewes), as
    # the summary's cell says it: 3,000 ewes may be the village's or a third.
    ewes_covered = totals.count_parts("ewes")
    second += sentence(
        gettext("; ewes at the season's start %(ewes)s"),
        ewes=write.recorded(
            totals.shown("ewes"),
            pgettext("bulletin: what a figure is", "ewes at the season's start"),
            ngettext(
                "the sum over the %(covered)s of %(households)s household"
                " that gave its ewes at the season's start",
                "the sum over the %(covered)s of %(households)s households"
                " that gave their ewes at the season's start",
                ewes_covered.of_households,
            )
            % {
                "covered": grouped(ewes_covered.households),
                "households": grouped(ewes_covered.of_households),
            },
        ),
    )
    if reported.get(Metric.EWES):
        figure = reported[Metric.EWES]
        second += sentence(
            gettext(" (%(households)s; reported %(number)s)"),
            households=ewes_covered.households_text(),
            number=write.reported(
                figure, pgettext("bulletin: what a figure is", "over-wintering ewes (reported)")
            ),
        )
    else:
        second += sentence(
            pgettext("bulletin: the households a figure covers", " (%(households)s)"),
            households=ewes_covered.households_text(),
        )
    second += sentence(
        gettext("; lambs lost %(lambs)s"),
        lambs=write.recorded(
            totals.shown("lamb_losses"),
            pgettext("bulletin: what a figure is", "lambs lost"),
            records_of(totals.households),
        ),
    )
    second += sentence(
        gettext(", mortality %(rate)s"), rate=write.metric_rate(totals, "mortality_rate")
    )
    second.append(full_stop())
    bulletin.paragraphs.append(second)

    third: list[str | Figure] = []
    if whole.lambs_expected is not None:
        third += sentence(
            ngettext(
                "At the present lambing rate, %(lambs)s lamb is expected this season",
                "At the present lambing rate, %(lambs)s lambs are expected this season",
                whole.lambs_expected,
            ),
            lambs=write.recorded(
                whole.lambs_expected,
                pgettext("bulletin: what a figure is", "lambs expected"),
                gettext("ewes at the season's start %(ewes)s × lambing rate %(rate)s")
                % {
                    "ewes": grouped(totals.ewes),
                    "rate": official_numbers.percent(totals.lambing_rate),
                },
            ),
        )
        third += sentence(
            gettext(", %(share)s of them born"),
            share=write.rate(
                whole.share_done,
                pgettext("bulletin: what a figure is", "share done"),
                share_division(whole),
            ),
        )
        finish = whole.finish_date
        end = day(season.end_date)
        if finish is None:
            third.append(
                gettext("; no lambs recorded in the last 7 days, so no finish date can be told")
            )
        elif whole.on_time:
            third += sentence(
                gettext(
                    ", at the last 7 days' pace finishing about %(finish)s, in time for %(end)s"
                ),
                finish=day(finish),
                end=end,
            )
        else:
            third += sentence(
                gettext(
                    ", at the last 7 days' pace finishing about %(finish)s, "
                    "later than the expected end date %(end)s"
                ),
                finish=Name(official_numbers.full_date(finish)),
                end=end,
            )
        if whole.previous_share_done is not None and previous is not None:
            then, final = whole.previous_lambs_born
            third += sentence(
                gettext(
                    "; by the same day of the previous season (%(season)s) "
                    "%(share)s of its lambs had been born"
                ),
                season=Name(previous.name),
                share=write.rate(
                    whole.previous_share_done,
                    pgettext(
                        "bulletin: what a figure is", "share done by the same day last season"
                    ),
                    gettext(
                        "lambs born by the same day last season %(then)s"
                        " ÷ lambs born in the whole of last season %(final)s"
                    )
                    % {"then": grouped(then), "final": grouped(final)},
                ),
            )
        third.append(full_stop())
        bulletin.paragraphs.append(third)

    behind: list[str | Figure] = []
    for key, child_forecast in sorted(by_child.items()):
        if key in children and child_forecast.behind_curve:
            child = children[key].name
            figure = write.rate(
                child_forecast.share_done,
                share_done_in(child),
                gettext(
                    "%(division)s; more than %(points)s percentage points below"
                    " %(place)s as a whole (%(share)s)"
                )
                % {
                    "division": share_division(child_forecast),
                    "points": forecast.BEHIND_BY,
                    "place": name,
                    "share": official_numbers.percent(whole.share_done),
                },
            )
            bulletin.behind.append((child, figure))
            if behind:
                behind.append(pgettext("bulletin: between two places of a list", ", "))
            behind += sentence(
                gettext("%(place)s (%(share)s done)"), place=Name(child), share=figure
            )
    if behind:
        bulletin.paragraphs.append(
            [
                *sentence(
                    gettext("Behind %(place)s as a whole (%(level)s): "),
                    place=name,
                    level=str(CHILD_NOUN[child_model]),
                ),
                *behind,
                full_stop(),
            ]
        )
    return bulletin


def _write_nothing_recorded(
    bulletin: Bulletin, write: _Writer, *, name: Name, reported: dict
) -> None:
    """The bulletin of a place with no herder household on file: a sentence that
    says so, in the page's two languages (Chinese with English beside it, or
    Kazakh with Chinese, as ``metrics.no_households_text``), rather than a
    "—" for every count and rate; then the reports' figures for it, if any."""
    first, beside = shown_languages()
    said = []
    for language in (first, beside):
        with translation.override(language):
            said.append(
                sentence(
                    gettext(
                        "As of %(date)s, no herder household is registered in %(place)s,"
                        " so nothing is recorded there."
                    ),
                    date=day(bulletin.as_of),
                    place=name,
                )
            )
    bulletin.paragraphs.append([*said[0], " ", Beside("".join(said[1]), language=beside)])
    figures: list[list[str | Figure]] = []
    if reported.get(Metric.LAMBS_BORN):
        figure = reported[Metric.LAMBS_BORN]
        figures.append(
            sentence(
                gettext("lambs born %(number)s (%(date)s)"),
                number=write.reported(
                    figure, pgettext("bulletin: what a figure is", "lambs born (reported)")
                ),
                date=day(figure.as_of),
            )
        )
    if reported.get(Metric.EWES):
        figure = reported[Metric.EWES]
        figures.append(
            sentence(
                gettext("over-wintering ewes %(number)s"),
                number=write.reported(
                    figure, pgettext("bulletin: what a figure is", "over-wintering ewes (reported)")
                ),
            )
        )
    if figures:
        paragraph: list[str | Figure] = [gettext("Reported: ")]
        for index, figure_said in enumerate(figures):
            if index:
                paragraph.append(pgettext("bulletin: between two figures of a list", "; "))
            paragraph += figure_said
        paragraph.append(full_stop())
        bulletin.paragraphs.append(paragraph)
