"""Fill the Arabic-script Kazakh catalog from the Cyrillic one.

    .venv/bin/python scripts/kk_arabic_po.py             # empty msgstrs of kk_Arab, both domains
    .venv/bin/python scripts/kk_arabic_po.py --all       # write every msgstr again
    .venv/bin/python scripts/kk_arabic_po.py --packages  # Django's and DRF's (after an upgrade)

Translations are written once, in Cyrillic (``locale/kk``), following
``docs/glossary.md``; this writes them in the Arabic script of Xinjiang's
Kazakh (``locale/kk_Arab``) letter by letter, so that the two never say
different things and a reviewer reads one wording. The orthography:

- one letter per sound: ә and а are both ا, ө and о both و, ү and ұ both ۇ,
  і and ы both ى; е is ە, и and й are ي, у is ۋ;
- a word with front vowels (ә ө ү і) that has no ە, ك or گ to show it takes
  U+0674 ARABIC LETTER HIGH HAMZA once, before the word, as Unicode advises,
  never the compatibility letters U+0675–U+0678;
- Russian letters of loanwords: в ۆ, ф ف, х ح, һ ھ, ц تس, ч چ, щ شش, ю يۋ,
  я يا, ё يو, э ە; ь and ъ are not written;
- the comma, semicolon and question mark are the Arabic ones (، ؛ ؟).

Placeholders (``%(name)s``, ``%s``, ``{name}``), HTML tags, Latin words and
digits are kept as they are: digits stay Western; each placeholder is isolated
(U+2068 … U+2069) so that a date or a name put in it keeps its own order.

Then it compiles both catalogs (GNU gettext's msgfmt). A native speaker reviews the
Cyrillic; the Arabic script follows it.

``--packages`` does the same for the messages of Django (the admin, logins, form
errors) and of Django REST framework (the API's own errors), which ship a
Cyrillic ``kk`` catalog and no Arabic-script one: without it an Arabic-script
page would show them in Cyrillic (gettext falls back from kk_Arab to kk). It
writes ``livestock/locale_packages/kk_Arab`` from their installed ``kk``
catalogs and from ``livestock/locale_packages/kk``, our Cyrillic for some of the
admin's messages that Django's catalog leaves untranslated.
"""

import argparse
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "livestock" / "locale"
PACKAGES = ROOT / "livestock" / "locale_packages"
# Whose Kazakh catalogs, per domain, in the order Django prefers them (the admin's
# over auth's over DRF's over Django's own); ours (PACKAGES/kk) come first.
PACKAGE_CATALOGS = {
    "django": [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "django.conf",
    ],
    "djangojs": ["django.contrib.admin"],
}

HIGH_HAMZA = "\u0674"
LETTERS = {
    "а": "ا",
    "ә": "ا",
    "б": "ب",
    "в": "ۆ",
    "г": "گ",
    "ғ": "ع",
    "д": "د",
    "е": "ە",
    "ё": "يو",
    "ж": "ج",
    "з": "ز",
    "и": "ي",
    "й": "ي",
    "к": "ك",
    "қ": "ق",
    "л": "ل",
    "м": "م",
    "н": "ن",
    "ң": "ڭ",
    "о": "و",
    "ө": "و",
    "п": "پ",
    "р": "ر",
    "с": "س",
    "т": "ت",
    "у": "ۋ",
    "ұ": "ۇ",
    "ү": "ۇ",
    "ф": "ف",
    "х": "ح",
    "һ": "ھ",
    "ц": "تس",
    "ч": "چ",
    "ш": "ش",
    "щ": "شش",
    "ъ": "",
    "ы": "ى",
    "і": "ى",
    "ь": "",
    "э": "ە",
    "ю": "يۋ",
    "я": "يا",
}
PUNCTUATION = {",": "،", ";": "؛", "?": "؟"}
FRONT_VOWELS = set("әөүі")
FRONT_MARKERS = set("екгэ")

# What is never transliterated: placeholders, HTML tags, and anything not Cyrillic.
KEPT = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr%]|\{[^{}]*\}|<[^>]*>")
CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


def word_to_arabic(word: str) -> str:
    """One Cyrillic word in the Arabic script, with the high hamza where it is written."""
    lower = word.lower()
    letters = "".join(LETTERS.get(letter, letter) for letter in lower)
    if FRONT_VOWELS & set(lower) and not FRONT_MARKERS & set(lower):
        return HIGH_HAMZA + letters
    return letters


def _plain_to_arabic(text: str) -> str:
    text = CYRILLIC_WORD.sub(lambda match: word_to_arabic(match.group()), text)
    return "".join(PUNCTUATION.get(character, character) for character in text)


# FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE around what a placeholder stands for.
ISOLATE = "\u2068{}\u2069"


def to_arabic(text: str) -> str:
    """Kazakh text in Cyrillic, in the Arabic script; placeholders and tags untouched.

    Each placeholder is isolated (FSI … PDI), as Unicode advises for text of unknown
    direction put into right-to-left text: what it stands for (a date, a count, a
    Chinese or Latin name) keeps its own order whatever stands beside it, where an
    ISO date after an Arabic word would otherwise read 06-12-2026. The marks are
    invisible, and go with the message wherever it is shown (a page, the API)."""
    parts = []
    position = 0
    for match in KEPT.finditer(text):
        parts.append(_plain_to_arabic(text[position : match.start()]))
        kept = match.group()
        isolated = not kept.startswith("<") and kept != "%%"
        parts.append(ISOLATE.format(kept) if isolated else kept)
        position = match.end()
    parts.append(_plain_to_arabic(text[position:]))
    return "".join(parts)


