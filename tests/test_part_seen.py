"""A reader whose places lie below the place they open (布尔津县's official at
阿勒泰地区) sees only their part of it, and every surface that names the place
says so: the summary page, its CSV and XLSX, the bulletin and its PDF, and the
API's summary (``scoping.part_seen``). Without it an official read "阿勒泰地区 …
80 lambs born" where the prefecture's records held 110, and copied 80 upward
as the prefecture's figure."""

import csv
import datetime
import io
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook

from livestock.models import Report, ReportedFigure
from livestock.places import scoping
from livestock.services.entries import entry_create
from tests.conftest import PASSWORD, make_user
from tests.test_api_base import API, api
from tests.test_bulletin import pdftotext_or_skip, sentences

AS_OF = "2025-01-10"
PART_ZH = "阿勒泰地区（您的范围：布尔津县）"
PART_EN = "Altay Prefecture (your places: Burqin County)"
PART = f"{PART_ZH} · {PART_EN}"


@pytest.fixture
def counted(altay, bieke_record, sailike_record):
    """Burqin's 别克 with 80 lambs born, Fuhai's 赛力克 with 30: the prefecture's
    records hold 110, Burqin's part 80; and a report's 1.2万 for the prefecture."""
    entry_create(record=bieke_record, date=datetime.date(2025, 1, 5), ewes_lambed=70, lambs_born=80)
    entry_create(
        record=sailike_record, date=datetime.date(2025, 1, 6), ewes_lambed=25, lambs_born=30
    )
    report = Report.objects.create(slug="altay", title="阿勒泰接羔", source="test")
    ReportedFigure.objects.create(
        key="altay-born",
        report=report,
        prefecture=altay,
        as_of=datetime.date(2025, 1, 8),
        metric="lambs_born",
        value=12000,
        quote="阿勒泰地区已产羔1.2万只",
    )
    return altay


