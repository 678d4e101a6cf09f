"""Herders, records and entries written out in the columns the import takes
back (with the herder's id and each entry's uuid), as CSV or XLSX."""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.spreadsheets.columns import CHOICE_KEYS, COLUMNS, ENTRY_KEYS, HEADERS
from livestock.spreadsheets.tables import inert


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
        "herder_kazakh": herder.name_kazakh,
    }
    if record is not None:
        values["season"] = record.season.name
        values["ewes_at_start"] = record.ewes_at_start
    if entry is not None:
        values["uuid"] = str(entry.uuid)
        for key in ENTRY_KEYS:  # a choice by its label, as the import reads it back
            shown = getattr(entry, f"get_{key}_display") if key in CHOICE_KEYS else None
            values[key] = shown() if shown else getattr(entry, key)
    return [_cell(values.get(column.key)) for column in COLUMNS]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


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
