"""The catalogs: every message of ours is translated in both Kazakh locales,
with its placeholders intact, in the right script, and compiled.

"Ours" is every msgid of the Chinese catalogs, which `make messages` extracts:
the ``django`` domain from the code and templates, the ``djangojs`` domain from
the field app's script (what it writes offline: the outbox, the sync, what needs
attention); both Kazakh catalogs must hold the same msgids, in both domains.
"""

import gettext
import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "livestock" / "locale"
# Django's and DRF's messages in the Arabic script (scripts/kk_arabic_po.py --packages).
PACKAGES = LOCALE.parent / "locale_packages"
KAZAKH = ["kk", "kk_Arab"]
DOMAINS = ["django", "djangojs"]
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr%]|\{[^{}]*\}")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
# Legacy compatibility letters (HIGH HAMZA ALEF, WAW, U, YEH): Unicode advises
# U+0674 HIGH HAMZA written once before the word instead.
LEGACY_HAMZA_LETTERS = re.compile("[\u0675-\u0678]")


def catalog(locale: str, domain: str = "django") -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / f"{domain}.po"))


def ours(domain: str) -> set[tuple[str | None, str]]:
    return {
        (entry.msgctxt, entry.msgid) for entry in catalog("zh_Hans", domain) if not entry.obsolete
    }


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs of an entry: one, or one per plural form."""
    if entry.msgid_plural:
        return [
            (entry.msgid if index == 0 else entry.msgid_plural, text)
            for index, text in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", [*KAZAKH, "zh_Hans"])
def test_every_message_of_ours_is_translated_in_kazakh_and_chinese(locale, domain):
    po = catalog(locale, domain)
    entries = {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}
    assert set(entries) == ours(domain)
    assert len(entries) > 10
    untranslated = [
        entry.msgid
        for entry in entries.values()
        if "fuzzy" in entry.flags or not all(text.strip() for _, text in translations(entry))
    ]
    assert untranslated == []


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", [*KAZAKH, "zh_Hans"])
def test_translations_keep_every_placeholder(locale, domain):
    broken = [
        (source, text)
        for entry in catalog(locale, domain)
        for source, text in translations(entry)
        if placeholders(source) != placeholders(text)
    ]
    assert broken == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_kazakh_catalog_is_written_in_its_own_script(domain):
    cyrillic = [e.msgstr for e in catalog("kk", domain) if ARABIC.search(e.msgstr)]
    arabic = [
        text
        for entry in catalog("kk_Arab", domain)
        for _, text in translations(entry)
        if CYRILLIC.search(text) or LEGACY_HAMZA_LETTERS.search(text)
    ]
    assert cyrillic == arabic == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_django_and_drf_speak_arabic_script_kazakh_in_the_arabic_script(domain):
    po = polib.pofile(str(PACKAGES / "kk_Arab" / "LC_MESSAGES" / f"{domain}.po"))
    assert len(po) > 10
    # Placeholders are as Django's and DRF's own Kazakh has them (a few of theirs differ
    # from the msgid); the script keeps whatever it is given.
    wrong = [
        text
        for entry in po
        for _, text in translations(entry)
        if CYRILLIC.search(text) or LEGACY_HAMZA_LETTERS.search(text)
    ]
    assert wrong == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogs_say_they_await_a_native_speakers_review(domain):
    for locale in KAZAKH:
        assert "AWAITING REVIEW BY A NATIVE SPEAKER" in catalog(locale, domain).header


COMPILED = [
    *(
        LOCALE / locale / "LC_MESSAGES" / f"{domain}.po"
        for locale in ["kk", "kk_Arab", "zh_Hans"]
        for domain in DOMAINS
    ),
    PACKAGES / "kk" / "LC_MESSAGES" / "django.po",
    PACKAGES / "kk_Arab" / "LC_MESSAGES" / "django.po",
    PACKAGES / "kk_Arab" / "LC_MESSAGES" / "djangojs.po",
    PACKAGES / "kk" / "LC_MESSAGES" / "djangojs.po",
]


@pytest.mark.parametrize("po_path", COMPILED, ids=lambda path: str(path.relative_to(LOCALE.parent)))
def test_the_compiled_catalog_is_the_po_file(po_path):
    """A .po edited and not compiled would show the old text on every page."""
    with open(po_path.with_suffix(".mo"), "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        context = (entry.msgctxt + "\x04") if entry.msgctxt else ""
        if entry.msgid_plural:
            shown = compiled.ngettext(context + entry.msgid, entry.msgid_plural, 1)
            expected = entry.msgstr_plural[0]
        else:
            shown, expected = compiled.gettext(context + entry.msgid), entry.msgstr
        if expected and shown != expected:
            stale.append(entry.msgid)
    assert stale == []
