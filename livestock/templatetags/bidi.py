"""``{{ name|bdi }}``: a name isolated from the text around it.

Chinese and Latin names (and user names) set inside a right-to-left Kazakh
sentence would otherwise have their neutral characters (a middle dot, a
bracket, a trailing number) placed by the surrounding direction, and the
sentence's own words drawn into theirs. ``<bdi>`` lays out its content on its
own, in the direction of its first strong letter, and costs nothing in a
left-to-right page. It works inside ``{% blocktranslate with … %}`` too.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bdi(value) -> str:
    return format_html("<bdi>{}</bdi>", value)
