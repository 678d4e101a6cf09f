"""Numbers written the way the bureaus write them: 万 for ten thousands, and a
reported number's qualifier as the report put it (18.6万余只, 50多只, 20公斤左右).

In any other language (the bulletin follows the page's, ``bulletin.py``) a
number is written that language's way through the catalogs: 12 thousand,
12 мың, more than 186 thousand; its unit is in the sentence, not the number.
Dates keep Western digits everywhere. A number written out in digits is
grouped in thousands as the summary's tables write it (``number_text``:
1,397户, 12,345只), in every language; only a reported number whose report
wrote out its digits keeps the report's (50000只, as its sentence says it).

A reported figure keeps only "more than" as its qualifier; whether the
report said 余 or 多 is in its sentence, so the sentence decides, and a
number the sentence does not show takes 余 after 万 and 多 otherwise (the
usual pairing)."""

import datetime
from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext

from livestock.choices import Qualifier
from livestock.i18n import number_text

TEN_THOUSAND = Decimal(10000)
THOUSAND = Decimal(1000)
MILLION = Decimal(1000000)


def in_chinese() -> bool:
    """True when the active language is Chinese (or none is active): the bureau's way."""
    return (translation.get_language() or "zh-hans").startswith("zh")


def plain(value: Decimal | int) -> str:
    """A number without trailing zeros or grouping: 12000, 1.5."""
    return f"{Decimal(value).normalize():f}"


def grouped(value: Decimal | int) -> str:
    """A number in digits as the summary's tables write it: 12345 → "12,345", 1.5 → "1.5"."""
    return number_text(Decimal(value).normalize())


def in_wan(value: Decimal | int) -> str:
    """12000 → "1.2万", 186000 → "18.6万"; below 10,000, or not a whole number
    of hundreds, the digits as the tables write them, 12,345 (officials round
    to 万 only what the report rounded)."""
    value = Decimal(value)
    if value >= TEN_THOUSAND and value % 100 == 0:
        return f"{plain(value / TEN_THOUSAND)}万"
    return grouped(value)


def in_words(value: Decimal | int) -> str:
    """12000 → "12 thousand" in the active language: rounded to thousands (or
    millions) only where the Chinese would round to 万, that is where the report did."""
    value = Decimal(value)
    if value >= TEN_THOUSAND and value % 100 == 0:
        if value >= MILLION and value % 100000 == 0:
            return gettext("%(number)s million") % {"number": plain(value / MILLION)}
        return gettext("%(number)s thousand") % {"number": plain(value / THOUSAND)}
    return grouped(value)


def reported(value: Decimal | int, *, qualifier: str, quote: str = "", unit: str = "只") -> str:
    """A reported number as the bureau writes it, or in another language the
    way that language writes it (``in_words``) with its qualifier."""
    if not in_chinese():
        number = in_words(value)
        if qualifier == Qualifier.MORE_THAN:
            return gettext("more than %(number)s") % {"number": number}
        if qualifier == Qualifier.ABOUT:
            return gettext("about %(number)s") % {"number": number}
        return number
    return _reported_in_chinese(value, qualifier=qualifier, quote=quote, unit=unit)


def _reported_in_chinese(value: Decimal | int, *, qualifier: str, quote: str, unit: str) -> str:
    """A reported number as the bureau writes it, with its qualifier: in 万
    unless the report's sentence wrote out the digits (截至2月5日，已产羔50000只)."""
    number = plain(value) if plain(value) in quote else in_wan(value)
    if qualifier == Qualifier.MORE_THAN:
        if f"{number}多" in quote:
            marker = "多"
        elif f"{number}余" in quote:
            marker = "余"
        else:
            marker = "余" if number.endswith("万") else "多"
        return f"{number}{marker}{unit}"
    if qualifier == Qualifier.ABOUT:
        return f"{number}{unit}左右"
    return f"{number}{unit}"


def recorded(value: int | None, unit: str = "只") -> str:
    """A recorded count: exact, in digits grouped as the tables group them (a
    sum of counts is never rounded); the unit follows it in Chinese, elsewhere
    the sentence says it. "—" where nothing was counted."""
    if value is None:
        return "—"
    return f"{number_text(value)}{unit}" if in_chinese() else number_text(value)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def month_day(date: datetime.date) -> str:
    """2月11日, as bulletins date "截至…"; 11 February in English; in Kazakh
    (both scripts) 2025-02-11, the digits' order the same either way."""
    if in_chinese():
        return f"{date.month}月{date.day}日"
    if translation.get_language() == "en":
        return formats.date_format(date, "j F")
    return date.isoformat()


def full_date(date: datetime.date) -> str:
    if in_chinese():
        return f"{date.year}年{date.month}月{date.day}日"
    if translation.get_language() == "en":
        return formats.date_format(date, "j F Y")
    return date.isoformat()
