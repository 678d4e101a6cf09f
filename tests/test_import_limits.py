"""A spreadsheet costs work bounded by the import's limits, not by what its few
compressed bytes declare (issue 18): an XLSX declaring a sheet of 16,384
columns by a million rows, or holding 20,000 rows in 8 KB, is refused at
once with the limit named, the server's memory barely growing; a CSV of
200,000 columns is answered in a few hundred bytes, and a file of thousands
of bad rows lists the first ones and counts the rest."""

import io
import re
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from livestock.models import Herder, LambingEntry
from livestock.services.users import user_create
from livestock.spreadsheets.columns import HEADERS
from livestock.spreadsheets.reading import FileRefused, ReadLimits, read_table
from tests.test_admin import logged_in
from tests.test_api_base import API, api
from tests.test_settings import settings_check

BULK_URL = API + "entries/bulk/"
HUGE_DIMENSION = '<dimension ref="A1:XFD1048576"/>'


def xlsx(*, extra_rows: str = "", dimension: str = HUGE_DIMENSION) -> bytes:
    """An XLSX of the template's header and one good row, whose sheet declares
    ``dimension`` and holds ``extra_rows`` (sheet XML) after them."""
    workbook = Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(
        ["", "福海县", "阔克阿勒什乡", "齐巴尔窝依村", "", "哈力木·别克", "Halimu Bieke"]
        + ["2024–2025 冬羔", 80, "2024-12-20", 5, 6]
    )
    out = io.BytesIO()
    workbook.save(out)
    rewritten = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"<dimension [^>]*/>", dimension, data.decode())
                text = text.replace("</sheetData>", extra_rows + "</sheetData>")
                data = text.encode()
            target.writestr(member.filename, data)
    return rewritten.getvalue()


def send(user, content: bytes, name: str):
    upload = SimpleUploadedFile(name, content)
    return api(user).post(BULK_URL, {"file": upload, "dry_run": "true"}, format="multipart")


def measured(call):
    """``call()``'s answer, the processor's seconds it took (the work done, which a
    machine busy with others' processes does not lengthen as it does the clock's),
    and the peak of memory it allocated (bytes), once the server has answered a
    first time (loaded its URLs and translations)."""
    call()
    started = time.process_time()
    response = call()
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, seconds, peak


@pytest.fixture
def writer(fuhai):

    return user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user


MB = 1024 * 1024


def test_a_2_kb_xlsx_declaring_a_huge_sheet_is_refused_at_once_in_little_memory(
    writer, qibaerwoyi, winter_2024, english
):
    content = xlsx(extra_rows='<row r="3"><c r="XFD3" t="n"><v>1</v></c></row>')
    assert len(content) < 8 * 1024

    response, seconds, peak = measured(lambda: send(writer, content, "dimension.xlsx"))

    assert response.status_code == 400
    message = response.json()["errors"][0]["errors"]["non_field_errors"][0]
    assert message == "Line 3 has 16384 columns; a file has at most 40."
    assert seconds < 1.0
    assert peak < 20 * MB


def test_an_8_kb_xlsx_of_20000_rows_is_refused_at_once_in_little_memory(
    writer, qibaerwoyi, winter_2024, english
):
    content = xlsx(extra_rows='<row><c t="n"><v>1</v></c></row>' * 20_000)
    assert len(content) < 8 * 1024

    response, seconds, peak = measured(lambda: send(writer, content, "rows.xlsx"))

    assert response.status_code == 400
    message = response.json()["errors"][0]["errors"]["non_field_errors"][0]
    assert "more than 5000 rows" in message
    assert seconds < 1.0
    assert peak < 50 * MB


def test_a_sheet_declaring_a_huge_dimension_is_read_as_it_is(
    writer, qibaerwoyi, winter_2024, english
):
    """Rows far apart are not filled in between, nor padded to the declared width."""
    content = xlsx(
        extra_rows='<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>#</t></is></c></row>'
    )

    response, seconds, peak = measured(lambda: send(writer, content, "far.xlsx"))

    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 1
    assert seconds < 1.0
    assert peak < 20 * MB


def test_an_xlsx_that_unzips_past_the_limit_is_refused_before_it_is_read(writer, settings, english):
    settings.IMPORT_MAX_UNZIPPED_MB = 1
    content = xlsx(extra_rows="<!--" + " " * (2 * MB) + "-->")
    assert len(content) < 16 * 1024

    response = send(writer, content, "bomb.xlsx")

    assert response.status_code == 400
    message = response.json()["errors"][0]["errors"]["non_field_errors"][0]
    assert "at most 1 MB" in message


def test_a_csv_of_200000_columns_is_answered_in_a_few_hundred_bytes(writer, english):
    content = ("a," * 200_000 + "\n").encode()

    response = send(writer, content, "wide.csv")

    assert response.status_code == 400
    assert len(response.content) < 1000
    assert "Line 1 has 200000 columns; a file has at most 40." in response.content.decode()