def client_of(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def prefecture_page(user, altay, winter_2024, path="/", **more):
    return client_of(user).get(
        path,
        {"season": winter_2024.pk, "as_of": AS_OF, "place": f"prefecture:{altay.pk}", **more},
    )


def test_a_readers_part_is_the_places_of_their_grants_below_the_place(
    altay, burqin, fuhai, woyimoke, burqin_official, prefecture_official, woyimoke_technician
):
    part = scoping.part_seen(burqin_official, altay)
    assert part.place == altay and part.places == (burqin,)
    # A township's technician opening their county sees the township's part.
    assert scoping.part_seen(woyimoke_technician, burqin).places == (woyimoke,)
    # Whoever sees the whole place, and the overview, have no part.
    assert scoping.part_seen(prefecture_official, altay) is None
    assert scoping.part_seen(burqin_official, burqin) is None
    assert scoping.part_seen(burqin_official, None) is None
    both = make_user("burqin-fuhai", "official", burqin, fuhai)
    assert scoping.part_seen(both, altay).places == (burqin, fuhai)
    # A grant over the whole place as well: the whole is seen.
    assert scoping.part_seen(make_user("altay-burqin", "official", altay, burqin), altay) is None


def test_a_grant_within_another_grant_is_not_named_again_as_a_part(
    counted, winter_2024, burqin, woyimoke, tongke
):
    # 布尔津县 and its own 窝依莫克镇 (and that town's 通克村): the part is Burqin,
    # not "布尔津县、窝依莫克镇", which read as two places whose figures were added.
    official = make_user("burqin-and-woyimoke", "official", burqin, woyimoke, tongke)
    assert scoping.part_seen(official, counted).places == (burqin,)
    technician = make_user("woyimoke-and-tongke", "technician", tongke, woyimoke)
    assert scoping.part_seen(technician, burqin).places == (woyimoke,)

    page = prefecture_page(official, counted, winter_2024).content.decode()
    assert f"<h1><bdi>{PART}</bdi></h1>" in page
    text = sentences(prefecture_page(official, counted, winter_2024, "/bulletin/").content.decode())
    assert "截至1月10日，布尔津县（阿勒泰地区中您的范围）已产羔80只，" in text
    params = {"season": winter_2024.pk, "as_of": AS_OF, "place": f"prefecture:{counted.pk}"}
    body = api(official).get(API + "summaries/", params).json()
    assert [place["name"] for place in body["scope"]] == ["布尔津县"]


def test_the_prefectures_page_says_burqins_official_sees_burqin_alone(
    counted, winter_2024, burqin_official
):
    response = prefecture_page(burqin_official, counted, winter_2024)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<title>{PART} · " in page
    assert f"<h1><bdi>{PART}</bdi></h1>" in page
    # The total row, 80 lambs born, is Burqin's and says so.
    total = page[page.index('<tr class="total">') : page.index("</tr>", page.index("total"))]
    assert PART in total
    assert '<td class="col-lambs_born">80</td>' in total
    assert "<h1><bdi>阿勒泰地区 Altay Prefecture</bdi></h1>" not in page


def test_the_prefecture_official_sees_the_whole_with_no_part_named(
    counted, winter_2024, prefecture_official
):
    page = prefecture_page(prefecture_official, counted, winter_2024).content.decode()
    assert "<h1><bdi>阿勒泰地区 Altay Prefecture</bdi></h1>" in page
    total = page[page.index('<tr class="total">') : page.index("</tr>", page.index("total"))]
    assert '<td class="col-lambs_born">110</td>' in total
    assert "您的范围" not in page and "your places:" not in page


@pytest.mark.parametrize("path", ["/outliers/", "/reporting/"])
def test_the_outliers_and_reporting_pages_name_the_part_too(
    path, counted, winter_2024, burqin_official, prefecture_official
):
    page = prefecture_page(burqin_official, counted, winter_2024, path).content.decode()
    assert f" · {PART}</title>" in page
    assert f" · {PART}</h1>" in page
    whole = prefecture_page(prefecture_official, counted, winter_2024, path).content.decode()
    assert " · 阿勒泰地区 Altay Prefecture</h1>" in whole and "您的范围" not in whole


def test_the_csv_and_xlsx_say_the_part_in_their_place_line_and_total_row(
    counted, winter_2024, burqin_official, prefecture_official
):
    response = prefecture_page(burqin_official, counted, winter_2024, export="csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["地方", PART] in lines
    headers = lines[lines.index([]) + 1]
    total = lines[lines.index(headers) + 1]
    assert total[:2] == [PART_ZH, PART_EN]
    assert total[headers.index("产羔数")] == "80"
    assert not any(line[:1] == ["阿勒泰地区"] for line in lines)

    response = prefecture_page(burqin_official, counted, winter_2024, export="xlsx")
    rows = [
        [cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active
    ]
    assert rows[2][:2] == ["地方", PART]
    headers = next(row for row in rows if row and row[0] == "名称")
    total = rows[rows.index(headers) + 1]
    assert total[:2] == [PART_ZH, PART_EN]
    assert total[headers.index("产羔数")] == 80

    response = prefecture_page(prefecture_official, counted, winter_2024, export="csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["地方", "阿勒泰地区 Altay Prefecture"] in lines
    assert "您的范围" not in response.content.decode("utf-8-sig")


def test_the_bulletin_says_its_figures_are_burqins_not_the_prefectures(
    counted, winter_2024, burqin_official, prefecture_official
):
    page = prefecture_page(burqin_official, counted, winter_2024, "/bulletin/").content.decode()
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert "布尔津县（阿勒泰地区中您的范围）" in heading
    assert f"<bdi>{PART}</bdi>" in page
    text = sentences(page)
    # The first sentence is Burqin's 80, with no report's figure of the prefecture
    # beside it (a county's reader reads none).
    assert "截至1月10日，布尔津县（阿勒泰地区中您的范围）已产羔80只，" in text
    assert "1.2万" not in text
    assert "布尔津县（阿勒泰地区中您的范围）已建档牧户1户" in text
    assert "阿勒泰地区已产羔" not in text and "阿勒泰地区已建档" not in text

    whole = prefecture_page(prefecture_official, counted, winter_2024, "/bulletin/")
    text = sentences(whole.content.decode())
    assert "截至1月10日，阿勒泰地区已产羔110只（报道1.2万只，1月8日）" in text
    assert "阿勒泰地区已建档牧户2户" in text
    assert "您的范围" not in text


def test_the_bulletins_pdf_says_the_part_too(counted, winter_2024, burqin_official, tmp_path):
    response = prefecture_page(burqin_official, counted, winter_2024, "/bulletin/", format="pdf")
    assert response.status_code == 200
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 (the test's own arguments)
        [pdftotext_or_skip(), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = "".join(text.split())
    assert "".join(PART.split()) in flat
    assert "截至1月10日，布尔津县（阿勒泰地区中您的范围）已产羔80只" in flat
    assert "阿勒泰地区已产羔" not in flat


def test_the_bulletin_in_english_names_the_part(counted, winter_2024, burqin_official):
    client = Client(headers={"accept-language": "en"})
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": AS_OF, "place": f"prefecture:{counted.pk}"}
    page = client.get("/bulletin/", params).content.decode()
    assert "As of 10 January, 布尔津县 (your places in 阿勒泰地区) had 80 lambs born" in sentences(
        page
    )


def test_the_api_summary_names_the_places_its_totals_are_of(
    counted, winter_2024, burqin_official, prefecture_official, burqin
):
    params = {"season": winter_2024.pk, "as_of": AS_OF, "place": f"prefecture:{counted.pk}"}
    answer = api(burqin_official).get(API + "summaries/", params)
    assert answer.status_code == 200
    body = answer.json()
    assert body["place"]["name"] == "阿勒泰地区"
    assert body["scope"] == [
        {"level": "county", "id": burqin.pk, "name": "布尔津县", "name_latin": "Burqin County"}
    ]
    assert body["totals"]["lambs_born"] == 80

    whole = api(prefecture_official).get(API + "summaries/", params).json()
    assert whole["scope"] is None and whole["totals"]["lambs_born"] == 110


@pytest.mark.parametrize("component", ["Summary", "SummaryRow"])
def test_the_schema_documents_the_scope_of_a_summary_and_of_its_rows(
    component, client, prefecture_official
):
    client.login(username=prefecture_official.username, password=PASSWORD)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    scope = schema["components"]["schemas"][component]["properties"]["scope"]
    assert scope["nullable"] is True and scope["type"] == "array"
    assert "not the whole place" in scope["description"]


ROW_ZH = "布尔津县（您的范围：通克村）"
ROW_EN = "Burqin County (your places: Tongke Village)"
ROW = f"{ROW_ZH} · {ROW_EN}"


@pytest.fixture
def tongke_technician(tongke):
    """A technician granted 通克村 alone, a village of 布尔津县's 窝依莫克镇."""
    return make_user("tongke-tech", "technician", tongke)


def rows_of(page: str) -> list[str]:
    """The summary table's place rows (not its total), as HTML."""
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    return [row for row in table.split("<tr")[1:] if 'class="total"' not in row]


@pytest.mark.parametrize("place", [True, False], ids=["prefecture", "overview"])
def test_a_village_technicians_county_row_names_the_village_it_holds(
    place, counted, winter_2024, tongke_technician
):
    # 布尔津县's row holds 通克村's 80 lambs alone, at the prefecture and on the
    # overview: it says so, as a heading would.
    params = {"season": winter_2024.pk, "as_of": AS_OF}
    if place:
        params["place"] = f"prefecture:{counted.pk}"
    client = client_of(tongke_technician)
    page = client.get("/", params).content.decode()
    (burqin_row,) = [row for row in rows_of(page) if "布尔津县" in row]
    assert ROW in burqin_row
    assert '<td class="col-lambs_born">80</td>' in burqin_row

    lines = list(
        csv.reader(io.StringIO(client.get("/", {**params, "export": "csv"}).content.decode()))
    )
    (burqin_line,) = [line for line in lines if line[:1] and "布尔津县" in line[0]]
    assert burqin_line[:2] == [ROW_ZH, ROW_EN]

    body = api(tongke_technician).get(API + "summaries/", params).json()
    (burqin_row,) = [row for row in body["rows"] if row["place"]["name"] == "布尔津县"]
    assert [place["name"] for place in burqin_row["scope"]] == ["通克村"]
    assert burqin_row["totals"]["lambs_born"] == 80


def test_a_village_technicians_township_row_names_the_village_at_the_county(
    counted, winter_2024, burqin, tongke_technician
):
    params = {"season": winter_2024.pk, "as_of": AS_OF, "place": f"county:{burqin.pk}"}
    page = client_of(tongke_technician).get("/", params).content.decode()
    (row,) = rows_of(page)
    assert "窝依莫克镇（您的范围：通克村） · Woyimoke Town (your places: Tongke Village)" in row
    body = api(tongke_technician).get(API + "summaries/", params).json()
    assert [place["name"] for place in body["rows"][0]["scope"]] == ["通克村"]
    assert [place["name"] for place in body["scope"]] == ["通克村"]


def test_a_county_officials_county_rows_are_unchanged(
    counted, winter_2024, burqin_official, prefecture_official
):
    for official in (burqin_official, prefecture_official):
        page = prefecture_page(official, counted, winter_2024).content.decode()
        (burqin_row,) = [row for row in rows_of(page) if "布尔津县" in row]
        assert "布尔津县 Burqin County</a>" in burqin_row
        assert "您的范围" not in "".join(rows_of(page))
        params = {"season": winter_2024.pk, "as_of": AS_OF, "place": f"prefecture:{counted.pk}"}
        body = api(official).get(API + "summaries/", params).json()
        assert all(row["scope"] is None for row in body["rows"])
