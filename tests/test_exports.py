"""Every file the service writes keeps a name typed as a formula inert
(issue 18): the summary tables at every level (the herder's too, whose name
is the file's "place" line), the admin's list exports and the audit trail, in
CSV and XLSX, all through ``tables.inert``."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from livestock.audit.attribution import acting_as
from livestock.models import County, Herder, LambingEntry, Season
from livestock.services.entries import entry_create
from livestock.services.places import herder_update
from livestock.spreadsheets import tables
from tests.conftest import PASSWORD, make_user
from tests.test_admin import logged_in

FORMULA = '=HYPERLINK("http://example.org/x","open")'


def cells(response, kind: str) -> list:
    """Every cell of a downloaded file: text as written, for a CSV; for an
    XLSX, each cell's value and whether the spreadsheet would compute it."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "csv":
        return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    sheet = load_workbook(io.BytesIO(content)).active
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]


def assert_inert(found: list, kind: str) -> None:
    """The formula is there, as text, and nothing in the file is a formula."""
    if kind == "csv":
        assert any(value.startswith("'=HYPERLINK") for value in found)
        assert not any(value.startswith("=") for value in found)
    else:
        assert any(str(value).startswith("'=HYPERLINK") for value, _type in found)
        assert not any(data_type == "f" for _value, data_type in found)


@pytest.fixture
def formula_herder(sailike_record, fuhai_technician):
    with acting_as(fuhai_technician):
        entry_create(
            record=sailike_record, date=datetime.date(2024, 12, 10), lambs_born=2, ewes_lambed=2
        )
        return herder_update(Herder.objects.get(pk=sailike_record.herder_id), name=FORMULA)


