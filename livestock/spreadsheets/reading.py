"""A spreadsheet read into rows (CSV or XLSX), within the limits of size,
rows and cells a file may have: a file refused says why, by line and column."""

import csv
import datetime
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from livestock.places import names
from livestock.spreadsheets.columns import (
    COLUMN_BY_KEY,
    COMMENT,
    HEADER_SPELLINGS,
    HEADERS,
    normalized,
)
from livestock.spreadsheets.tables import FORMULA_STARTS

XLSX_MAGIC = b"PK\x03\x04"


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
    # Cells beyond the columns the header names, which no column would read.
    errors: list[RowError] = field(default_factory=list)

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
    header_line = next(((n, cells) for n, cells in lines if any(_texts(cells))), None)
    if header_line is None:
        raise FileRefused(_("The file is empty; the first row must name the columns."))
    headers = _texts(header_line[1])
    while headers and not headers[-1]:
        headers.pop()
    keys, errors = [], []
    for position, header in enumerate(headers, start=1):
        key = HEADER_SPELLINGS.get(normalized(header))
        if key is None or key in keys:
            rule = _("unknown column") if key is None else _("column given twice")
            errors.append(
                RowError(header_line[0], header or str(position), cell_shown(header), rule)
            )
        keys.append(key)
    if errors:
        raise FileRefused(
            _("The first row names columns that the import does not know; the columns are: %s")
            % "; ".join(HEADERS),
            errors,
        )
    rows, beyond = [], []
    width = len(keys)
    for line, cells in lines:
        texts = _texts(cells[:width])
        if not any(texts) or texts[0].startswith(COMMENT):
            continue
        if len(cells) > width:
            beyond += _cells_beyond(line, width, _texts(cells[width:]))
        rows.append((line, texts + [""] * (width - len(texts))))
    return Table(headers, keys, rows, beyond)


def _cells_beyond(line: int, width: int, texts: list[str]) -> list[RowError]:
    """A row's values to the right of the last column the header names: no
    column reads them, so the row is refused rather than imported without
    them (a number typed with a comma, 1,200, in a CSV is two cells)."""
    return [
        RowError(
            line,
            str(position),
            cell_shown(text),
            _("the first row names no column here; name it, or clear the cell"),
        )
        for position, text in enumerate(texts, start=width + 1)
        if text
    ]


def cell_shown(value: str) -> str:
    """A cell's value as a row error repeats it in a column of its own
    (``names.shown``): whole up to 60 characters, else its first 60 and its length."""
    return names.shown(value, longest=60, start=60)


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
        if _longest(cells) > limits.cell_characters:  # then which cell
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


# The csv module's own cap on a cell (131,072 characters) is lifted: a cell past it
# was refused as "field larger than field limit (131072)", in English, naming no
# line, by a limit that is not the import's. The import's is
# IMPORT_MAX_CELL_CHARACTERS, said by ``_bounded`` with the line and column; the
# file is in memory whole already, so a long cell costs no more than its file.
csv.field_size_limit(sys.maxsize)


def _csv_lines(content: bytes, limits: ReadLimits) -> list[tuple[int, list]]:
    """The rows of a CSV, read here up to the limits, so that a line the csv
    module cannot read refuses the file with a message."""
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
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise FileRefused(_damaged_xlsx()) from None
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
    except Exception:  # openpyxl raises many kinds for a broken file
        raise FileRefused(_damaged_xlsx()) from None


def _damaged_xlsx() -> str:
    """A workbook that cannot be opened, said without the reader's own words
    ("File is not a zip file", "no element found: line 1, column 2040"): English
    inside any language's message, about a zip or XML the user never saw."""
    return _(
        "The XLSX file cannot be read: it is damaged, or not a spreadsheet. Open it in "
        "a spreadsheet program, save it again as XLSX and import that."
    )


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


class _SavedValues(WorkSheetParser):
    """A sheet's cells as the spreadsheet last saved them (``data_only``): a
    formula as the value it computed. A formula saved without a value (a
    workbook written by a program, not a spreadsheet) is read as its formula,
    ``=1+3``, so that a count refuses it naming it, and a note keeps it as a
    CSV's would; it was read as an empty cell, and its count left out. (A
    formula that computed "" is saved as an empty text, ``t="str"``: empty.)"""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None and cell["data_type"] != "str":
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                cell["value"] = f"={formula.text or ''}"
        return cell


def _sheet_rows(workbook, sheet) -> Iterator[tuple[int, list]]:
    """A read-only sheet's rows with their row numbers, each as a list as long
    as its last cell, read from the sheet's XML by openpyxl's own parser."""
    with sheet._get_source() as source:
        parser = _SavedValues(
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


def _longest(cells: list) -> int:
    """The length of a line's longest text (a CSV's cells are all text: measured
    in one call in C; a sheet's may be numbers and dates, which have none)."""
    try:
        return max(map(len, cells), default=0)
    except TypeError:
        return max((len(cell) for cell in cells if isinstance(cell, str)), default=0)


def _texts(cells: list) -> list[str]:
    """The cells as text: text stripped, and a value a spreadsheet export made
    inert (``'=…``) as it was; the others as ``_value_text`` writes them. (A
    CSV's cells, all text, in a comprehension: a call per cell was most of
    reading a large file.)"""
    return [
        (text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text)
        if isinstance(cell, str) and (text := cell.strip()) is not None
        else _value_text(cell)
        for cell in cells
    ]


def _value_text(cell) -> str:
    """A sheet's cell that is not text as text: dates as YYYY-MM-DD, whole
    numbers without ``.0``, an empty cell as ""."""
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# Importing
