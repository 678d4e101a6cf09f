"""The columns of a summary table, written once for the page, the CSV and the
XLSX, so that an export always says what the page says.

A row is anything with ``totals`` (``counting.totals.LambingTotals``) and
``reported`` (the latest reported figure per metric): a place's row, or a
herder's record as of one date.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from livestock.choices import Metric
from livestock.counting import metrics
from livestock.counting.totals import RateParts
from livestock.i18n import left_to_right_html, number_text
from livestock.models import ReportedFigure

# Headers of an export's parts of a rate; named here, not inside the f-strings below,
# so that makemessages finds them (it reads no f-string).
NUMERATOR = _("numerator")
DENOMINATOR = _("denominator")
HOUSEHOLDS_COVERED = _("households covered")


@dataclass(frozen=True)
class Column:
    """A column: its header, the formula it follows (for rates), and its value.
    The recorded counts and rates are ``metrics``' definitions, by code: for
    them ``parts`` gives the numbers a rate divides and the households a
    value covers (``counting.totals.RateParts``)."""

    key: str
    label: str
    value: Callable[[object], int | Decimal | ReportedFigure | None]
    formula: str = ""
    kind: str = "count"  # count, rate or reported
    parts: Callable[[object], RateParts | None] | None = None
    metric: metrics.MetricDefinition | None = None


@dataclass(frozen=True)
class Cell:
    """A value as a page shows it, with what explains it: for a rate, its
    numerator ÷ denominator; for a value that covers fewer households than
    the row holds, how many ("from 1 of 2 households")."""

    text: str
    parts: str = ""
    households: str = ""
    partial: bool = False
    kind: str = "count"
    key: str = ""  # the column's
    nothing_counted: bool = False  # the place has no household ("—", 无牧户)
    unknown_why: str = ""  # a rate whose numbers are unknown ("—"): why, in its title

    def __str__(self) -> str:
        """The cell in a summary table (``{{ cell }}`` in a template, as a form's
        field draws its widget): its text,
        the division a rate is, and the households it covers, ⚠ when fewer than
        the row's. Written here rather than as an included template: a table
        has a few hundred cells, and one string each keeps the page quick. A
        place with no household: "—", its reason in the cell's title, which the
        row's heading says once (every column saying it would widen the table
        past the screen). A rate whose numbers are unknown: "—", why in its
        title (no survival checks yet), for the same reason."""
        classes = f"col-{self.key}"
        if self.kind == "rate":
            classes += " rate"
        if self.partial:
            classes += " partial"
        if self.nothing_counted:
            return format_html(
                '<td class="{} nothing-counted" title="{}">{}</td>',
                classes,
                self.households,
                self.text,
            )
        if self.unknown_why:
            return format_html(
                '<td class="{}" title="{}">{}</td>', classes, self.unknown_why, self.text
            )
        parts = format_html('<small class="parts">{}</small>', self.division) if self.parts else ""
        households = (
            format_html(
                '<small class="households">{}{}</small>',
                "⚠ " if self.partial else "",
                self.households,
            )
            if self.households
            else ""
        )
        return format_html('<td class="{}">{}{}{}</td>', classes, self.text, parts, households)

    __html__ = __str__

    @property
    def division(self) -> str:
        """ "= 56 ÷ 40", read left to right in a right-to-left page too (the table's
        cell and the desk's card)."""
        return left_to_right_html(f"= {self.parts}")


# The recorded counts a summary shows, in ``metrics.COUNTS`` order.
SHOWN_COUNTS = tuple(metric.code for metric in metrics.COUNTS if metric.on_summary)


def _reported(metric: str) -> Callable:
    return lambda row: row.reported.get(metric)


def _metric_column(code: str) -> Column:
    """A recorded count or rate, headed and explained as ``metrics`` defines it."""
    metric = metrics.get(code)
    if metric.is_rate:
        parts = lambda row: row.totals.rate_parts(code)  # noqa: E731
    elif metric.households_covered:
        parts = lambda row: row.totals.count_parts(code)  # noqa: E731
    else:
        parts = None
    return Column(
        code,
        metric.name,
        lambda row: row.totals.shown(code),
        metric.formula,
        metric.kind,
        parts=parts,
        metric=metric,
    )


COLUMNS: list[Column] = [
    *(_metric_column(metric.code) for metric in metrics.COUNTS if metric.code in SHOWN_COUNTS),
    *(_metric_column(metric.code) for metric in metrics.RATES),
    Column(
        "reported_lambs_born",
        _("reported lambs born"),
        _reported(Metric.LAMBS_BORN),
        kind="reported",
    ),
    Column("reported_ewes", _("reported ewes"), _reported(Metric.EWES), kind="reported"),
    Column(
        "coverage",
        metrics.COVERAGE.name,
        lambda row: getattr(row, "coverage", None),
        metrics.COVERAGE.formula,
        "rate",
        parts=lambda row: getattr(row, "coverage_parts", None),
        metric=metrics.COVERAGE,
    ),
]


COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


def change_text(column: Column, change: int | Decimal | None) -> str:
    """A week-on-week change: "+12", "−3", "+1.5 个百分点" for a rate; "—" when
    either side is unknown."""
    if change is None:
        return "—"
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    text = f"{sign}{number_text(abs(change))}"
    if column.kind == "rate":
        return _("%(change)s percentage points") % {"change": text}
    return text


def cell(column: Column, row) -> Cell:
    """A row's value in ``column`` as the page shows it, with its parts."""
    value = column.value(row)
    text = cell_text(column, value)
    if nothing_counted(column, row, value):
        return Cell(
            text,
            households=metrics.no_households_text(),
            kind=column.kind,
            key=column.key,
            nothing_counted=True,
        )
    parts = column.parts(row) if column.parts else None
    if column.kind == "rate" and parts is not None and not parts.numbers_known:
        # Unknown, not 0 ÷ 0: "—" with no division, why in its title (no survival
        # checks yet), as the bulletin says it, in the page's two languages.
        unknown_why = metrics.in_shown_languages(parts.why_unknown)
        return Cell(text, kind=column.kind, key=column.key, unknown_why=unknown_why)
    if parts is None or not parts.of_households or value is None:
        # Nothing to explain: no household, or nothing to divide by ("—").
        return Cell(text, kind=column.kind, key=column.key)
    division = ""
    if column.kind == "rate":
        division = f"{number_text(parts.numerator)} ÷ {number_text(parts.denominator)}"
    households = parts.households_text() if column.kind == "rate" or parts.partial else ""
    return Cell(text, division, households, parts.partial, column.kind, column.key)


def nothing_counted(column: Column, row, value) -> bool:
    """The row's place has no household, so the recorded ``column`` shows "—"
    and says why (``LambingTotals.nothing_counted``); a reported figure is
    the report's, whatever the records hold."""
    return value is None and column.metric is not None and row.totals.nothing_counted


def cell_text(column: Column, value) -> str:
    """How a value reads on the page: counts with separators, rates in %, a
    reported figure with its qualifier and date, and "—" for not available."""
    if value is None:
        return "—"
    if column.kind == "rate":
        return f"{value}%"
    if column.kind == "reported":
        qualifier = "" if value.qualifier == "exact" else value.get_qualifier_display()
        return f"{number_text(value.value)} {qualifier} ({value.as_of:%Y-%m-%d})".replace("  ", " ")
    return number_text(value)


def export_headers() -> list[str]:
    """One header per exported value: a reported figure takes three columns (value,
    qualifier, date); a rate four (value, numerator, denominator, households it
    covers), each saying what it is as ``metrics`` defines it; a count known
    for some households only, two (value, households)."""
    headers = []
    for column in COLUMNS:
        if column.kind == "reported":
            headers += [
                str(column.label),
                f"{column.label} · {_('qualifier')}",
                f"{column.label} · {_('as of')}",
            ]
        elif column.kind == "rate":
            headers.append(f"{column.label} (%) = {column.formula}")
            if column.parts:
                numerator, denominator = (str(part).strip() for part in column.formula.split("÷"))
                headers += [
                    f"{column.label} · {NUMERATOR} ({numerator})",
                    f"{column.label} · {DENOMINATOR} ({denominator})",
                ]
                if column.metric.households_covered:
                    headers.append(
                        f"{column.label} · {HOUSEHOLDS_COVERED} ({column.metric.households})"
                    )
        else:
            headers.append(str(column.label))
            if column.parts:
                headers.append(
                    f"{column.label} · {HOUSEHOLDS_COVERED} ({column.metric.households})"
                )
    return headers


def export_values(row) -> list:
    """The row's values in ``export_headers()`` order, as plain numbers; an
    unknown value (no survival check, nothing to divide by) is empty, never 0,
    and where the place has no household it says so (``metrics.NO_HOUSEHOLDS``),
    with the numbers it would be made of left empty."""
    values = []
    for column in COLUMNS:
        value = column.value(row)
        if column.kind == "reported":
            values += (
                [value.number, value.get_qualifier_display(), value.as_of]
                if value
                else ["", "", ""]
            )
            continue
        empty = nothing_counted(column, row, value)
        values.append(metrics.no_households_text() if empty else "" if value is None else value)
        if column.parts is None:
            continue
        parts = None if empty else column.parts(row)
        if column.kind == "rate":
            known = parts is not None and parts.numbers_known
            values += [parts.numerator, parts.denominator] if known else ["", ""]
            if column.metric.households_covered:
                values.append("" if parts is None else parts.households)
        else:
            values.append("" if parts is None else parts.households)
    return values


def definition_lines() -> list[tuple[str, str]]:
    """The exports' notes on what each rate is, from ``metrics``: its formula,
    the households it counts and the definition it follows. The formula is not
    written "= …" as the page's header writes it: a cell starting with "=" is
    one a spreadsheet would compute, kept as text with a leading "'"
    (``tables.inert``) that the official then reads before every definition."""
    return [
        (
            str(column.label),
            f"{column.formula}; {column.metric.households}. {column.metric.standard}",
        )
        for column in COLUMNS
        if column.kind == "rate"
    ]