def official_summary_file(fuhai, season, herder, level: str, kind: str):
    """The summary file (``kind``) of ``herder`` or its village (``level``), as of
    2024-12-31, downloaded by an official of 福海县."""
    make_user("fuhai-official", "official", fuhai)
    client = Client()
    client.login(username="fuhai-official", password=PASSWORD)
    place = herder if level == "herder" else herder.village
    return client.get(
        "/",
        {
            "season": season.pk,
            "as_of": "2024-12-31",
            "place": f"{level}:{place.pk}",
            "export": kind,
        },
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("level", ["herder", "village"])
def test_a_summary_file_at_every_level_keeps_a_formula_name_inert(
    kind, level, formula_herder, fuhai, winter_2024
):
    response = official_summary_file(fuhai, winter_2024, formula_herder, level, kind)

    assert response.status_code == 200
    assert_inert(cells(response, kind), kind)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_admins_list_exports_keep_a_formula_name_inert(kind, formula_herder, fuhai_technician):
    response = logged_in(fuhai_technician).get(f"/admin/livestock/herder/export/herders.{kind}")

    assert response.status_code == 200
    assert_inert(cells(response, kind), kind)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_audit_trail_keeps_a_formula_filter_inert(kind, db):
    """The file's lines of context repeat the filters: a user name may start
    with ``-``, ``+`` or ``@``, which a spreadsheet computes."""
    make_user("-2+3", "technician")
    superuser = make_user("auditor", None, superuser=True)
    response = logged_in(superuser).get("/admin/audit/", {"format": kind, "user": "-2+3"})

    assert response.status_code == 200
    found = cells(response, kind)
    if kind == "csv":
        assert "'-2+3" in found and "-2+3" not in found
    else:
        assert ("'-2+3", "s") in found
        assert not any(data_type == "f" for _value, data_type in found)


# A name holding a BEL and an ESC, as the API and the import stored one before names
# refused control characters: no XLSX can hold either.
CONTROLS_NAME = "别克\x07·木合\x1b"


@pytest.fixture
def control_herder(sailike_record, fuhai_technician):
    """A household whose name holds control characters, counted once, with a note
    holding one too."""
    with acting_as(fuhai_technician):
        entry_create(
            record=sailike_record, date=datetime.date(2024, 12, 10), lambs_born=2, ewes_lambed=2
        )
    # Stored as it was before the rule: the service refuses such a name now.
    Herder.objects.filter(pk=sailike_record.herder_id).update(name=CONTROLS_NAME)
    LambingEntry.objects.filter(record=sailike_record).update(note="见\x0b注")
    return Herder.objects.get(pk=sailike_record.herder_id)


def assert_controls_shown(found: list, kind: str) -> None:
    """The file is made, and the name is in it with each control character written
    as its code point, none of them left."""
    texts = found if kind == "csv" else [str(value) for value, _type in found if value]
    assert any("别克[U+0007]·木合[U+001B]" in text for text in texts)
    assert not any(tables.UNWRITABLE.search(text) for text in texts)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("level", ["herder", "village"])
def test_a_summary_file_of_a_name_holding_control_characters_is_made(
    kind, level, control_herder, fuhai, winter_2024
):
    """A village's XLSX holding a household named with a BEL was a 500 (openpyxl
    refuses the character), and so was every admin export of it."""
    response = official_summary_file(fuhai, winter_2024, control_herder, level, kind)

    assert response.status_code == 200
    assert_controls_shown(cells(response, kind), kind)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("what", ["herder/export/herders", "lambingrecord/export/records"])
def test_the_admins_list_exports_of_a_name_holding_control_characters_are_made(
    kind, what, control_herder, fuhai_technician
):
    response = logged_in(fuhai_technician).get(f"/admin/livestock/{what}.{kind}")

    assert response.status_code == 200
    assert_controls_shown(cells(response, kind), kind)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_admins_entries_export_of_a_note_holding_a_control_character_is_made(
    kind, control_herder, fuhai_technician
):
    response = logged_in(fuhai_technician).get(
        f"/admin/livestock/lambingrecord/export/entries.{kind}"
    )

    assert response.status_code == 200
    found = cells(response, kind)
    texts = found if kind == "csv" else [str(value) for value, _type in found if value]
    assert "见[U+000B]注" in texts


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_inert_prefixes_every_start_a_spreadsheet_computes(start):
    assert tables.inert(f"{start}1+1") == f"'{start}1+1"
    assert tables.inert("别克") == "别克"
    assert tables.inert(-3) == -3


def test_inert_writes_a_control_character_as_its_code_point_keeping_line_breaks():
    assert tables.inert("a\x07b") == "a[U+0007]b"
    assert tables.inert("\x1b=1+1") == "[U+001B]=1+1"
    assert tables.inert("两行\n文字") == "两行\n文字"


def burqin_summary_file(kind: str):
    """布尔津县's summary file as of 11 February 2025 (the report data), as its official
    downloads it."""
    call_command("seed_reports", verbosity=0)
    burqin = County.objects.get(name="布尔津县")
    make_user("burqin-official", "official", burqin)
    client = Client()
    client.login(username="burqin-official", password=PASSWORD)
    return client.get(
        "/",
        {
            "season": Season.objects.get().pk,
            "as_of": "2025-02-11",
            "place": f"county:{burqin.pk}",
            "export": kind,
        },
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_summary_file_writes_reported_counts_as_whole_numbers_and_rates_to_their_tenth(kind, db):
    """布尔津县's reported 1.2万 lambs and 18.6万余 ewes were written 12000.00 and
    186000.00 (the stored decimal), and so was the coverage's denominator: a
    count of head is whole. A rate keeps its one decimal, 0.0 included."""
    response = burqin_summary_file(kind)
    assert response.status_code == 200
    headers, county = table_rows(response, kind)[:2]
    row = dict(zip(headers, county, strict=True))
    if kind == "csv":
        assert row["报道产羔数"] == "12000"
        assert row["报道母羊数"] == "186000"
        assert row["覆盖率 · 分母 (报道产羔数)"] == "12000"
        assert row["覆盖率 (%) = 记录产羔数 ÷ 报道产羔数"] == "0.4"  # 50 ÷ 12000
        assert row["死亡率 (%) = 死亡羔羊 ÷ 产羔数"] == "0.0"
        assert not any(value.endswith(".00") for value in county)
    else:
        for header, number in (
            ("报道产羔数", 12000),
            ("报道母羊数", 186000),
            ("覆盖率 · 分母 (报道产羔数)", 12000),
        ):
            assert row[header] == number and isinstance(row[header], int), header
        assert row["覆盖率 (%) = 记录产羔数 ÷ 报道产羔数"] == 0.4


def table_rows(response, kind: str) -> list[list]:
    """The rows of a summary file from its headers on (the lines of context left out)."""
    content = response.content
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(index for index, row in enumerate(rows) if row and row[0] == "名称")
    return rows[start:]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_summary_file_leaves_a_rates_numbers_empty_where_no_household_has_them(kind, db):
    """布尔津县's one household has no survival check and no ewes lambed counted:
    its survival rate is empty, and so is the lambs alive count, but the
    rate's numerator and denominator were written 0 and 0, as if its lambs
    had been counted dead. Unknown, not zero; its households covered stay 0."""
    response = burqin_summary_file(kind)
    headers, county = table_rows(response, kind)[:2]
    row = dict(zip(headers, county, strict=True))
    empty = "" if kind == "csv" else None
    for label in ("羔羊成活率", "产羔率"):
        parts = {header: value for header, value in row.items() if header.startswith(label)}
        assert len(parts) == 4, parts
        numbers = [value for header, value in parts.items() if "户数" not in header]
        assert numbers == [empty, empty, empty], parts
        households = [value for header, value in parts.items() if "户数" in header]
        assert households == ["0" if kind == "csv" else 0], parts
    assert row["成活羔羊"] == empty


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_summary_file_keeps_a_rates_numbers_where_its_households_divide_by_0(
    kind, bieke_record, burqin, winter_2024
):
    """别克's survival check at birth, made before any lamb was born, counted 0
    lambs alive of 0 born: the survival rate is empty (nothing to divide), but
    its numbers are known, 0 and 0, from his one household; unlike a rate with
    no check made (above), which the same rule (``RateParts.numbers_known``)
    leaves empty."""
    entry_create(
        record=bieke_record, date=datetime.date(2024, 12, 10), lambs_alive=0, check_stage="birth"
    )
    make_user("burqin-official", "official", burqin)
    client = Client()
    client.login(username="burqin-official", password=PASSWORD)
    response = client.get(
        "/",
        {
            "season": winter_2024.pk,
            "as_of": "2024-12-20",
            "place": f"village:{bieke_record.herder.village_id}",
            "export": kind,
        },
    )
    headers, village = table_rows(response, kind)[:2]
    row = dict(zip(headers, village, strict=True))
    parts = [value for header, value in row.items() if header.startswith("羔羊成活率")]
    if kind == "csv":
        assert parts == ["", "0", "0", "1"], parts
        assert row["成活羔羊"] == "0"
    else:
        assert parts == [None, 0, 0, 1], parts
        assert row["成活羔羊"] == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_summary_files_definitions_read_as_written(kind, sailike_record, fuhai, winter_2024):
    """The notes above a summary file's table said each rate's definition as
    "'= 产羔数 ÷ 产羔母羊; …": written "= …", each was kept from computing by a
    leading "'" that the official read in every line. They read as the page's
    definitions now, with nothing to keep inert."""
    make_user("fuhai-official", "official", fuhai)
    client = Client()
    client.login(username="fuhai-official", password=PASSWORD)
    response = client.get(
        "/", {"season": winter_2024.pk, "place": f"county:{fuhai.pk}", "export": kind}
    )
    assert response.status_code == 200
    found = [value for value in cells(response, kind) if value not in (None, "")]
    if kind == "xlsx":
        found = [value for value, _type in found if value is not None]
    lambing = found[found.index("产羔率") + 1]
    assert lambing.startswith("产羔数 ÷ 产羔母羊; 已登记产羔母羊的牧户")
    assert not any(str(value).startswith("'") for value in found)