DOMAINS = ["django", "djangojs"]  # the pages' and the field app script's


def fill(*, everything: bool) -> int:
    """Write kk_Arab's msgstrs from kk's, in both domains; returns how many were written."""
    return sum(_fill_domain(domain, everything=everything) for domain in DOMAINS)


def _fill_domain(domain: str, *, everything: bool) -> int:
    cyrillic = polib.pofile(str(LOCALE / "kk" / "LC_MESSAGES" / f"{domain}.po"))
    arabic_path = LOCALE / "kk_Arab" / "LC_MESSAGES" / f"{domain}.po"
    arabic = polib.pofile(str(arabic_path))
    source = {(entry.msgctxt, entry.msgid): entry for entry in cyrillic}
    written = 0
    for entry in arabic:
        original = source.get((entry.msgctxt, entry.msgid))
        if original is None or not original.translated() or "fuzzy" in original.flags:
            continue
        # A fuzzy entry is msgmerge's guess from a similar msgid: written again.
        stale = everything or "fuzzy" in entry.flags
        if entry.msgid_plural:
            if stale or not all(entry.msgstr_plural.values()):
                entry.msgstr_plural = {
                    index: to_arabic(text) for index, text in original.msgstr_plural.items()
                }
                written += 1
        elif stale or not entry.msgstr:
            entry.msgstr = to_arabic(original.msgstr)
            written += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    arabic.save(str(arabic_path))
    return written


def _package_entries(domain: str) -> list[polib.POEntry | polib.MOEntry]:
    """Every translated Kazakh message of the packages' catalogs of ``domain``, the
    preferred one of each msgid only."""
    ours = PACKAGES / "kk" / "LC_MESSAGES" / f"{domain}.po"
    catalogs = [polib.pofile(str(ours))] if ours.exists() else []
    for package in PACKAGE_CATALOGS[domain]:
        # Found, not imported: the admin cannot be imported without the settings.
        package_folder = Path(importlib.util.find_spec(package).submodule_search_locations[0])
        folder = package_folder / "locale" / "kk"
        catalogs.append(polib.mofile(str(folder / "LC_MESSAGES" / f"{domain}.mo")))
    entries: dict[tuple[str | None, str], polib.POEntry | polib.MOEntry] = {}
    for catalog in catalogs:
        for entry in catalog:
            texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            if entry.msgid and all(texts) and "fuzzy" not in entry.flags:
                entries.setdefault((entry.msgctxt, entry.msgid), entry)
    return list(entries.values())


def write_packages() -> int:
    """Write the packages' catalogs in the Arabic script; returns how many messages."""
    written = 0
    for domain in PACKAGE_CATALOGS:
        catalog = polib.POFile(wrapwidth=0)
        catalog.header = (
            "Django's and Django REST framework's Kazakh messages in the Arabic script, written\n"
            "by scripts/kk_arabic_po.py --packages from their Cyrillic catalogs (kk) and from\n"
            "livestock/locale_packages/kk. Do not edit: run it again after upgrading them.\n"
            "AWAITING REVIEW BY A NATIVE SPEAKER, like the rest of the Kazakh translations."
        )
        catalog.metadata = {
            "Project-Id-Version": "lambing-season-tracker (Django, DRF)",
            "Language": "kk_Arab",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=2; plural=(n!=1);",
        }
        for entry in sorted(_package_entries(domain), key=lambda e: (e.msgctxt or "", e.msgid)):
            catalog.append(
                polib.POEntry(
                    msgctxt=entry.msgctxt,
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr="" if entry.msgid_plural else to_arabic(entry.msgstr),
                    msgstr_plural={
                        index: to_arabic(text) for index, text in entry.msgstr_plural.items()
                    },
                )
            )
            written += 1
        folder = PACKAGES / "kk_Arab" / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        catalog.save(str(folder / f"{domain}.po"))
    return written


def compile_catalogs(root: Path) -> None:
    """msgfmt itself, as compilemessages runs it: compilemessages skips a catalog whose
    .mo is as new as its .po, which two writes within a moment can leave stale."""
    for po_file in sorted(root.glob("kk*/LC_MESSAGES/*.po")):
        command = ["msgfmt", "--check-format", "-o", po_file.with_suffix(".mo"), po_file]
        # GNU gettext's msgfmt from the PATH, as Django's compilemessages runs it.
        subprocess.run(command, check=True)  # noqa: S603, S607


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="write every msgstr again")
    parser.add_argument(
        "--packages", action="store_true", help="write Django's and DRF's messages instead"
    )
    arguments = parser.parse_args()
    if arguments.packages:
        written = write_packages()
        compile_catalogs(PACKAGES)
    else:
        written = fill(everything=arguments.all)
        compile_catalogs(LOCALE)
    print(f"{written} messages written in the Arabic script", file=sys.stderr)


if __name__ == "__main__":
    main()
