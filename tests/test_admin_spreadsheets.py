"""Spreadsheets in the admin, through real HTTP: the blank template, an import
previewed then confirmed, refused rows shown with line, column, value and
rule, and change-list exports (as filtered, within scope) that import back
unchanged."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.entries import entry_create
from livestock.spreadsheets.importing import import_counts
from tests.test_admin import logged_in

DATA = Path(__file__).parent / "data"
IMPORT_URL = "/admin/livestock/lambingrecord/import/"
RECORDS_URL = "/admin/livestock/lambingrecord/"
HERDERS_URL = "/admin/livestock/herder/"


def upload(client, path: Path, reason: str = ""):
    with path.open("rb") as file:
        return client.post(IMPORT_URL, {"file": file, "reason": reason})


def confirm_token(page: str) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', page).group(1)


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets open the Chinese right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_technician_reaches_the_import_and_exports_from_the_change_lists(fuhai_technician):
    client = logged_in(fuhai_technician)
    records = client.get(RECORDS_URL).content.decode()
    herders = client.get(HERDERS_URL).content.decode()

    assert IMPORT_URL in records and IMPORT_URL in herders
    assert "/admin/livestock/lambingrecord/export/entries.xlsx" in records
    assert "/admin/livestock/lambingrecord/export/records.csv" in records
    assert "/admin/livestock/herder/export/herders.csv" in herders


def test_an_official_exports_but_cannot_import(burqin_official):
    client = logged_in(burqin_official)
    page = client.get(RECORDS_URL).content.decode()

    assert IMPORT_URL not in page
    assert "/admin/livestock/lambingrecord/export/records.csv" in page
    assert client.get(IMPORT_URL).status_code == 403
    with (DATA / "counts_good.csv").open("rb") as file:
        assert client.post(IMPORT_URL, {"file": file}).status_code == 403


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_blank_template_has_both_languages_and_an_example_the_import_skips(
    kind, fuhai_technician
):
    client = logged_in(fuhai_technician)
    response = client.get(f"{IMPORT_URL}template.{kind}")

    assert response.status_code == 200
    assert f"lambing-counts-template.{kind}" in response["Content-Disposition"]
    if kind == "csv":
        header, example = csv_rows(response)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        header, example = ([c or "" for c in row] for row in sheet.iter_rows(values_only=True))
    assert header[:3] == ["条目编号 entry uuid", "县市 county", "乡镇 township"]
    assert "产羔数 lambs born" in header and "死亡原因 cause of loss" in header
    # The ewes as the app names them (docs/glossary.md), no longer the reports' 越冬母羊.
    assert "季初能繁母羊 ewes at start" in header
    assert not any("越冬" in cell for cell in header)
    assert example[0].startswith("#") and "别克·木合亚提" in example
    # The template as downloaded imports as nothing at all.
    result = import_counts(content=response.content, user=fuhai_technician)
    assert (result.rows, result.errors) == (0, [])


def test_an_import_is_previewed_then_stored_on_confirmation(fuhai_technician, sailike, winter_2024):
    client = logged_in(fuhai_technician, "en")

    preview = upload(client, DATA / "counts_good.csv")

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview: nothing is stored yet" in page
    result = preview.context["result"]
    assert [row[1:] for row in result.kinds] == [
        ("herder households", 2, 0, 1),
        ("lambing records", 2, 0, 0),
        ("lambing entries", 4, 0, 0),
    ]
    assert LambingEntry.objects.count() == 0 and Herder.objects.count() == 1

    done = client.post(IMPORT_URL, {"confirm": confirm_token(page)}, follow=True)

    assert done.redirect_chain[-1][0] == RECORDS_URL
    assert "Imported 5 rows: 8 created, 0 changed." in done.content.decode()
    assert LambingEntry.objects.count() == 4 and Herder.objects.count() == 3
    assert {h.history_user for h in LambingEntry.history.all()} == {fuhai_technician}

    # The same file again: nothing new.
    again = upload(client, DATA / "counts_good.csv").context["result"]
    assert again.count("entry", "created") == 0 and again.count("entry", "unchanged") == 4


def new_households(page: str) -> list[tuple[str, ...]]:
    """The preview's list of the households the file would create, row by row."""
    table = re.search(r'<table id="import-new-households">.*?</table>', page, re.S)
    if table is None:
        return []
    rows = re.findall(r"<tr[^>]*><td>.*?</tr>", table.group(), re.S)
    return [tuple(re.findall(r"<td[^>]*>([^<]*)</td>", row)) for row in rows]


