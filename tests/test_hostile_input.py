"""Input sent to break the server (issue 18): NUL characters, Unicode digits and
numbers of thousands of digits in spreadsheet cells, JSON nested thousands deep,
ids of thousands of digits and bodies over the limit. Each is answered with a
4xx naming the field, row and rule, never a 500, and nothing is stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.users import user_create
from livestock.spreadsheets.columns import COLUMN_BY_KEY, COLUMNS, HEADERS
from tests.test_admin import logged_in
from tests.test_api_base import API, api

BULK_URL = API + "entries/bulk/"
HUGE_NUMBER = "9" * 5000
ROW = {
    "county": "福海县",
    "township": "阔克阿勒什乡",
    "village": "齐巴尔窝依村",
    "herder": "哈力木·别克",
    "herder_latin": "Halimu Bieke",
    "season": "2024–2025 冬羔",
    "ewes_at_start": "80",
    "date": "2024-12-20",
    "ewes_lambed": "5",
    "lambs_born": "6",
}


def csv_file(**changes) -> bytes:
    """A one-row import in the template's columns, with ``changes`` to the row."""
    row = {**ROW, **changes}
    text = io.StringIO()
    text.write(",".join(HEADERS) + "\n")
    text.write(",".join(row.get(column.key, "") for column in COLUMNS) + "\n")
    return text.getvalue().encode()


def send_file(user, content: bytes, name: str = "counts.csv", **fields):
    upload = SimpleUploadedFile(name, content)
    return api(user).post(BULK_URL, {"file": upload, **fields}, format="multipart")


def nothing_stored() -> bool:
    return not (
        LambingEntry.objects.exists()
        or LambingRecord.objects.exists()
        or Herder.objects.filter(name__startswith="哈力木").exists()
    )


@pytest.fixture
def writer(fuhai):

    return user_create(
        username="fuhai-app", role="integration", places=[fuhai], password="x" * 20, write=True
    ).user


# Spreadsheet cells


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("herder", "哈力木\x00别克"),
        ("village", "齐巴尔窝依村\x00"),
        ("note", "夜里\x00降温"),
        ("herder_id", "²"),
        ("village", "²"),
        ("herder_id", HUGE_NUMBER),
        ("ewes_at_start", HUGE_NUMBER),
        ("lambs_born", HUGE_NUMBER),
        ("village", HUGE_NUMBER),
    ],
)
def test_a_cell_that_cannot_be_stored_is_a_400_naming_its_row_and_column(
    key, value, writer, qibaerwoyi, winter_2024, english, settings
):
    settings.IMPORT_MAX_CELL_CHARACTERS = 10_000  # the number reaches the cell's parser
    response = send_file(writer, csv_file(**{key: value}), dry_run="true")

    assert response.status_code == 400, response.content[:300]
    errors = [error for error in response.json()["errors"] if error.get("line")]
    assert [(error["line"], error["column"]) for error in errors] == [
        (2, COLUMN_BY_KEY[key].header)
    ]
    assert nothing_stored()


def test_the_admins_import_shows_a_bad_cell_as_a_refused_row(fuhai_technician, qibaerwoyi):
    client = logged_in(fuhai_technician)
    upload = SimpleUploadedFile("counts.csv", csv_file(lambs_born="9" * 500, note="\x00"))

    response = client.post("/admin/livestock/lambingrecord/import/", {"file": upload})

    assert response.status_code == 200
    page = response.content.decode()
    assert "产羔数" in page and "备注" in page
    assert nothing_stored()


# JSON bodies


