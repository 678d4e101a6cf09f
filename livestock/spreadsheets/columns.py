"""The columns of a counts spreadsheet, written once for the template, the
import and the exports: their keys, their headers in Chinese and English, and
the spellings of a header an import accepts (a column's former Chinese name
among them, so that files made before a renaming still import).

An entry's columns are its content fields (``LambingEntry.CONTENT_FIELDS``),
headed by each field's name in Chinese and English and read by its type, so
that a new kind of count on an entry is a new column with no change here."""

import re
from dataclasses import dataclass

from django.db import models
from django.utils import translation

from livestock.models import LambingEntry, LambingRecord


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    english: str
    # Chinese names the column was headed by before, still read by the import.
    former_chinese: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """What templates and exports write: ``日期 date``."""
        return f"{self.chinese} {self.english}"


def _field_column(model: type[models.Model], name: str) -> Column:
    """A model field's column, headed by its name in Chinese and in English."""
    verbose_name = model._meta.get_field(name).verbose_name
    with translation.override("zh-hans"):
        chinese = str(verbose_name)
    with translation.override("en"):
        english = str(verbose_name)
    return Column(name, chinese, english)


COLUMNS = [
    Column("uuid", "条目编号", "entry uuid"),
    Column("county", "县市", "county"),
    Column("township", "乡镇", "township"),
    Column("village", "村", "village"),
    Column("herder_id", "牧户编号", "herder id"),
    Column("herder", "牧户", "herder"),
    Column("herder_latin", "牧户拉丁名", "herder latin name"),
    Column("season", "产羔季", "season"),
    # 季初能繁母羊 as the app names the number everywhere (docs/glossary.md);
    # headed 越冬母羊 until December 2026, the word of the regional reports.
    Column("ewes_at_start", "季初能繁母羊", "ewes at start", former_chinese=("越冬母羊",)),
    *(_field_column(LambingEntry, name) for name in LambingEntry.CONTENT_FIELDS),
    # Optional, as the family writes it (Arabic script or Cyrillic; places/names.py).
    # Last, so that every other column keeps its place in files made before it.
    Column("herder_kazakh", "牧户哈萨克文名", "herder kazakh name"),
]


COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


HEADERS = [column.header for column in COLUMNS]


# An entry's columns, in the order of its content (a derived uuid reads them so).
ENTRY_KEYS = LambingEntry.CONTENT_FIELDS


# The fields each column fills, by what the import reads in it: a whole number
# (empty: the field's default, or none), a choice (any spelling of one), text.
FIELDS = {
    "ewes_at_start": LambingRecord._meta.get_field("ewes_at_start"),
    **{name: LambingEntry._meta.get_field(name) for name in ENTRY_KEYS},
}
NUMBER_KEYS = tuple(key for key, field in FIELDS.items() if isinstance(field, models.IntegerField))
CHOICE_KEYS = tuple(key for key, field in FIELDS.items() if field.choices)
TEXT_KEYS = tuple(
    key
    for key, field in FIELDS.items()
    if isinstance(field, models.CharField | models.TextField) and not field.choices
)


# Which column shows a model field's error.
FIELD_COLUMNS = {
    "name": "herder",
    "name_latin": "herder_latin",
    "name_kazakh": "herder_kazakh",
    "herder": "herder",
    "season": "season",
    "record": "herder",
    "reason": "ewes_at_start",
}


# A row whose first cell starts with this is a comment (the template's example row).
COMMENT = "#"


SPACES = re.compile(r"\s+")


def normalized(text: str) -> str:
    return SPACES.sub(" ", text.strip().lower())


def _spellings(column: Column) -> set[str]:
    english = column.english.lower()
    spellings = {column.key, english}
    for chinese in (column.chinese, *column.former_chinese):
        spellings |= {
            chinese,
            f"{chinese} {english}",
            f"{chinese}/{english}",
            f"{chinese} / {english}",
            f"{chinese}({english})",
            f"{chinese}（{english}）",
        }
    return spellings


HEADER_SPELLINGS = {spelling: column.key for column in COLUMNS for spelling in _spellings(column)}


# Problems
