"""The columns of a counts spreadsheet, written once for the template, the
import and the exports: their keys, their headers in Chinese and English, and
the spellings of a header an import accepts."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    english: str

    @property
    def header(self) -> str:
        """What templates and exports write: ``日期 date``."""
        return f"{self.chinese} {self.english}"


COLUMNS = [
    Column("uuid", "条目编号", "entry uuid"),
    Column("county", "县市", "county"),
    Column("township", "乡镇", "township"),
    Column("village", "村", "village"),
    Column("herder_id", "牧户编号", "herder id"),
    Column("herder", "牧户", "herder"),
    Column("herder_latin", "牧户拉丁名", "herder latin name"),
    Column("season", "产羔季", "season"),
    Column("ewes_at_start", "越冬母羊", "ewes at start"),
    Column("date", "日期", "date"),
    Column("ewes_lambed", "产羔母羊", "ewes lambed"),
    Column("lambs_born", "产羔数", "lambs born"),
    Column("lambs_lost", "死亡羔羊", "lambs lost"),
    Column("loss_cause", "死亡原因", "cause of loss"),
    Column("lambs_alive", "成活羔羊", "lambs alive"),
    Column("check_stage", "成活检查", "survival check"),
    Column("note", "备注", "note"),
]


COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


HEADERS = [column.header for column in COLUMNS]


COUNT_KEYS = ("ewes_lambed", "lambs_born", "lambs_lost")


ENTRY_KEYS = ("date", *COUNT_KEYS, "loss_cause", "lambs_alive", "check_stage", "note")


# Which column shows a model field's error.
FIELD_COLUMNS = {
    "name": "herder",
    "name_latin": "herder_latin",
    "herder": "herder",
    "season": "season",
    "record": "herder",
    "reason": "ewes_at_start",
}


# A row whose first cell starts with this is a comment (the template's example row).
COMMENT = "#"


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _spellings(column: Column) -> set[str]:
    chinese, english = column.chinese, column.english.lower()
    return {
        column.key,
        chinese,
        english,
        f"{chinese} {english}",
        f"{chinese}/{english}",
        f"{chinese} / {english}",
        f"{chinese}({english})",
        f"{chinese}（{english}）",
    }


HEADER_SPELLINGS = {spelling: column.key for column in COLUMNS for spelling in _spellings(column)}


# Problems
