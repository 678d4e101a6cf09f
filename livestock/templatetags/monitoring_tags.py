"""Filters of the monitoring pages: an unknown value is "—", never 0."""

from django import template
from django.utils.html import format_html

from livestock.counting import metrics
from livestock.counting.totals import RateParts
from livestock.i18n import left_to_right_html, number_text

register = template.Library()


@register.filter
def percent(value) -> str:
    """12.5 → "12.5%"; None (not available) → "—"."""
    return "—" if value is None else f"{value}%"


@register.filter
def chance(value: float) -> str:
    """A chance as a percentage to two significant digits: 0.000042 → "0.0042%";
    one too small for that to say anything, "< 0.0001%"."""
    shown = value * 100
    return "< 0.0001%" if shown < 0.0001 else f"{shown:.2g}%"


@register.filter
def count(value) -> str:
    """A count as the summary's table writes it: 12000 → "12,000"; None → "—"."""
    return "—" if value is None else number_text(value)


@register.simple_tag
def why_unknown(parts: RateParts) -> str:
    """Beside the "—" of a rate whose numbers are unknown (``RateParts.numbers_known``):
    why, in the page's two languages, as the summary tables say it: "无牧户 no
    households" where the place has no household, nothing counted there."""
    return metrics.in_shown_languages(parts.why_unknown)


@register.simple_tag
def rate_division(parts: RateParts) -> str:
    """A rate in a monitoring table's cell: "50.0% <small>1 / 2</small>", its
    numerator of its denominator (read left to right in a right-to-left page too:
    ``i18n.left_to_right_html``); "— <small>无牧户 no households</small>" where
    they are unknown (``why_unknown``), never "0 / 0"."""
    beside = (
        left_to_right_html(f"{number_text(parts.numerator)} / {number_text(parts.denominator)}")
        if parts.numbers_known
        else why_unknown(parts)
    )
    return format_html("{} <small>{}</small>", percent(parts.value), beside)
