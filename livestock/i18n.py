"""Which way the active language is written.

Django decides text direction from a language's base (``kk`` of ``kk-arab``,
against ``LANGUAGES_BIDI``), so Kazakh in the Arabic script would be laid out
left to right like Kazakh in Cyrillic. Here the direction is the ``bidi`` of the
exact language's ``LANG_INFO`` entry (``config/settings.py`` adds ``kk-arab``),
read in one place by the templates (``templatetags/i18n_bidi.py``) and the code.
"""

from django.utils import translation


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


FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolated(text: str) -> str:
    """``text`` laid out on its own in a right-to-left language, where no
    ``<bdi>`` can go (an ``<option>``, an attribute): a season's name
    "2024–2025 冬春产羔季" in a Kazakh picker would otherwise read 2025–2024,
    its two years ordered right to left. Unchanged in a left-to-right one."""
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
