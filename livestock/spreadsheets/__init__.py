"""Counts as spreadsheets: a township centre's file of herders, records and
dated entries read in, and the same columns written out.

One row is one herder household, optionally with its record for a season
(``season``, ``ewes_at_start``), optionally with one dated entry of that
record (``date`` and the counts). Places and herders are named by their
Chinese or Latin name, or by id. Exports write the same columns, with the
herder's id and each entry's ``uuid``, so that an export imports back as
"unchanged".

An import is one transaction (all or nothing) run as the importing user
(``attribution.acting_as``), and every write goes through ``services``, so the rules
of ``rules.py``, the models' ``clean()`` and the record locks apply exactly as
on every other surface. A preview is the same import rolled back.

Each entry needs an identity, so that a file imported twice stores nothing
the second time: its ``uuid`` column when given, otherwise a UUID derived
(uuid5) from its record and its content. Two rows of one file with the same
identity are refused: if both counts are real, give each its own uuid.
"""

import csv
import datetime
import io
import re
import uuid as uuid_module
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._reader import WorkSheetParser

from livestock.audit.attribution import Surface, acting_as
from livestock.choices import CheckStage, LossCause
from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Season,
    Township,
    Village,
)
from livestock.places import scoping
from livestock.places.names import normalize_name
from livestock.services.entries import USED_UUID, NewEntry, entries_create
from livestock.services.places import herder_build, herder_update, herders_create
from livestock.services.records import record_build, record_update, records_create
from livestock.spreadsheets.tables import FORMULA_STARTS, inert


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
# Derived entry identities are keyed with this salt and the SECRET_KEY.
ROW_SALT = "livestock.spreadsheets.derived_uuid"
XLSX_MAGIC = b"PK\x03\x04"


def _normal(text: str) -> str:
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


@dataclass(frozen=True)
class RowError:
    """A refused row: its line (the header is line 1), the column as the file
    names it, the value, and the rule it breaks."""

    line: int
    column: str
    value: str
    message: str


class FileRefused(Exception):
    """The file as a whole cannot be read: not a spreadsheet, an unknown column."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.errors = errors or []


# Reading


@dataclass
class Table:
    """A file's header (as written) and its rows, each with its line number."""

    headers: list[str]
    keys: list[str]
    rows: list[tuple[int, list[str]]]

    def header_of(self, key: str) -> str:
        if key in self.keys:
            return self.headers[self.keys.index(key)]
        return COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key


@dataclass(frozen=True)
class ReadLimits:
    """What one file may hold, so that reading it costs work bounded by the
    limits, not by what its few compressed bytes declare: an 8 KB XLSX can
    hold 20,000 rows, and a 2 KB one can declare a sheet of 16,384 columns by
    a million rows. A file past a limit is refused as soon as the reading
    reaches it, naming the limit. Settings ``IMPORT_MAX_*`` (README.md)."""

    rows: int | None  # below the header; None: any number (the command)
    columns: int
    cell_characters: int
    unzipped_bytes: int

    @classmethod
    def from_settings(cls, *, rows: bool = True) -> "ReadLimits":
        return cls(
            rows=settings.IMPORT_MAX_ROWS if rows else None,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_characters=settings.IMPORT_MAX_CELL_CHARACTERS,
            unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_MB * 1024 * 1024,
        )