def test_a_header_of_unknown_columns_names_the_columns_once(writer, english):
    content = (",".join(f"x{n}" for n in range(40)) + "\n").encode()

    response = send(writer, content, "unknown.csv")

    assert response.status_code == 400
    assert len(response.json()["errors"]) == 1 + 40
    assert len(response.content) < 6000
    assert response.content.decode().count("牧户编号 herder id") == 1


def test_a_cell_past_the_limit_is_refused_naming_it(writer, english):
    content = (",".join(HEADERS) + "\n" + "," * 16 + "x" * 1001 + "\n").encode()

    response = send(writer, content, "long.csv")

    assert response.status_code == 400
    message = response.json()["errors"][0]["errors"]["non_field_errors"][0]
    assert message == "Line 2, column 17 holds 1001 characters; a cell holds at most 1000."


def test_thousands_of_bad_rows_list_the_first_hundred_and_count_the_rest(
    writer, qibaerwoyi, winter_2024, english
):
    row = ",福海县,阔克阿勒什乡,齐巴尔窝依村,,哈力木·别克,Halimu,,,2024-12-20,x,x,x,,,,"
    content = (",".join(HEADERS) + "\n" + (row + "\n") * 4000).encode()

    response = send(writer, content, "bad.csv")

    assert response.status_code == 400
    body = response.json()
    assert len(body["errors"]) == 100
    assert body["errors_not_listed"] == 3 * 4000 - 100
    assert len(response.content) < 2 * len(content)
    assert not LambingEntry.objects.exists()


def test_the_admins_preview_lists_the_first_hundred_problems_and_counts_the_rest(
    fuhai_technician, qibaerwoyi, winter_2024
):
    row = ",福海县,阔克阿勒什乡,齐巴尔窝依村,,哈力木·别克,Halimu,,,2024-12-20,x,,,,,,"
    content = (",".join(HEADERS) + "\n" + (row + "\n") * 300).encode()

    response = logged_in(fuhai_technician).post(
        "/admin/livestock/lambingrecord/import/", {"file": SimpleUploadedFile("b.csv", content)}
    )

    page = response.content.decode()
    assert page.count('class="import-message"') == 100
    assert "300" in page and 'id="import-errors-not-listed"' in page


def test_a_preview_of_thousands_of_new_households_lists_the_first_hundred_and_counts_the_rest(
    writer, fuhai_technician, qibaerwoyi, winter_2024, english
):
    rows = [f",福海县,阔克阿勒什乡,齐巴尔窝依村,,牧户{n},Herder {n}" for n in range(3000)]
    content = (",".join(HEADERS) + "\n" + "\n".join(rows) + "\n").encode()

    response = send(writer, content, "many.csv")

    assert response.status_code == 200, response.content
    spreadsheet = response.json()["spreadsheet"]
    assert spreadsheet["herder"]["created"] == 3000
    listed = spreadsheet["new_herders"]
    assert [(h["line"], h["name"], h["name_latin"]) for h in listed[:2]] == [
        (2, "牧户0", "Herder 0"),
        (3, "牧户1", "Herder 1"),
    ]
    assert len(listed) == 100 and listed[-1]["line"] == 101
    assert listed[0]["village"] == qibaerwoyi.pk
    assert listed[0]["village_name"] == "福海县 阔克阿勒什乡 齐巴尔窝依村"
    assert spreadsheet["new_herders_not_listed"] == 2900
    assert len(response.content) < len(content)

    page = (
        logged_in(fuhai_technician, "en")
        .post(
            "/admin/livestock/lambingrecord/import/",
            {"file": SimpleUploadedFile("many.csv", content)},
        )
        .content.decode()
    )
    assert page.count("<td>福海县 阔克阿勒什乡 齐巴尔窝依村</td>") == 100
    assert "and 2900 more new households, not listed." in page
    assert not Herder.objects.exists()


def test_the_command_imports_more_rows_than_the_web_takes(settings, english):
    settings.IMPORT_MAX_ROWS = 1
    limits = ReadLimits.from_settings(rows=False)
    content = (",".join(HEADERS) + "\n" + ",,,村\n" * 3).encode()

    assert len(read_table(content, limits).rows) == 3
    with pytest.raises(FileRefused, match="more than 1 rows"):
        read_table(content)


def test_the_columns_limit_cannot_be_set_below_the_template_s_columns():
    """IMPORT_MAX_COLUMNS at its smallest allowed value still takes the
    template and the exports back: it could be set to 17, one fewer than
    their columns, and every exported file was then refused."""
    refused = settings_check(IMPORT_MAX_COLUMNS=str(len(HEADERS) - 1))
    assert refused.returncode != 0
    assert "IMPORT_MAX_COLUMNS" in refused.stderr
    taken = settings_check(IMPORT_MAX_COLUMNS=str(len(HEADERS)))
    assert taken.returncode == 0, taken.stderr