def test_the_preview_lists_the_households_the_file_would_create(
    fuhai_technician, sailike, winter_2024
):
    client = logged_in(fuhai_technician, "en")

    page = upload(client, DATA / "counts_good.csv").content.decode()

    assert "New herder households" in page
    # 赛力克·屈克木 (lines 4 and 5) is stored already: not listed.
    assert new_households(page) == [
        ("2", "福海县 阔克阿勒什乡 齐巴尔窝依村", "哈力木·别克", "Halimu Bieke", "", ""),
        ("6", "福海县 阔克阿勒什乡 齐巴尔窝依村", "努尔兰·托合塔尔", "Nuerlan Tuohetaer", "", ""),
    ]
    assert 'id="import-new-households-not-listed"' not in page
    assert Herder.objects.count() == 1


def test_the_preview_flags_a_new_household_that_looks_like_a_stored_one_and_refuses_it(
    tmp_path, fuhai_technician, sailike, winter_2024
):
    path = tmp_path / "counts.csv"
    path.write_text("村,牧户,产羔季,越冬母羊\n齐巴尔窝依村,赛力克・屈克木,2024–2025 冬羔,10\n")

    page = upload(logged_in(fuhai_technician, "en"), path).content.decode()

    assert new_households(page) == [
        (
            "2",
            "福海县 阔克阿勒什乡 齐巴尔窝依村",
            "赛力克・屈克木",
            "",
            "",
            f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk})",
        )
    ]
    assert 'class="import-lookalike"' in page
    assert "Refused: nothing will be stored" in page and 'name="confirm"' not in page
    assert "write 赛力克·屈克木 or give the herder id" in page
    assert Herder.objects.count() == 1


def test_a_file_with_bad_rows_lists_each_and_offers_no_confirmation(
    fuhai_technician, sailike, bieke, winter_2024
):
    client = logged_in(fuhai_technician)

    response = upload(client, DATA / "counts_bad_rows.csv")

    page = response.content.decode()
    assert 'name="confirm"' not in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert [line for line, _column, _value in rows] == ["3", "4", "5", "6", "7", "8", "9"]
    assert ("4", "死亡羔羊", "30") in rows
    assert "规则" in page  # the rule, in the technician's language
    assert LambingEntry.objects.count() == 0 and Herder.objects.count() == 2


def test_a_tampered_confirmation_stores_nothing(fuhai_technician, sailike, winter_2024):
    client = logged_in(fuhai_technician, "en")
    token = confirm_token(upload(client, DATA / "counts_good.csv").content.decode())

    response = client.post(IMPORT_URL, {"confirm": token[:-2] + "xx"}, follow=True)

    assert "The preview has expired" in response.content.decode()
    assert LambingEntry.objects.count() == 0


def test_a_preview_cannot_be_confirmed_by_another_user(
    fuhai_technician, sailike, winter_2024, fuhai
):
    from tests.conftest import make_user

    token = confirm_token(
        upload(logged_in(fuhai_technician), DATA / "counts_good.csv").content.decode()
    )
    other = logged_in(make_user("fuhai-tech-2", "technician", fuhai), "en")

    response = other.post(IMPORT_URL, {"confirm": token}, follow=True)

    assert "The preview has expired" in response.content.decode()
    assert LambingEntry.objects.count() == 0


@pytest.fixture
def counted(sailike_record, bieke_record):
    """Entries of both counties, with a loss, a check and a note a spreadsheet
    would read as a formula."""
    entry_create(
        record=sailike_record, date=datetime.date(2024, 12, 10), ewes_lambed=8, lambs_born=10
    )
    entry_create(
        record=sailike_record,
        date=datetime.date(2024, 12, 20),
        lambs_lost=2,
        loss_cause="disease",
        note="-2 羔羊 病死",
    )
    entry_create(
        record=sailike_record,
        date=datetime.date(2025, 1, 5),
        lambs_alive=8,
        check_stage="day30",
    )
    entry_create(record=bieke_record, date=datetime.date(2024, 12, 11), lambs_born=3)
    return sailike_record