def read_table(content: bytes, limits: ReadLimits | None = None) -> Table:
    """The rows of a CSV (UTF-8 with or without BOM, or GB18030) or XLSX file.
    The first row names the columns; rows that are blank or start with ``#``
    are skipped. A file past ``limits`` is refused."""
    limits = limits or ReadLimits.from_settings()
    read = _xlsx_lines if content.startswith(XLSX_MAGIC) else _csv_lines
    lines = iter(read(content, limits))
    header_line = next(((n, cells) for n, cells in lines if any(_text(c) for c in cells)), None)
    if header_line is None:
        raise FileRefused(_("The file is empty; the first row must name the columns."))
    headers = [_text(cell) for cell in header_line[1]]
    while headers and not headers[-1]:
        headers.pop()
    keys, errors = [], []
    for position, header in enumerate(headers, start=1):
        key = HEADER_SPELLINGS.get(_normal(header))
        if key is None or key in keys:
            rule = _("unknown column") if key is None else _("column given twice")
            errors.append(RowError(header_line[0], header or str(position), _shown(header), rule))
        keys.append(key)
    if errors:
        raise FileRefused(
            _("The first row names columns that the import does not know; the columns are: %s")
            % "; ".join(HEADERS),
            errors,
        )
    rows = []
    for line, cells in lines:
        texts = [_text(cell) for cell in cells[: len(keys)]]
        if not any(texts) or texts[0].startswith(COMMENT):
            continue
        rows.append((line, texts + [""] * (len(keys) - len(texts))))
    return Table(headers, keys, rows)


def _shown(value: str, length: int = 60) -> str:
    """A value as an error repeats it: whole when short, else its start and
    its length, so that an answer stays a small multiple of the file."""
    return value if len(value) <= length else f"{value[:length]}… ({len(value)})"


def _bounded(lines: Iterable[tuple[int, list]], limits: ReadLimits) -> list[tuple[int, list]]:
    """The lines as read, up to the limits: refused at the first line past one."""
    kept = []
    for line, cells in lines:
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > limits.columns:
            raise FileRefused(
                _("Line %(line)s has %(count)s columns; a file has at most %(limit)s.")
                % {"line": line, "count": len(cells), "limit": limits.columns}
            )
        for position, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and len(cell) > limits.cell_characters:
                raise FileRefused(
                    _(
                        "Line %(line)s, column %(column)s holds %(count)s characters; "
                        "a cell holds at most %(limit)s."
                    )
                    % {
                        "line": line,
                        "column": position,
                        "count": len(cell),
                        "limit": limits.cell_characters,
                    }
                )
        kept.append((line, cells))
        if limits.rows is not None and len(kept) > limits.rows + 1:
            raise FileRefused(_too_many_rows(limits))
    return kept


def _decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped) or, failing that, GB18030, which Chinese
    spreadsheets save as "CSV". Valid UTF-8 is almost never meant as GB18030,
    so the order decides without guessing."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("The file is neither XLSX nor a CSV in UTF-8 or GB18030."))