@pytest.mark.parametrize("opening", ["[", '{"a":'])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "entries/"),
        ("post", "entries/bulk/"),
        ("post", "herders/"),
        ("post", "lambing-records/"),
        ("patch", "herders/{herder}/"),
    ],
)
def test_json_nested_ten_thousand_deep_is_a_400(method, url, opening, writer, sailike, english):
    closing = "]" if opening == "[" else "}"
    body = opening * 10_000 + "1" + closing * 10_000

    response = getattr(api(writer), method)(
        API + url.format(herder=sailike.pk), body, content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert "nested too deep (at most 32 levels of lists and objects); nothing was stored." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "entries/", '{"record": 1e400, "date": "2024-12-20"}'),
        ("post", "entries/bulk/", '[{"record": 1e400, "date": "2024-12-20"}]'),
        ("post", "herders/", '{"village": 1e400, "name": "哈力木·别克", "name_latin": "x"}'),
        ("patch", "herders/{herder}/", '{"village": -1e400}'),
        ("post", "lambing-records/", '{"herder": {herder}, "season": 1e400}'),
        ("post", "lambing-records/", '{"herder": 1e400, "season": {season}}'),
    ],
)
def test_a_number_too_large_for_a_float_is_a_400_naming_it(
    method, url, body, writer, sailike, winter_2024, english
):
    """Python's decoder reads 1e400 as infinity; as an id it was a 500 (OverflowError)."""
    ids = {"{herder}": str(sailike.pk), "{season}": str(winter_2024.pk)}
    for name, value in ids.items():
        url, body = url.replace(name, value), body.replace(name, value)

    response = getattr(api(writer), method)(API + url, body, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert "1e400" in response.content.decode()
    assert nothing_stored()
    assert Herder.objects.get(pk=sailike.pk).village_id == sailike.village_id


@pytest.mark.parametrize("number", [0.7, 0.0])
@pytest.mark.parametrize("key", ["record", "bulk", "village", "season"])
def test_an_id_sent_as_a_number_with_a_point_is_a_400_at_its_field(
    key, number, writer, sailike, sailike_record, winter_2024, english
):
    """Django's query reads 4.7 as the id 4: the entry was stored in that record."""
    entry = {"uuid": "7c1f6c52-52d6-4cf4-9f69-3e4a1d1b6a55", "date": "2024-12-20"}
    entry |= {"ewes_lambed": 1, "lambs_born": 1, "record": sailike_record.pk + number}
    url, body, field = {
        "record": ("entries/", entry, "record"),
        "bulk": ("entries/bulk/", [entry], "record"),
        "village": (
            "herders/",
            {"village": sailike.village_id + number, "name": "x", "name_latin": "x"},
            "village",
        ),
        "season": (
            "lambing-records/",
            {"herder": sailike.pk, "season": winter_2024.pk + number},
            "season",
        ),
    }[key]

    response = api(writer).post(API + url, body)

    assert response.status_code == 400, response.content[:300]
    errors = response.json()["errors"][0]["errors"] if key == "bulk" else response.json()
    assert errors[field] == ["Incorrect type. Expected pk value, received float."]
    assert not LambingEntry.objects.exists()
    assert list(LambingRecord.objects.all()) == [sailike_record]
    assert list(Herder.objects.all()) == [sailike]


@pytest.mark.parametrize("key", ["record", "village"])
def test_an_id_of_five_thousand_digits_is_a_400_at_its_field(key, writer, english):
    url, body = {
        "record": ("entries/", {"record": HUGE_NUMBER, "date": "2024-12-20"}),
        "village": ("herders/", {"village": HUGE_NUMBER, "name": "x", "name_latin": "x"}),
    }[key]

    response = api(writer).post(API + url, body)

    assert response.status_code == 400
    assert key in response.json()


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (HUGE_NUMBER, "99999999999999999999…(5000)"),
        ("9" * 30, "999999999999999999999999999999"),
        (10**30, "1000000000000000000000000000000"),
        (-5, "-5"),
        ("0", "0"),
        ("abc", "abc"),
        ("１２", "１２"),
    ],
    ids=["5000 digits", "30 digits", "10**30", "-5", "0", "abc", "full-width 12"],
)
def test_an_id_no_record_can_have_is_refused_naming_it(sent, said, writer, english):
    response = api(writer).post(API + "entries/", {"record": sent, "date": "2024-12-20"})

    assert response.status_code == 400
    assert response.json()["record"] == [f'Invalid pk "{said}" - object does not exist.']
    assert not LambingEntry.objects.exists()


def test_an_id_of_five_thousand_digits_in_a_bulk_is_a_400_at_its_item(writer, english):
    response = api(writer).post(BULK_URL, [{"record": HUGE_NUMBER, "date": "2024-12-20"}])

    assert response.status_code == 400
    assert "record" in response.json()["errors"][0]["errors"]


