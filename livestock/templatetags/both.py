"""The field app's labels, in two languages at once.

Technicians read Chinese, and many read Kazakh too; the field app shows each
label in two languages: Chinese with English beside it, or, on a Kazakh page
(either script), Kazakh with Chinese beside it, so that a term can always be
checked against the Chinese one colleagues and forms use.

``{% both "今日" _("Today") %}`` for a label written in the template: the
Chinese, and the English msgid that makemessages extracts and the Kazakh
catalogs translate. ``{{ label|both }}`` for a label of the rules description
(``field/rules_description.py``: a dict with a text per language), and
``{{ label|both_text }}`` where no markup may go (an ``<option>``).
``{{ text|label_both }}`` for a label the code translates as it is shown (a form
field's label, the model field's verbose name), ``{{ entry|choice_both:"loss_cause" }}``
for the label of a model's choice; ``{{ error|message_both }}`` for a
form's error (an item of ``errors.as_data``): its message, filled with its values,
"first · beside", as the script writes the rules' messages.
"""

import json

from django import template
from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html
from django.utils.translation import gettext

from livestock.field.rules_description import KEYS
from livestock.i18n import CHINESE, made_in_each, shown_languages, text_direction

register = template.Library()


def _beside(text: str, *, isolated: bool = False) -> str:
    """The text beside the first, as markup: in its own ``<bdi>`` with its language
    and direction where the two are written different ways (Chinese beside
    Arabic-script Kazakh), so that its brackets and full stop stay where Chinese puts
    them, not drawn to the other end of a right-to-left line ("。数）"); where both run
    the same way, as it is (or in a plain ``<bdi>``, ``isolated``)."""
    first, beside = shown_languages()
    direction = text_direction(beside)
    if direction != text_direction(first):
        return format_html('<bdi lang="{}" dir="{}">{}</bdi>', beside, direction, text)
    return format_html("<bdi>{}</bdi>", text) if isolated else escape(text)


class BothNode(template.Node):
    def __init__(self, zh: str, msgid: str, *, plain: bool = False):
        self.zh, self.msgid, self.plain = zh, msgid, plain

    def render(self, context) -> str:
        # Written in the template: the Chinese and the English; Kazakh from the catalog.
        texts = {CHINESE: self.zh, "en": self.msgid}
        first, beside = shown_languages()
        first, beside = texts.get(first) or gettext(self.msgid), texts[beside]
        if self.plain:  # an attribute: no markup
            return escape(f"{first} {beside}")
        return format_html("{} <small>{}</small>", first, _beside(beside))


def _literal(bit: str, parser_token) -> str:
    if len(bit) < 2 or bit[0] not in "\"'" or bit[-1] != bit[0]:
        raise template.TemplateSyntaxError(f"{parser_token!r}: expected a quoted string")
    return bit[1:-1]


@register.tag("both")
def do_both(parser, token):
    """``{% both "中文" _("English") %}``; ``… plain %}`` in an attribute (no markup)."""
    bits = token.split_contents()
    plain = bits[3:] == ["plain"]
    if plain:
        bits = bits[:3]
    if len(bits) != 3 or not (bits[2].startswith("_(") and bits[2].endswith(")")):
        raise template.TemplateSyntaxError(
            f'{token.contents!r}: write {{% both "中文" _("English") %}}'
        )
    zh, msgid = _literal(bits[1], token.contents), _literal(bits[2][2:-1], token.contents)
    return BothNode(zh, msgid, plain=plain)


def _label_pair(label: dict) -> tuple[str, str]:
    first, beside = shown_languages()
    return label[KEYS[first]], label[KEYS[beside]]


@register.filter
def both(label: dict) -> str:
    first, beside = _label_pair(label)
    return format_html("{} <small>{}</small>", first, _beside(beside))


@register.filter
def both_text(label: dict) -> str:
    first, beside = _label_pair(label)
    return f"{first} {beside}"


@register.simple_tag
def shown_keys() -> str:
    """The keys of a label's two texts on this page, for the field app's script
    (it shows the rules description's messages as the page shows its labels), with
    each language's code and direction (it sets each text in its own ``<bdi>``)."""
    first, beside = shown_languages()
    return json.dumps(
        {
            "first": KEYS[first],
            "beside": KEYS[beside],
            "lang": {"first": first, "beside": beside},
            "dir": {"first": text_direction(first), "beside": text_direction(beside)},
        }
    )


@register.filter
def label_both(text) -> str:
    """A label translated as it is shown (a form field's label) in the page's two
    languages, marked up as ``both`` marks up a label. (Not ``i18n.in_both``, which
    makes a message's plain "first · beside" from a msgid and its values; this
    filter bore that name too.)"""
    first, beside = made_in_each(lambda: str(text))
    return format_html("{} <small>{}</small>", first, _beside(beside))


@register.filter
def choice_both(instance, name: str) -> str:
    """The label of ``instance``'s choice in its field ``name`` (a cause of loss, a
    check's stage) in the page's two languages, where ``get_FOO_display`` gives one."""
    value = getattr(instance, name)
    return label_both(dict(instance._meta.get_field(name).flatchoices).get(value, value))


@register.filter
def message_both(error: ValidationError) -> str:
    """A form's error in the page's two languages, "first · beside" (once, when both
    read the same): the rule a model's validator or a service refused a value with,
    as the script shows a rule's message."""
    first, beside = made_in_each(
        lambda: str(error.message % error.params if error.params else error.message)
    )
    if first == beside:
        return first
    return format_html("{} · {}", first, _beside(beside, isolated=True))