def _csv_lines(content: bytes, limits: ReadLimits) -> list[tuple[int, list]]:
    """The rows of a CSV, read here up to the limits, so that a line the csv
    module cannot read (a cell beyond its size limit) refuses the file with a
    message."""
    try:
        lines = csv.reader(io.StringIO(_decode(content), newline=""))
        return _bounded(enumerate(lines, start=1), limits)
    except csv.Error as error:
        raise FileRefused(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None


def _xlsx_lines(content: bytes, limits: ReadLimits) -> list[tuple[int, list]]:
    """The first sheet's rows, read here up to the limits: openpyxl reads a
    sheet's XML lazily, so a file damaged past its first rows would otherwise
    fail in the middle of the import instead of being refused as a file.

    Rows are read as the sheet holds them, each with the cells it has: the
    worksheet's own row iterator pads every row to the width the sheet declares
    (``<dimension ref="A1:XFD1048576"/>``: 16,384 cells a row) and yields the
    empty rows between two distant ones, so a few kilobytes would cost
    gigabytes. The archive's members are checked first: all of them together
    unzip to at most ``limits.unzipped_bytes``."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise FileRefused(_("The XLSX file cannot be read: %(error)s") % {"error": error}) from None
    if unzipped > limits.unzipped_bytes:
        raise FileRefused(
            _("The XLSX file unzips to %(size)s MB; a file may unzip to at most %(limit)s MB.")
            % {
                "size": round(unzipped / 1024 / 1024, 1),
                "limit": limits.unzipped_bytes // 1024 // 1024,
            }
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            if limits.rows is not None:
                _check_row_count(sheet, limits)
            return _bounded(_sheet_rows(workbook, sheet), limits)
        finally:
            workbook.close()
    except FileRefused:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileRefused(_("The XLSX file cannot be read: %(error)s") % {"error": error}) from None


# A row element of a sheet's XML, with or without a namespace prefix.
ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _check_row_count(sheet, limits: ReadLimits) -> None:
    """Refuse a sheet of too many rows before parsing any: its rows counted
    in its XML at the speed of a byte search (a few milliseconds for what
    parsing would take a second), the XML being within the unzipped limit."""
    with sheet._get_source() as source:
        rows = len(ROW_ELEMENT.findall(source.read()))
    if rows > limits.rows + 1:
        raise FileRefused(_too_many_rows(limits))


def _too_many_rows(limits: ReadLimits) -> str:
    return _(
        "The file has more than %(limit)s rows below its header; split it, or "
        "import it with manage.py import_counts."
    ) % {"limit": limits.rows}


def _sheet_rows(workbook, sheet) -> Iterator[tuple[int, list]]:
    """A read-only sheet's rows with their row numbers, each as a list as long
    as its last cell, read from the sheet's XML by openpyxl's own parser."""
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            values = {cell["column"]: cell["value"] for cell in cells if cell["value"] is not None}
            # One row at a time: _bounded refuses a row too wide before the next is read.
            row = [None] * max(values, default=0)
            for column, value in values.items():
                row[column - 1] = value
            yield number, row


def _text(cell) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ``.0``, and a
    value a spreadsheet export made inert (``'=…``) as it was."""
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    text = str(cell).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


# Importing


@dataclass
class ImportResult:
    """What an import did (or, rolled back, would do)."""

    rows: int = 0
    counts: Counter = field(default_factory=Counter)  # ("entry", "created") → n
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def count(self, kind: str, outcome: str) -> int:
        return self.counts[(kind, outcome)]

    @property
    def kinds(self) -> list[tuple[str, str, int, int, int]]:
        """(kind, its name, created, changed, unchanged) per kind of object."""
        names = {
            "herder": gettext_lazy("herder households"),
            "record": gettext_lazy("lambing records"),
            "entry": gettext_lazy("lambing entries"),
        }
        return [
            (
                kind,
                str(name),
                self.count(kind, "created"),
                self.count(kind, "changed"),
                self.count(kind, "unchanged"),
            )
            for kind, name in names.items()
        ]


def listed(errors: list[RowError]) -> tuple[list[RowError], int]:
    """The errors an answer lists (``IMPORT_MAX_ERRORS_LISTED``), and how many
    more it only counts: a file of thousands of bad rows is answered in a
    page, not in thousands of rows of errors."""
    limit = settings.IMPORT_MAX_ERRORS_LISTED
    return errors[:limit], max(0, len(errors) - limit)


class RowRefused(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors  # (column key, message)


IMPORT_PERMISSIONS = [
    f"livestock.{action}_{model}"
    for action in ("add", "change")
    for model in ("herder", "lambingrecord", "lambingentry")
]


def may_import(user: AbstractBaseUser) -> bool:
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


def import_counts(
    *,
    content: bytes,
    user: AbstractBaseUser,
    dry_run: bool = False,
    reason: str = "",
    progress: Callable[[int, int], None] | None = None,
    source: str = "",
    limits: ReadLimits | None = None,
) -> ImportResult:
    """Import a file as ``user``, into ``user``'s places only. With any row
    refused, or ``dry_run``, nothing is kept and the result says what would
    have been done. ``progress`` is called with the rows done and the rows in all.
    The history names ``user`` and says the change came from an import, from
    ``source`` (the file and the surface it was sent through)."""
    if not may_import(user):
        raise FileRefused(_("Importing needs the technician's right to add and change counts."))
    table = read_table(content, limits)
    result = ImportResult(rows=len(table.rows))
    importer = _Importer(table=table, user=user, reason=reason, result=result)
    importer.source = source
    try:
        _import_rows(importer, table, result, dry_run=dry_run, progress=progress)
    except IntegrityError:
        # Another request stored one of these entries or records between their
        # look-up and the import's insert; the whole import was rolled back.
        raise FileRefused(
            _(
                "Someone saved some of these counts while the file was being imported; "
                "nothing was stored. Import the file again."
            )
        ) from None
    return result


def _import_rows(importer, table, result, *, dry_run, progress) -> None:
    # No savepoint per row: each service is atomic on its own, and with any row
    # refused the whole import is rolled back.
    user, source = importer.user, importer.source
    with transaction.atomic(), acting_as(user, surface=Surface.IMPORT, source=source):
        for done, (line, cells) in enumerate(table.rows, start=1):
            row = dict(zip(table.keys, cells, strict=True))
            try:
                importer.import_row(line, row)
            except RowRefused as refused:
                importer.refuse(line, row, refused)
            if len(importer.pending) >= ENTRY_BATCH:
                importer.store()
            if progress is not None:
                progress(done, result.rows)
        importer.store()
        result.errors.sort(key=lambda error: error.line)
        result.applied = not (result.errors or dry_run)
        if not result.applied:
            transaction.set_rollback(True)


# New entries are stored this many at a time (``entries_create``).
ENTRY_BATCH = 1000


class _Importer:
    """Resolves a row's names within the user's places and applies it through
    ``services``. Names looked up once are remembered for the file; a village's
    households and their records are read once. Entries are stored in batches."""

    def __init__(self, *, table: Table, user, reason: str, result: ImportResult):
        self.user = user
        self.reason = reason
        self.result = result
        self.villages = scoping.visible(user, Village.objects.all())
        self.herders = scoping.visible(user, Herder.objects.all())
        self.place_cache: dict[tuple, Village] = {}
        self.season_cache: dict[str, Season] = {}
        self.herder_cache: dict[tuple, Herder] = {}
        self.record_cache: dict[tuple, LambingRecord] = {}
        self.seasons = list(Season.objects.all())
        self.entry_lines: dict[uuid_module.UUID, int] = {}
        self.counted: set[tuple[str, int]] = set()
        self.village_herders: dict[int, list[Herder]] = {}
        # Made and validated row by row, saved together by store().
        self.new_herders: list[Herder] = []
        self.new_records: list[LambingRecord] = []
        self.pending: list[tuple] = []
        self.table = table
        self.codes = {
            "loss_cause": _choice_spellings(LossCause),
            "check_stage": _choice_spellings(CheckStage),
        }

    def count(self, kind: str, outcome: str, obj) -> None:
        """Count each object once, however many rows name it."""
        if (kind, _key(obj)) not in self.counted:
            self.counted.add((kind, _key(obj)))
            self.result.counts[(kind, outcome)] += 1

    def refuse(self, line: int, row: dict[str, str], refused: RowRefused) -> None:
        for key, message in refused.errors:
            self.result.errors.append(
                RowError(line, self.table.header_of(key), _shown(row.get(key, "")), message)
            )

    def import_row(self, line: int, row: dict[str, str]) -> None:
        values, errors = self.parse(row)
        if errors:
            raise RowRefused(errors)
        herder = self.herder(row)
        season = self.season(row, values)
        if season is None:
            if values["ewes_at_start"] is not None:
                raise RowRefused([("season", _("ewes at start belong to a season; name it"))])
            return
        record = self.record(herder, season, values["ewes_at_start"])
        if values["date"] is not None:
            self.entry(line, row, record, values)

    def parse(self, row: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        """The row's counts, date, codes and uuid as values, or what is wrong with them."""
        values, errors = {}, []
        for key, text in row.items():
            if "\x00" in text:
                errors.append((key, _("a NUL character (\\x00) cannot be stored; remove it")))
        for key in ("ewes_at_start", *COUNT_KEYS, "lambs_alive"):
            text = row.get(key, "").replace(",", "")
            if not text:
                values[key] = None if key in ("ewes_at_start", "lambs_alive") else 0
                continue
            try:
                values[key] = whole_number(text)
            except ValueError as error:
                errors.append((key, str(error)))
        text = row.get("date", "")
        values["date"] = None
        if text:
            values["date"] = _parse_date(text)
            if values["date"] is None:
                message = _("%(value)s is not a date such as 2025-02-11") % {"value": text}
                errors.append(("date", message))
        for key, spellings in self.codes.items():
            text = row.get(key, "")
            values[key] = spellings.get(_normal(text), None) if text else ""
            if values[key] is None:
                errors.append(
                    (
                        key,
                        _("%(value)s is not one of: %(choices)s")
                        % {"value": text, "choices": ", ".join(sorted(set(spellings.values())))},
                    )
                )
        values["note"] = row.get("note", "")
        text = row.get("uuid", "")
        values["uuid"] = None
        if text:
            try:
                values["uuid"] = uuid_module.UUID(text)
            except ValueError:
                errors.append(("uuid", _("%(value)s is not a UUID") % {"value": text}))
        has_entry_content = (
            any(row.get(key) for key in ENTRY_KEYS if key != "date") or values["uuid"]
        )
        if values["date"] is None and not errors and has_entry_content:
            errors.append(("date", _("counts need the date they were counted on")))
        return values, errors

    # Places and herders

    def village(self, row: dict[str, str]) -> Village:
        names = (row.get("county", ""), row.get("township", ""), row.get("village", ""))
        if names in self.place_cache:
            return self.place_cache[names]
        county, township, village = names
        if not village:
            raise RowRefused([("village", _("name the village (or give the herder id)"))])
        villages = self.villages.filter(_named(village)).select_related("township__county")
        if township:
            villages = villages.filter(township__in=Township.objects.filter(_named(township)))
        if county:
            villages = villages.filter(township__county__in=County.objects.filter(_named(county)))
        found = _one_village(villages)
        self.place_cache[names] = found
        return found

    def herder(self, row: dict[str, str]) -> Herder:
        """The row's household: by id (then its names and village in the row are
        changes to make), or by name within the village (created when new)."""
        key = tuple(
            row.get(k, "") for k in ("county", "township", "village", "herder_id", "herder")
        )
        if key in self.herder_cache:
            return self.herder_cache[key]
        # As names are stored (NFC, Kazakh hamza), so that the row finds its household.
        name = normalize_name(row.get("herder", ""))
        name_latin = normalize_name(row.get("herder_latin", ""))
        herder_id = row.get("herder_id", "")
        if herder_id:
            try:
                herder_pk = whole_number(herder_id)
            except ValueError as error:
                raise RowRefused([("herder_id", str(error))]) from None
            herder = self.herders.select_related("village").filter(pk=herder_pk).first()
            if herder is None:
                raise RowRefused(
                    [("herder_id", _("no herder household with this id in your places"))]
                )
            wanted = {
                "village": self.village(row) if row.get("village") else herder.village,
                "name": name or herder.name,
                "name_latin": name_latin or herder.name_latin,
            }
        else:
            if not name:
                raise RowRefused([("herder", _("name the herder household or give its id"))])
            village = self.village(row)
            candidates = [
                herder
                for herder in self.herders_of(village)
                if name in (herder.name, herder.name_latin)
                or name.lower() == herder.name_latin.lower()
            ]
            if len(candidates) > 1:
                listed = ", ".join(f"{h} (id {h.pk})" for h in candidates)
                message = _(
                    "ambiguous: several households of %(village)s have this name: %(listed)s; "
                    "give the herder id"
                ) % {"village": village, "listed": listed}
                raise RowRefused([("herder", message)])
            if not candidates:
                herder = self.apply(
                    "herder",
                    lambda: herder_build(village=village, name=name, name_latin=name_latin),
                )
                herder.import_key = ("new", id(herder))
                self.new_herders.append(herder)
                self.count("herder", "created", herder)
                self.herder_cache[key] = herder
                self.village_herders[village.pk].append(herder)
                return herder
            herder = candidates[0]
            wanted = {"name_latin": name_latin or herder.name_latin}
        changes = {name: value for name, value in wanted.items() if getattr(herder, name) != value}
        if changes:
            stored = herder
            herder = self.apply("herder", lambda: herder_update(stored, **changes))
            if "village" in changes:  # read both villages' households again when asked
                self.village_herders.pop(stored.village_id, None)
                self.village_herders.pop(herder.village_id, None)
            self.count("herder", "changed", herder)
        else:
            self.count("herder", "unchanged", herder)
        self.herder_cache[key] = herder
        return herder

    def herders_of(self, village: Village) -> list[Herder]:
        """The village's households, with their records, read once per file."""
        if village.pk not in self.village_herders:
            herders = list(self.herders.filter(village=village))
            self.village_herders[village.pk] = herders
            for record in LambingRecord.objects.filter(herder__in=[h.pk for h in herders]):
                self.record_cache.setdefault((record.herder_id, record.season_id), record)
        return self.village_herders[village.pk]

    # Seasons, records, entries

    def season(self, row: dict[str, str], values: dict) -> Season | None:
        text = row.get("season", "")
        if not text:
            if values["date"] is None:
                return None
            found = [s for s in self.seasons if s.start_date <= values["date"] <= s.end_date]
            if not found:
                raise RowRefused(
                    [
                        (
                            "date",
                            _("%(value)s is in no season; name the season")
                            % {"value": values["date"]},
                        )
                    ]
                )
            return found[0]
        if text not in self.season_cache:
            wanted = _normal(text).replace("-", "–")
            for season in self.seasons:
                names = {str(season.pk)}
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        names.add(_normal(season.name))
                if wanted in names:
                    self.season_cache[text] = season
                    break
            else:
                listed = "; ".join(s.name for s in self.seasons)
                raise RowRefused(
                    [
                        (
                            "season",
                            _("no such season; the seasons are: %(listed)s") % {"listed": listed},
                        )
                    ]
                )
        return self.season_cache[text]

    def record(self, herder: Herder, season: Season, ewes_at_start: int | None) -> LambingRecord:
        key = (_key(herder), season.pk)
        record = self.record_cache.get(key)
        if record is None and herder.pk and herder.village_id not in self.village_herders:
            # (A loaded village's records are all in the cache already.)
            record = LambingRecord.objects.filter(herder=herder, season=season).first()
        if record is None:
            record = self.apply(
                "record",
                lambda: record_build(herder=herder, season=season, ewes_at_start=ewes_at_start),
            )
            record.import_key = ("new", id(record))
            self.new_records.append(record)
            self.count("record", "created", record)
        elif ewes_at_start is not None and ewes_at_start != record.ewes_at_start:
            stored = record
            record = self.apply(
                "record",
                lambda: record_update(
                    record=stored, ewes_at_start=ewes_at_start, reason=self.reason
                ),
            )
            self.count("record", "changed", record)
        else:
            self.count("record", "unchanged", record)
        self.record_cache[key] = record
        return record

    def entry(self, line: int, row: dict, record: LambingRecord, values: dict) -> None:
        content = {key: values[key] for key in ENTRY_KEYS}
        self.pending.append((line, row, record, content, values["uuid"]))

    def store(self) -> None:
        """Save the new households and records, then the pending entries
        (``entries_create``); each refused entry is its row's error.
        An entry's derived uuid needs its record's id, so it is made here."""
        if self.new_herders:
            herders_create(herders=self.new_herders, user=self.user)
            self.new_herders = []
        if self.new_records:
            records_create(records=self.new_records, user=self.user)
            self.new_records = []
        pending, self.pending = self.pending, []
        items = []
        for line, row, record, content, given_uuid in pending:
            entry_uuid = given_uuid or derived_uuid(record, content)
            if entry_uuid in self.entry_lines:
                column = "uuid" if given_uuid else "date"
                message = _(
                    "the same entry as line %(line)s; if both are counts, give each its own uuid"
                ) % {"line": self.entry_lines[entry_uuid]}
                self.refuse(line, row, RowRefused([(column, message)]))
                continue
            self.entry_lines[entry_uuid] = line
            items.append((line, row, NewEntry(record, entry_uuid, content)))
        entries_create(items=[item for _l, _r, item in items], created_by=self.user)
        for line, row, item in items:
            if item.conflict is not None:
                message = USED_UUID % {"uuid": item.uuid}
                self.refuse(line, row, RowRefused([("uuid", message)]))
            elif item.error is not None:
                self.refuse(line, row, _refused("entry", item.error))
            else:
                self.count("entry", "created" if item.is_new else "unchanged", item.entry)

    def apply(self, kind: str, write: Callable):
        """Run a service; its validation errors become the row's errors, each at
        the column of its field."""
        try:
            return write()
        except ValidationError as error:
            raise _refused(kind, error) from None


def _refused(kind: str, error: ValidationError) -> RowRefused:
    """A service's validation error as a row's errors, each at its field's column."""
    if not hasattr(error, "error_dict"):
        return RowRefused([(_default_column(kind), " ".join(error.messages))])
    return RowRefused(
        [
            (_column_of(kind, field_name), " ".join(ValidationError(errors).messages))
            for field_name, errors in error.error_dict.items()
        ]
    )


def _key(obj) -> object:
    """An object's identity within an import: its id, or for one made by the
    import and not saved yet, a key of its own that it keeps once saved."""
    return getattr(obj, "import_key", None) or obj.pk


def derived_uuid(record: LambingRecord, content: dict) -> uuid_module.UUID:
    """An entry's identity when the file gives none: its record and everything
    counted in it, keyed with this deployment's ``SECRET_KEY`` (an HMAC), so
    that the same row imported again gets the same uuid and nobody else can
    compute it: a plain uuid5 of record and counts let anyone send the uuid of
    another county's candidate counts and learn from the answer whether they
    are stored. (A new ``SECRET_KEY`` makes new identities: a file imported
    before and after the change is stored twice.)"""
    parts = [str(record.pk)] + [
        "" if content[key] is None else str(content[key]) for key in ENTRY_KEYS
    ]
    digest = salted_hmac(ROW_SALT, "|".join(parts), algorithm="sha256").digest()
    return uuid_module.UUID(bytes=digest[:16], version=5)


def _default_column(kind: str) -> str:
    return {"herder": "herder", "record": "ewes_at_start", "entry": "date"}[kind]


def _column_of(kind: str, field_name: str) -> str:
    if field_name in COLUMN_BY_KEY:
        return field_name
    return FIELD_COLUMNS.get(field_name) or _default_column(kind)


# Counts and ids have at most this many digits: more is no count, and past
# 4,300 digits Python refuses to read the number at all.
MAX_DIGITS = 18
WHOLE_NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(text: str) -> int:
    """A cell's whole number of 0 or more, in ASCII digits (``²`` or ``٣`` is no
    count), or a ``ValueError`` whose message names the value and the rule."""
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    shown = text if len(text) <= 40 else f"{text[:20]}…({len(text)})"
    if text.isascii() and text.isdigit():
        raise ValueError(
            _("%(value)s has more than %(digits)s digits") % {"value": shown, "digits": MAX_DIGITS}
        )
    raise ValueError(_("%(value)s is not a whole number of 0 or more") % {"value": shown})


def _named(text: str) -> Q:
    """A place by its Chinese name, its Latin name (any case) or its id."""
    if WHOLE_NUMBER.fullmatch(text):
        return Q(pk=int(text))
    return Q(name=text) | Q(name_latin__iexact=text)


def _one_village(villages: QuerySet) -> Village:
    found = list(villages[:6])
    if not found:
        raise RowRefused([("village", _("no such village in your places"))])
    if len(found) > 1:
        listed = ", ".join(f"{place} (id {place.pk}, {_parents(place)})" for place in found[:5])
        message = _(
            "ambiguous: it names %(listed)s; add the township and county, or give the id"
        ) % {"listed": listed}
        raise RowRefused([("village", message)])
    return found[0]


def _parents(village: Village) -> str:
    return f"{village.township.county.name} {village.township.name}"


def _choice_spellings(choices) -> dict[str, str]:
    """A choice by its code or its label in Chinese or English."""
    spellings = {}
    for code, label in choices.choices:
        spellings[_normal(code)] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                spellings[_normal(str(label))] = code
    return spellings


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _parse_date(text: str) -> datetime.date | None:
    text = text.strip().split(" ")[0]
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None


# Writing: the template and exports


def herder_rows(herders: QuerySet) -> Iterator[list]:
    herders = herders.select_related("village__township__county").order_by("pk")
    for herder in herders.iterator(chunk_size=2000):
        yield _row(herder=herder)


def record_rows(records: QuerySet) -> Iterator[list]:
    records = records.select_related("herder__village__township__county", "season").order_by("pk")
    for record in records.iterator(chunk_size=2000):
        yield _row(herder=record.herder, record=record)


def entry_rows(entries: QuerySet) -> Iterator[list]:
    entries = entries.select_related(
        "record__herder__village__township__county", "record__season"
    ).order_by("record", "date", "pk")
    for entry in entries.iterator(chunk_size=2000):
        yield _row(herder=entry.record.herder, record=entry.record, entry=entry)


def _row(*, herder: Herder, record: LambingRecord | None = None, entry=None) -> list:
    village = herder.village
    values = {
        "county": village.township.county.name,
        "township": village.township.name,
        "village": village.name,
        "herder_id": herder.pk,
        "herder": herder.name,
        "herder_latin": herder.name_latin,
    }
    if record is not None:
        values["season"] = record.season.name
        values["ewes_at_start"] = record.ewes_at_start
    if entry is not None:
        values.update(
            uuid=str(entry.uuid),
            date=entry.date,
            ewes_lambed=entry.ewes_lambed,
            lambs_born=entry.lambs_born,
            lambs_lost=entry.lambs_lost,
            loss_cause=entry.get_loss_cause_display(),
            lambs_alive=entry.lambs_alive,
            check_stage=entry.get_check_stage_display(),
            note=entry.note,
        )
    return [_cell(values.get(column.key)) for column in COLUMNS]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def template_rows() -> list[list]:
    """The template's one example row, a comment (``#``) that the import skips:
    a household of Burqin with one day's count."""
    example = {
        "uuid": "# " + _("example, delete this row"),
        "county": "布尔津县",
        "township": "窝依莫克镇",
        "village": "通克村",
        "herder": "别克·木合亚提",
        "herder_latin": "Bieke Muheyati",
        "season": "2024–2025 冬羔",
        "ewes_at_start": 150,
        "date": "2025-02-11",
        "ewes_lambed": 12,
        "lambs_born": 14,
        "lambs_lost": 1,
        "loss_cause": str(LossCause.COLD.label),
        "lambs_alive": 13,
        "check_stage": str(CheckStage.DAY_7.label),
        "note": "",
    }
    return [[example.get(column.key, "") for column in COLUMNS]]


def write_csv(rows: Iterable[list]) -> bytes:
    """UTF-8 with a BOM, so that a spreadsheet opens the Chinese names right."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows([inert(value) for value in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")


def write_xlsx(rows: Iterable[list]) -> bytes:
    """Written row by row (openpyxl's write-only mode), so a season's entries fit in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    headers = []
    for header in HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        headers.append(cell)
    sheet.append(headers)
    for row in rows:
        sheet.append([inert(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def entries_of(records: QuerySet) -> QuerySet:
    """The entries of the records listed, for the entries' export."""
    return LambingEntry.objects.filter(record__in=records.values("pk"))