def test_the_entries_export_is_the_list_as_filtered_and_within_scope(
    fuhai_technician, counted, altay, tongke
):
    from tests.conftest import make_user

    client = logged_in(make_user("altay-tech", "technician", altay))
    village = f"{RECORDS_URL}export/entries.csv?herder__village__id__exact={tongke.pk}"
    assert [row[5] for row in csv_rows(client.get(village))[1:]] == ["别克·木合亚提"]
    searched = csv_rows(client.get(f"{RECORDS_URL}export/entries.csv?q=Sailike"))
    assert [row[5] for row in searched[1:]] == ["赛力克·屈克木"] * 3
    assert searched[2][13] == "疾病" and searched[2][16] == "'-2 羔羊 病死"
    assert len(csv_rows(client.get(f"{RECORDS_URL}export/entries.csv"))) == 1 + 4
    # The technician of 福海县 never gets 布尔津县's herder.
    everything = csv_rows(logged_in(fuhai_technician).get(f"{RECORDS_URL}export/entries.csv"))
    assert {row[5] for row in everything[1:]} == {"赛力克·屈克木"}
    herders = csv_rows(logged_in(fuhai_technician).get(f"{HERDERS_URL}export/herders.csv"))
    assert [row[5] for row in herders[1:]] == ["赛力克·屈克木"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "url", ["herder/export/herders", "lambingrecord/export/records", "lambingrecord/export/entries"]
)
def test_an_export_imports_back_unchanged(kind, url, fuhai_technician, counted):
    client = logged_in(fuhai_technician, "en")
    before = (
        [(e.uuid, e.note, e.version) for e in LambingEntry.objects.order_by("pk")],
        LambingRecord.objects.count(),
        Herder.objects.count(),
    )
    exported = client.get(f"/admin/livestock/{url}.{kind}")
    assert exported.status_code == 200

    preview = client.post(IMPORT_URL, {"file": _named(exported, kind)})
    result = preview.context["result"]

    assert result.errors == []
    assert sum(created + changed for _k, _n, created, changed, _u in result.kinds) == 0
    assert result.count("herder", "unchanged") == 1  # only 福海县's herder
    if url.endswith("entries"):
        assert result.count("entry", "unchanged") == 3
    client.post(IMPORT_URL, {"confirm": confirm_token(preview.content.decode())})
    after = (
        [(e.uuid, e.note, e.version) for e in LambingEntry.objects.order_by("pk")],
        LambingRecord.objects.count(),
        Herder.objects.count(),
    )
    assert after == before


def _named(response, kind: str):
    file = io.BytesIO(response.content)
    file.name = f"export.{kind}"
    return file


@pytest.mark.parametrize(
    "query", ["herder__village__id__exact={tongke}", "season__id__exact=999", "flag=no_such_flag"]
)
def test_a_filter_with_a_single_choice_still_filters_the_list_and_its_exports(
    query, fuhai_technician, counted, tongke
):
    """A technician of one village sees one choice per place filter, so Django
    hides the filter; the filter named in the URL must still apply (here it
    names a village outside the technician's places, or no season at all)."""
    query = query.format(tongke=tongke.pk)
    client = logged_in(fuhai_technician)
    page = client.get(f"{RECORDS_URL}?{query}")
    assert page.status_code == 200
    assert "赛力克·屈克木" in client.get(RECORDS_URL).content.decode()
    assert "赛力克·屈克木" not in page.content.decode()
    for what in ("records", "entries"):
        rows = csv_rows(client.get(f"{RECORDS_URL}export/{what}.csv?{query}"))
        assert rows[1:] == []


def test_an_export_with_a_malformed_filter_value_is_refused_not_a_500(fuhai_technician, counted):
    client = logged_in(fuhai_technician)
    response = client.get(f"{RECORDS_URL}export/records.csv?herder__village__id__exact=abc")
    assert response.status_code == 400
    assert "筛选条件的值无效" in response.content.decode()


def test_a_reason_longer_than_the_history_keeps_is_refused_at_the_reason(
    fuhai_technician, sailike, winter_2024
):
    """The same limit as every other correction (REASON_MAX_LENGTH), at
    the form's field, before the file is read."""
    client = logged_in(fuhai_technician, "en")
    response = upload(client, DATA / "counts_good.csv", reason="重新清点" * 30)
    assert "reason" in response.context["form"].errors
    assert "result" not in response.context
    assert LambingEntry.objects.count() == 0
