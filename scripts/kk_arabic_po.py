"""Fill the Arabic-script Kazakh catalog from the Cyrillic one.

    .venv/bin/python scripts/kk_arabic_po.py           # fill empty msgstrs of kk_Arab
    .venv/bin/python scripts/kk_arabic_po.py --all     # write every msgstr again

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
digits are kept as they are: digits stay Western.

Then it compiles both catalogs (GNU gettext's msgfmt). A native speaker reviews the Cyrillic; the
Arabic script follows it.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "livestock" / "locale"

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


def to_arabic(text: str) -> str:
    """Kazakh text in Cyrillic, in the Arabic script; placeholders and tags untouched."""
    parts = []
    position = 0
    for match in KEPT.finditer(text):
        parts.append(_plain_to_arabic(text[position : match.start()]))
        parts.append(match.group())
        position = match.end()
    parts.append(_plain_to_arabic(text[position:]))
    return "".join(parts)


def fill(*, everything: bool) -> int:
    """Write kk_Arab's msgstrs from kk's; returns how many were written."""
    cyrillic = polib.pofile(str(LOCALE / "kk" / "LC_MESSAGES" / "django.po"))
    arabic_path = LOCALE / "kk_Arab" / "LC_MESSAGES" / "django.po"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="write every msgstr again")
    arguments = parser.parse_args()
    written = fill(everything=arguments.all)
    print(f"{written} messages written in the Arabic script", file=sys.stderr)
    # msgfmt itself, as compilemessages runs it: compilemessages skips a catalog whose
    # .mo is as new as its .po, which two writes within a moment can leave stale.
    for locale in ("kk", "kk_Arab"):
        folder = LOCALE / locale / "LC_MESSAGES"
        command = ["msgfmt", "--check-format", "-o", folder / "django.mo", folder / "django.po"]
        # GNU gettext's msgfmt from the PATH, as Django's compilemessages runs it.
        subprocess.run(command, check=True)  # noqa: S603, S607


if __name__ == "__main__":
    main()
