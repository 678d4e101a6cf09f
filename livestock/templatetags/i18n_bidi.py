"""Django's ``i18n`` template library, with ``get_current_language_bidi`` asking
``livestock.i18n.language_bidi`` (the exact language's direction, not its base's).

``config/settings.py`` loads it under the name ``i18n``, so ``{% load i18n %}`` in
every template, the admin's ``base.html`` among them, gives ``dir="rtl"`` and the
admin's right-to-left stylesheets for Kazakh in the Arabic script, and not for
Kazakh in Cyrillic. Every other tag and filter is Django's own.
"""

from django import template
from django.templatetags import i18n as django_i18n

from livestock.i18n import language_bidi

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class CurrentLanguageBidiNode(template.Node):
    def __init__(self, variable: str):
        self.variable = variable

    def render(self, context) -> str:
        context[self.variable] = language_bidi()
        return ""


@register.tag("get_current_language_bidi")
def do_get_current_language_bidi(parser, token):
    """``{% get_current_language_bidi as LANGUAGE_BIDI %}``, as Django's, by the exact language."""
    args = token.contents.split()
    if len(args) != 3 or args[1] != "as":
        raise template.TemplateSyntaxError(
            f"'get_current_language_bidi' requires 'as variable' (got {args!r})"
        )
    return CurrentLanguageBidiNode(args[2])
