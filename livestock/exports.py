"""Tables as files: CSV (UTF-8 with a BOM, so that a spreadsheet opens the
Chinese names right) and XLSX. Each file starts with what the table is: its
lines of context (season, date, place, when it was made), then the table."""

import csv
import io

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


FORMULA_STARTS = ("=", "+", "-", "@")


def _inert(value):
    """A name typed as ``=HYPERLINK(…)`` stays text in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(context, headers, rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for line in [*context, [], headers, *rows]:
        writer.writerow([_inert(value) for value in line])
    return text.getvalue().encode("utf-8-sig")


def _xlsx(context, headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in context:
        sheet.append(list(line))
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_inert(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
