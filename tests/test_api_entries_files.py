"""POST /api/v1/entries/bulk/ with a spreadsheet (multipart ``file``): the same
import as the admin's and the command's, all or nothing, each refused row
with its line, column and value, and a file sent twice stored once."""

from pathlib import Path

import pytest

from livestock.models import Herder, LambingEntry
from livestock.services.users import user_create
from tests.conftest import make_user
from tests.test_api_base import API, api

DATA = Path(__file__).parent / "data"
BULK_URL = API + "entries/bulk/"


def send(client, name: str, **fields):
    with (DATA / name).open("rb") as file:
        return client.post(BULK_URL, {"file": file, **fields}, format="multipart")


@pytest.fixture
def writer(fuhai):
    """An integration of 福海县 whose token may write."""

    return user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user


@pytest.mark.parametrize("name", ["counts_good.csv", "counts_gb18030.csv", "counts.xlsx"])
def test_a_spreadsheet_is_imported_whole(name, writer, sailike, winter_2024):
    response = send(api(writer), name)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["unchanged"], body["errors"]) == (4, 0, [])
    assert body["spreadsheet"]["herder"] == {"created": 2, "changed": 0, "unchanged": 1}
    assert body["spreadsheet"]["stored"] is True
    assert LambingEntry.objects.count() == 4
    assert {h.history_user for h in LambingEntry.history.all()} == {writer}


def test_a_spreadsheet_sent_twice_is_stored_once(writer, sailike, winter_2024):
    client = api(writer)
    assert send(client, "counts_good.csv").status_code == 201

    response = send(client, "counts_good.csv")

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["unchanged"]) == (0, 4)
    assert LambingEntry.objects.count() == 4 and Herder.objects.count() == 3


def test_a_spreadsheet_with_bad_rows_is_a_400_that_stores_nothing(
    writer, sailike, bieke, winter_2024
):
    response = send(api(writer), "counts_bad_rows.csv")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [3, 4, 5, 6, 7, 8, 9]
    losses = next(e for e in errors if e["line"] == 4)
    assert (losses["column"], losses["value"]) == ("死亡羔羊", "30")
    assert "rule: losses ≤ lambs born" in losses["errors"]["死亡羔羊"][0]
    assert LambingEntry.objects.count() == 0 and Herder.objects.count() == 2


def test_a_dry_run_answers_what_would_be_stored(writer, sailike, winter_2024):
    response = send(api(writer), "counts_good.csv", dry_run="true")

    assert response.status_code == 200
    body = response.json()
    assert body["spreadsheet"]["stored"] is False
    assert body["created"] == 4
    assert LambingEntry.objects.count() == 0


@pytest.mark.parametrize("dry_run", ["on", "yes", "1"])
def test_a_dry_run_asked_as_a_form_would_stores_nothing(dry_run, writer, sailike, winter_2024):
    response = send(api(writer), "counts_good.csv", dry_run=dry_run)

    assert response.status_code == 200
    assert response.json()["spreadsheet"]["stored"] is False
    assert LambingEntry.objects.count() == 0


@pytest.mark.parametrize("dry_run", ["please", "\x00", "truе"])  # the last "е" is Cyrillic
def test_a_dry_run_that_is_no_boolean_is_a_400_at_dry_run_and_stores_nothing(
    dry_run, writer, sailike, winter_2024, english
):
    """It was read as false: a client that asked for a dry run in a way the API did
    not read had its file stored."""
    response = send(api(writer), "counts_good.csv", dry_run=dry_run)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": None, "errors": {"dry_run": ["Must be a valid boolean."]}}
    ]
    assert LambingEntry.objects.count() == 0 and Herder.objects.count() == 1


def test_a_token_that_may_only_read_cannot_import(fuhai, sailike, winter_2024):
    reader = make_user("fuhai-reader", "integration", fuhai)

    response = send(api(reader), "counts_good.csv")

    assert response.status_code == 403
    assert LambingEntry.objects.count() == 0


def test_a_file_that_is_not_a_spreadsheet_is_a_400(writer, tmp_path):
    response = api(writer).post(BULK_URL, {"files": "nothing"}, format="multipart")
    assert response.status_code == 400
    assert "multipart field 'file'" in str(response.json()["errors"])

    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xfe\x00\x81 not text")
    with path.open("rb") as file:
        response = api(writer).post(BULK_URL, {"file": file}, format="multipart")
    assert response.status_code == 400
    assert "neither XLSX nor a CSV" in str(response.json()["errors"])


def _xlsx_cut_short() -> bytes:
    """counts.xlsx with its sheet's XML cut in half, as a transfer broken off
    and zipped again might leave it: the workbook opens, its rows do not."""
    import io
    import zipfile

    source = zipfile.ZipFile(DATA / "counts.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            damaged.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [_xlsx_cut_short, lambda: b"PK\x03\x04 not a zip archive"],
    ids=["sheet cut short", "not a zip"],
)
def test_a_damaged_xlsx_is_refused_with_a_message_not_a_500(content, writer, sailike, winter_2024):
    """Said in the user's language, without the reader's own words: it was
    无法读取 XLSX 文件：File is not a zip file, or …: no element found: line 1,
    column 2040, English no technician reads, about a zip they never made."""
    import io

    upload = io.BytesIO(content())
    upload.name = "counts.xlsx"
    response = api(writer).post(BULK_URL, {"file": upload}, format="multipart")

    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["errors"]["non_field_errors"] == [
        "The XLSX file cannot be read: it is damaged, or not a spreadsheet. Open it in a "
        "spreadsheet program, save it again as XLSX and import that."
    ]
    assert LambingEntry.objects.count() == 0 and Herder.objects.count() == 1


def test_a_csv_with_a_cell_too_long_to_read_is_refused_naming_its_line_and_column(
    writer, sailike, winter_2024
):
    import io

    # Past the csv module's own cap (131,072 characters), which was said instead:
    # "The CSV file cannot be read: field larger than field limit (131072)", in
    # English inside any language's message, with no line, and a limit not ours.
    content = "村,牧户,备注\n齐巴尔窝依村,赛力克·屈克木,".encode() + b'"' + b"x" * 200_000 + b'"\n'
    upload = io.BytesIO(content)
    upload.name = "counts.csv"
    response = api(writer).post(BULK_URL, {"file": upload}, format="multipart")

    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["errors"]["non_field_errors"] == [
        "Line 2, column 3 holds 200000 characters; a cell holds at most 1000."
    ]
    assert LambingEntry.objects.count() == 0


def test_a_dry_run_names_the_household_a_new_one_looks_like_and_refuses_its_row(
    writer, sailike, winter_2024, tmp_path
):
    path = tmp_path / "counts.csv"
    path.write_text("村,牧户,牧户拉丁名\n齐巴尔窝依村,赛力克·屈克木\u200b,Sailike\n")

    with path.open("rb") as file:
        response = api(writer).post(BULK_URL, {"file": file, "dry_run": "true"}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    [error] = body["errors"]
    assert (error["line"], error["column"], error["value"]) == (2, "牧户", "赛力克·屈克木\u200b")
    assert f"give the herder id {sailike.pk}" in error["errors"]["牧户"][0]
    [new] = body["spreadsheet"]["new_herders"]
    assert new["resembles"] == f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk})"
    assert Herder.objects.count() == 1
