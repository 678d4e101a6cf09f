"""Filters of the monitoring pages: an unknown value is "—", never 0."""

from django import template

from livestock.counting import metrics

register = template.Library()


@register.filter
def percent(value) -> str:
    """12.5 → "12.5%"; None (not available) → "—"."""
    return "—" if value is None else f"{value}%"


@register.filter
def or_dash(value) -> str:
    """None → "—"; 0 stays 0."""
    return "—" if value is None else value


@register.simple_tag
def no_households() -> str:
    """Beside a "—" of a place with no household: nothing was counted there
    ("无牧户 no households", ``metrics.NO_HOUSEHOLDS``), as the summary tables say."""
    return metrics.no_households_text()
