"""The columns of a summary table, written once for the page, the CSV and the
XLSX, so that an export always says what the page says.

A row is anything with ``totals`` (``selectors.LambingTotals``) and
``reported`` (the latest reported figure per metric): a place's row, or a
herder's record as of one date.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from livestock import metrics
from livestock.choices import Metric
from livestock.models import ReportedFigure


@dataclass(frozen=True)
class Column:
    """A column: its header, the formula it follows (for rates), and its value.
    The recorded counts and rates are ``metrics``' definitions, by code."""

    key: str
    label: str
    value: Callable[[object], int | Decimal | ReportedFigure | None]
    formula: str = ""
    kind: str = "count"  # count, rate or reported


# The recorded counts a summary shows, in ``metrics.COUNTS`` order.
SHOWN_COUNTS = tuple(metric.code for metric in metrics.COUNTS if metric.on_summary)


def _total(name: str) -> Callable:
    return lambda row: getattr(row.totals, name)


def _reported(metric: str) -> Callable:
    return lambda row: row.reported.get(metric)


def _metric_column(code: str) -> Column:
    """A recorded count or rate, headed and explained as ``metrics`` defines it."""
    metric = metrics.get(code)
    return Column(code, metric.name, _total(code), metric.formula, metric.kind)


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
    ),
]


def number_text(value: int | Decimal) -> str:
    """12000 → "12,000"; a whole Decimal loses its ".00"."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return f"{value:,}"


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
    """One header per exported value; a reported figure takes three columns."""
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
        else:
            headers.append(str(column.label))
    return headers


def export_values(row) -> list:
    """The row's values in ``export_headers()`` order, as plain numbers."""
    values = []
    for column in COLUMNS:
        value = column.value(row)
        if column.kind == "reported":
            values += (
                [value.value, value.get_qualifier_display(), value.as_of] if value else ["", "", ""]
            )
        else:
            values.append("" if value is None else value)
    return values
