"""Tables as files: CSV (UTF-8 with a BOM, so that a spreadsheet opens the
Chinese names right) and XLSX. Each file starts with what the table is: its
lines of context (season, date, place, when it was made), then the table."""

import csv
import io
import re

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_file(
    *, kind: str, filename: str, context: list[tuple[str, str]], headers: list[str], rows: list
) -> HttpResponse:
    """The table as a download; ``kind`` is "csv" or "xlsx"."""
    if kind == "csv":
        content, content_type = _csv(context, headers, rows), CSV_TYPE
    else:
        content, content_type = _xlsx(context, headers, rows), XLSX_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


# What a spreadsheet reads as the start of a formula (OWASP's list: a tab or a
# carriage return before one is skipped by some spreadsheets).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# The control characters an XLSX cannot hold (XML 1.0 has no place for them; openpyxl
# refuses them, which made the whole file a 500): all of C0 but tab, line feed and
# carriage return.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def inert(value):
    """A cell as a file writes it: a text that a spreadsheet would compute
    (``=HYPERLINK(…)`` typed as a herder's name) gets a leading ``'`` and stays
    text, in CSV and XLSX alike (openpyxl writes a text starting with ``=`` as
    a formula); a control character no XLSX can hold (``UNWRITABLE``: a BEL or
    an ESC in a name or a note stored through the API) is written as its code
    point ([U+0007]), in both, so that the file is made and says what is there.
    Every file the service writes passes every cell through here:
    the tables' (``table_file``: summaries at every level, the audit trail,
    their lines of context and headers too) and the admin's list exports
    (``spreadsheets.exporting.write_csv``/``write_xlsx``)."""
    if not isinstance(value, str):
        return value
    value = UNWRITABLE.sub(lambda found: f"[U+{ord(found.group()):04X}]", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(context, headers, rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for line in [*context, [], headers, *rows]:
        writer.writerow([inert(value) for value in line])
    return text.getvalue().encode("utf-8-sig")


def _xlsx(context, headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in context:
        sheet.append([inert(value) for value in line])
    sheet.append([])
    sheet.append([inert(value) for value in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([inert(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
