"""Which way the active language is written.

Django decides text direction from a language's base (``kk`` of ``kk-arab``,
against ``LANGUAGES_BIDI``), so Kazakh in the Arabic script would be laid out
left to right like Kazakh in Cyrillic. Here the direction is the ``bidi`` of the
exact language's ``LANG_INFO`` entry (``config/settings.py`` adds ``kk-arab``),
read in one place by the templates (``templatetags/i18n_bidi.py``) and the code.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

T = TypeVar("T")


def language_bidi(language: str | None = None) -> bool:
    """True when ``language`` (by default the active one) is written right to left."""
    code = language or translation.get_language()
    if code is None:
        return False
    try:
        return bool(translation.get_language_info(code).get("bidi", False))
    except KeyError:
        return translation.get_language_bidi()


def text_direction(language: str | None = None) -> str:
    """The ``dir`` attribute of a page or an SVG in ``language``: "rtl" or "ltr"."""
    return "rtl" if language_bidi(language) else "ltr"


LEFT_TO_RIGHT_ISOLATE = "\u2066"
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def left_to_right(text: str) -> str:
    """``text`` (numbers joined by neutral marks: a season's years "2024–2025")
    kept left to right inside a right-to-left line, where the dash between its
    numbers would take the line's direction and set them 2025–2024, as the
    Arabic-script catalog's isolated placeholders keep a date whole. Unchanged
    in a left-to-right language."""
    if not language_bidi():
        return text
    return f"{LEFT_TO_RIGHT_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


def left_to_right_html(text: str) -> str:
    """``text``, numbers with the signs between them (a rate's "= 56 ÷ 40", "12 / 40"
    households), as HTML laid out left to right on its own in any page: in a
    right-to-left one the signs between the numbers took the page's direction, and
    "= 56 ÷ 40" read "40 ÷ 56 =", a division an official would do the wrong way round.
    ``<bdi dir="ltr">`` in a template does the same."""
    return format_html('<bdi dir="ltr">{}</bdi>', text)


def isolated(text: str) -> str:
    """``text`` laid out on its own in a right-to-left language, where no
    ``<bdi>`` can go (an ``<option>``, an attribute): a season's name
    a season's name in a Kazakh picker would otherwise mix with the marks
    around it. Unchanged in a left-to-right one."""
    if not language_bidi():
        return text
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"


# Languages whose pages show Kazakh first. The field app shows each text in two
# languages at once (templatetags/both.py, static/field/field.js): on a Kazakh page
# Kazakh with the Chinese beside it, so that a term can be checked against the one
# colleagues and forms use; on any other, Chinese with the English beside it.
KAZAKH = ("kk-arab", "kk")
CHINESE = "zh-hans"


def shown_languages(language: str | None = None) -> tuple[str, str]:
    """(first, beside): the two languages a field page in ``language`` shows its texts in."""
    code = language or translation.get_language()
    if code in KAZAKH:
        return code, CHINESE
    return CHINESE, "en"


def made_in_each(build: Callable[[], T], languages: tuple[str, str] | None = None) -> tuple[T, T]:
    """What ``build()`` makes (a text translated as it is made), made once in each of
    ``languages``, the page's two (``shown_languages``) unless others are given."""
    first, beside = languages or shown_languages()
    with translation.override(first):
        made = build()
    with translation.override(beside):
        return made, build()


def in_both(message: str, **params) -> str:
    """``message`` (a msgid, marked with ``gettext_noop``) filled with ``params`` in
    the two languages of ``shown_languages``, "first · beside": a refusal that a
    technician, an official and an integrator each read, on whatever page or in
    whatever language they asked. A param that is translated itself (a lazy
    text) is written in each language with the message."""

    def text() -> str:
        made = translation.gettext(message)
        return made % {name: str(value) for name, value in params.items()} if params else made

    return " · ".join(dict.fromkeys(made_in_each(text)))


# The header with which a field page's script asks the API for its messages in that
# page's two languages (shown_languages of the language it names): what the server
# refuses of an upload then reads as the page's own messages do, Chinese with the
# English beside it (Kazakh with the Chinese on a Kazakh page), and in the page's
# languages, whatever the session's language is since (a page kept for offline work
# may be of another).
SHOWN_LANGUAGES_HEADER = "X-Shown-Languages"
# With it, ``X-Shown-Apart: 1`` asks for each message's two languages apart, as
# {language code: text}, instead of joined "first · beside": the field app sets each
# in its own <bdi>, laid out in its own direction (joined in one string on a
# right-to-left page, the Chinese half's brackets and full stop went to the wrong end).
SHOWN_APART_HEADER = "X-Shown-Apart"


def asked_languages(request) -> tuple[str, str] | None:
    """The two languages ``request`` asks its messages in (``SHOWN_LANGUAGES_HEADER``
    naming a language of the settings'), or None: the request's language alone."""
    code = request.headers.get(SHOWN_LANGUAGES_HEADER, "").strip().lower()
    if code not in dict(settings.LANGUAGES):
        return None
    return shown_languages(code)


def asked_apart(request) -> bool:
    """Whether ``request`` asks for its two languages' messages apart (``SHOWN_APART_HEADER``)."""
    return request.headers.get(SHOWN_APART_HEADER, "").strip() == "1"


def in_languages(
    build: Callable[[], T], languages: tuple[str, str] | None, *, apart: bool = False
) -> T:
    """What ``build()`` makes (a message, or lists and dicts of them: an answer's
    errors), made in each of ``languages`` and its texts joined "first · beside"
    (once, where both read the same), as the field app writes a rule's message, or,
    ``apart``, each text that differs as {language code: text}; with no
    ``languages``, made once in the active language."""
    if languages is None:
        return build()
    return _joined(*made_in_each(build, languages), languages if apart else None)


def _joined(first, beside, apart: tuple[str, str] | None = None):
    if isinstance(first, dict) and isinstance(beside, dict):
        return {key: _joined(value, beside.get(key), apart) for key, value in first.items()}
    if isinstance(first, list) and isinstance(beside, list) and len(first) == len(beside):
        return [_joined(one, other, apart) for one, other in zip(first, beside, strict=True)]
    if isinstance(first, str) and isinstance(beside, str) and first != beside:
        if apart:
            return {apart[0]: first, apart[1]: beside}
        return f"{first} · {beside}"
    return first


def number_text(value: int | Decimal) -> str:
    """A number as every page, chart, bulletin and export writes it: thousands
    apart by commas, in every language (12000 → "12,000"); a whole Decimal loses
    its ".00", a fraction keeps the digits it has."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return f"{value:,}"