@pytest.mark.parametrize("url", ["entries/", "herders/"])
def test_a_path_id_of_five_thousand_digits_is_a_404(url, writer):
    assert api(writer).get(API + url + HUGE_NUMBER + "/").status_code == 404


def test_a_body_over_the_limit_is_a_413(writer, settings, english):
    body = '{"note": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'

    response = api(writer).post(API + "entries/", body, content_type="application/json")

    assert response.status_code == 413
    assert "MB" in response.json()["detail"] or "bytes" in response.json()["detail"]


def test_a_page_size_of_five_thousand_digits_is_a_400(writer):
    response = api(writer).get(API + "herders/?page_size=" + HUGE_NUMBER)

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_summary_place_of_five_thousand_digits_is_a_400(writer, winter_2024):
    assert api(writer).get(API + "summaries/?place=county:" + HUGE_NUMBER).status_code == 400


@pytest.mark.parametrize(
    ("url", "name"),
    [(API + "summaries/?as_of=", "as_of"), (API + "entries/?date_after=", "date_after")],
)
def test_a_nul_in_a_date_is_said_back_as_its_code_point(url, name, writer, winter_2024, english):
    """Said back as the character itself, "\u0000 is not a date": nothing a reader
    sees on a page, where an ESC is said as [U+001B]."""
    response = api(writer).get(url + "%00")

    assert response.status_code == 400
    assert response.json() == {name: ["[U+0000] is not a date (YYYY-MM-DD)."]}


def test_a_history_version_of_five_thousand_digits_is_a_404(admin_client, sailike):
    url = f"/admin/livestock/herder/{sailike.pk}/history/{HUGE_NUMBER}/"
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("action", ["correct", "delete"])
def test_an_entrys_page_of_an_id_of_five_thousand_digits_is_a_404(
    admin_client, sailike_record, action
):
    """The admin's page to correct or delete an entry, named by an id of 5,000 digits
    (a path reaches the server whole behind no proxy's limit): a 404, as an id of no
    entry, where it was a 500 (Python reads no number past 4,300 digits)."""
    url = f"/admin/livestock/lambingrecord/{sailike_record.pk}/entries/{HUGE_NUMBER}/{action}/"
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("record", [-1509874585486436551622656, 2**63, -42, 0])
def test_a_record_id_out_of_the_databases_range_is_a_400_at_its_item(writer, record, english):
    response = api(writer).post(BULK_URL, [{"record": record, "date": "2024-12-20"}])

    assert response.status_code == 400
    assert "record" in response.json()["errors"][0]["errors"]


@pytest.mark.parametrize(
    "path", ["entries/-5.703072924331458e-40/", "entries/1.5e-40/", "no-such-thing/"]
)
def test_a_path_under_the_api_that_names_nothing_is_a_404_in_json(writer, path):
    response = api(writer).get(API + path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        ("١", "١"),
        ("１", "１"),
        ("abc", "abc"),
        ("0", "0"),
        ("-1", "-1"),
        ("9" * 5000, "99999999999999999999…(5000)"),
    ],
    ids=["Arabic-Indic 1", "full-width 1", "abc", "0", "-1", "5000 digits"],
)
def test_an_id_filter_reads_ascii_digits_only_and_says_back_what_it_refuses(
    sent, said, fuhai_technician, sailike, english
):
    """?village=١ listed village 1's households: Django's IntegerField reads any
    script's digits, where a path's id and a body's are ASCII digits only; and
    ?village=abc was refused as "Enter a whole number.", naming no value."""
    response = api(fuhai_technician).get(API + "herders/", {"village": sent})

    assert response.status_code == 400
    assert response.json() == {
        "village": [
            f"{said} is not an id: a whole number from 1 to 9223372036854775807, in digits 0–9."
        ]
    }


def test_an_id_filter_in_ascii_digits_finds_its_households(fuhai_technician, sailike):
    response = api(fuhai_technician).get(API + "herders/", {"village": str(sailike.village_id)})

    assert [herder["id"] for herder in response.json()["results"]] == [sailike.pk]
