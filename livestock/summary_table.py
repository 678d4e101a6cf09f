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

from livestock.choices import Metric
from livestock.models import ReportedFigure


@dataclass(frozen=True)
class Column:
    """A column: its header, the formula it follows (for rates), and its value."""

    key: str
    label: str
    value: Callable[[object], int | Decimal | ReportedFigure | None]
    formula: str = ""
    kind: str = "count"  # count, rate or reported


def _total(name: str) -> Callable:
    return lambda row: getattr(row.totals, name)


def _reported(metric: str) -> Callable:
    return lambda row: row.reported.get(metric)


COLUMNS: list[Column] = [
    Column("households", _("households recorded"), _total("households")),
    Column("ewes", _("ewes at the season's start"), _total("ewes")),
    Column("ewes_lambed", _("ewes lambed"), _total("ewes_lambed")),
    Column("lambs_born", _("lambs born"), _total("lambs_born")),
    Column("lamb_losses", _("lamb losses"), _total("lamb_losses")),
    Column("lambs_alive", _("lambs alive"), _total("lambs_alive")),
    Column(
        "lambing_rate",
        _("lambing rate"),
        _total("lambing_rate"),
        _("lambs born ÷ ewes lambed"),
        "rate",
    ),
    Column(
        "reproduction_rate",
        _("reproduction rate"),
        _total("reproduction_rate"),
        _("lambs born ÷ ewes at the season's start"),
        "rate",
    ),
    Column(
        "survival_rate",
        _("survival rate"),
        _total("survival_rate"),
        _("lambs alive at the latest check ÷ lambs born by then"),
        "rate",
    ),
    Column(
        "reproductive_survival_rate",
        _("reproductive survival rate"),
        _total("reproductive_survival_rate"),
        _("lambs alive at weaning ÷ ewes at the season's start"),
        "rate",
    ),
    Column(
        "mortality_rate",
        _("mortality"),
        _total("mortality_rate"),
        _("lamb losses ÷ lambs born"),
        "rate",
    ),
    Column(
        "reported_lambs_born",
        _("reported lambs born"),
        _reported(Metric.LAMBS_BORN),
        kind="reported",
    ),
    Column("reported_ewes", _("reported ewes"), _reported(Metric.EWES), kind="reported"),
    Column(
        "coverage",
        _("coverage"),
        lambda row: getattr(row, "coverage", None),
        _("recorded lambs born ÷ reported lambs born"),
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
