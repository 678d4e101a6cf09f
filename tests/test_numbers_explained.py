"""Every number explainable (issue 15): each rate on the summary page, in the
CSV and in the API shows its numerator, its denominator and the households it
covers, and equals numerator ÷ denominator, as an official with a calculator
finds it; unknown is "—" on pages and files and null in the API, never 0.

布尔津县 as of 2025-02-11, as an official first met it: 别克 (from the report)
has 150 ewes and 50 lambs born; a second household has 80 ewes lambed and 100
lambs born but no ewes counted. The columns say 150 ewes, 80 lambed, 150
born; 繁殖率 is 50 ÷ 150 (one household of two) and 产羔率 100 ÷ 80."""

import csv
import datetime
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from livestock.models import County, Herder, Prefecture, Season, Village
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.conftest import PASSWORD, make_user
from tests.test_api_base import API, api

AS_OF = "2025-02-11"
RATE_CELL = re.compile(
    r'<td class="col-\w+ rate[^"]*">(?P<value>[\d.]+)%<small class="parts">'
    r'<bdi dir="ltr">= (?P<numerator>[\d,]+) ÷ (?P<denominator>[\d,]+)</bdi></small>'
    r'(?:<small class="households">(?P<households>[^<]*)</small>)?</td>'
)


def percent(numerator, denominator) -> Decimal:
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def plain(number: str) -> int:
    return int(number.replace(",", ""))


@pytest.fixture
def burqin_as_officials_met_it(db) -> Season:
    call_command("seed_reports", verbosity=0)
    season = Season.objects.get()
    tongke = Village.objects.get(name="通克村")
    neighbour = Herder.objects.create(village=tongke, name="阿依别克", name_latin="Ayibieke")
    record = record_create(herder=neighbour, season=season, ewes_at_start=None)
    entry_create(record=record, date=datetime.date(2025, 2, 9), ewes_lambed=80, lambs_born=100)
    return season


@pytest.fixture
def official(burqin_as_officials_met_it):
    return make_user("altay-official", "official", Prefecture.objects.get())


def burqin_page(official, season, language: str = "zh-hans") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.login(username=official.username, password=PASSWORD)
    burqin = County.objects.get(name="布尔津县")
    response = client.get(
        "/", {"season": season.pk, "as_of": AS_OF, "place": f"county:{burqin.pk}"}
    )
    assert response.status_code == 200
    return response.content.decode()


def total_row(page: str) -> str:
    start = page.index('<tr class="total">')
    return page[start : page.index("</tr>", start)]


def test_every_rate_on_the_county_page_equals_its_shown_numerator_over_denominator(
    burqin_as_officials_met_it, official
):
    row = total_row(burqin_page(official, burqin_as_officials_met_it))
    cells = list(RATE_CELL.finditer(row))
    assert len(cells) >= 3  # lambing, reproduction, mortality (and coverage)
    for cell in cells:
        assert Decimal(cell["value"]) == percent(
            plain(cell["numerator"]), plain(cell["denominator"])
        ), cell.group(0)


def test_the_page_shows_the_numbers_each_rate_actually_used_and_its_households(
    burqin_as_officials_met_it, official
):
    row = total_row(burqin_page(official, burqin_as_officials_met_it))
    assert '<td class="col-lambs_born">150</td>' in row  # lambs born, both households
    # 繁殖率: only 别克's ewes were counted, so only his 50 lambs are divided.
    assert '33.3%<small class="parts"><bdi dir="ltr">= 50 ÷ 150</bdi></small>' in row
    assert "⚠ 按2户中的1户计算" in row
    # 产羔率: only the neighbour counted ewes lambed.
    assert '125.0%<small class="parts"><bdi dir="ltr">= 100 ÷ 80</bdi></small>' in row


def test_lambs_alive_with_no_check_made_is_a_dash_on_the_page_not_zero(
    burqin_as_officials_met_it, official
):
    row = total_row(burqin_page(official, burqin_as_officials_met_it))
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    lambs_alive = cells[5]  # households, ewes, ewes lambed, born, losses, alive
    assert lambs_alive == "—"


def test_a_rate_with_no_check_made_is_a_dash_on_the_page_saying_why_not_0_over_0(
    burqin_as_officials_met_it, official
):
    """No household of 布尔津县 has a survival check: its survival rate is "—"
    with no division beside it (its numbers are unknown, not 0 ÷ 0), and says
    why in its title, as the bulletin does (``RateParts.numbers_known``): in the
    page's two languages, as its other notes (无牧户 no households), Chinese with
    the English beside it, or Kazakh with the Chinese on a Kazakh page."""
    row = total_row(burqin_page(official, burqin_as_officials_met_it))
    assert (
        '<td class="col-survival_rate rate" title="尚无成活检查 no survival checks yet">—</td>'
        in row
    )
    assert "0 ÷ 0" not in row
    row = total_row(burqin_page(official, burqin_as_officials_met_it, language="kk"))
    assert (
        '<td class="col-survival_rate rate" title="сақталу тексерісі әлі болған жоқ 尚无成活检查">'
        "—</td>" in row
    )


def test_a_check_in_one_household_of_two_says_so_at_lambs_alive(
    burqin_as_officials_met_it, official
):
    bieke = Herder.objects.get(name="别克·木合亚提")
    record = bieke.lambing_records.get()
    entry_create(
        record=record,
        date=datetime.date(2025, 2, 10),
        lambs_alive=48,
        check_stage="day7",
    )
    row = total_row(burqin_page(official, burqin_as_officials_met_it))
    assert (
        '<td class="col-lambs_alive partial">48<small class="households">⚠ 按2户中的1户计算' in row
    )
    # 成活率 divides by the lambs born of the household checked, not all 150.
    assert '96.0%<small class="parts"><bdi dir="ltr">= 48 ÷ 50</bdi></small>' in row


def csv_rows(official, season, **params) -> tuple[list[str], list[list[str]]]:
    client = Client()
    client.login(username=official.username, password=PASSWORD)
    response = client.get("/", {"season": season.pk, "as_of": AS_OF, "export": "csv", **params})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headers = lines[lines.index([]) + 1]
    return headers, lines[lines.index([]) + 2 :]


def test_every_rate_in_the_csv_equals_its_numerator_over_denominator(
    burqin_as_officials_met_it, official
):
    headers, rows = csv_rows(official, burqin_as_officials_met_it)
    burqin = next(row for row in rows if row[0] == "布尔津县")
    rates = [index for index, header in enumerate(headers) if "(%) =" in header]
    assert len(rates) == 6
    checked = 0
    for index in rates:
        assert headers[index + 1].startswith(headers[index].split(" (%)")[0] + " · 分子")
        assert headers[index + 2].startswith(headers[index].split(" (%)")[0] + " · 分母")
        value, numerator, denominator = burqin[index : index + 3]
        if value == "":
            assert denominator in ("", "0")
            continue
        assert Decimal(value) == percent(Decimal(numerator), Decimal(denominator)), headers[index]
        checked += 1
    assert checked >= 3
    reproduction = headers.index("繁殖率 (%) = 产羔数 ÷ 季初能繁母羊")
    assert burqin[reproduction : reproduction + 4] == ["33.3", "50", "150", "1"]


def test_lambs_alive_with_no_check_made_is_empty_in_the_csv_not_zero(
    burqin_as_officials_met_it, official
):
    headers, rows = csv_rows(official, burqin_as_officials_met_it)
    burqin = next(row for row in rows if row[0] == "布尔津县")
    assert burqin[headers.index("成活羔羊")] == ""
    assert burqin[headers.index("产羔数")] == "150"


def xlsx_rows(official, season, **params) -> tuple[list, list[list]]:
    client = Client()
    client.login(username=official.username, password=PASSWORD)
    response = client.get("/", {"season": season.pk, "as_of": AS_OF, "export": "xlsx", **params})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    blank = next(index for index, line in enumerate(lines) if all(cell is None for cell in line))
    return lines[blank + 1], lines[blank + 2 :]


def test_the_xlsx_holds_the_same_numbers_as_the_csv_lambs_alive_unknown_as_an_empty_cell(
    burqin_as_officials_met_it, official
):
    headers, rows = xlsx_rows(official, burqin_as_officials_met_it)
    burqin = next(row for row in rows if row[0] == "布尔津县")
    assert burqin[headers.index("成活羔羊")] in (None, "")  # empty, not 0
    assert burqin[headers.index("产羔数")] == 150
    reproduction = headers.index("繁殖率 (%) = 产羔数 ÷ 季初能繁母羊")
    value, numerator, denominator = burqin[reproduction : reproduction + 3]
    assert Decimal(str(value)) == percent(numerator, denominator) == Decimal("33.3")
    csv_headers, csv_lines = csv_rows(official, burqin_as_officials_met_it)
    assert [str(header) for header in headers] == csv_headers


def test_the_csv_says_what_each_rate_is_and_which_households_it_counts(
    burqin_as_officials_met_it, official
):
    client = Client()
    client.login(username=official.username, password=PASSWORD)
    response = client.get(
        "/", {"season": burqin_as_officials_met_it.pk, "as_of": AS_OF, "export": "csv"}
    )
    context = response.content.decode("utf-8-sig").split("\r\n\r\n")[0]
    assert "繁殖成活率" in context and "适繁母羊" in context
    assert "已登记产羔母羊的牧户" in context


def burqin_api_totals(official, season) -> dict:
    burqin = County.objects.get(name="布尔津县")
    response = api(official).get(
        API + "summaries/", {"season": season.pk, "as_of": AS_OF, "place": f"county:{burqin.pk}"}
    )
    assert response.status_code == 200, response.content
    return response.json()["totals"]


def test_every_rate_in_the_api_equals_its_numerator_over_denominator(
    burqin_as_officials_met_it, official
):
    totals = burqin_api_totals(official, burqin_as_officials_met_it)
    assert set(totals["rates"]) == {
        "lambing_rate",
        "reproduction_rate",
        "survival_rate",
        "reproductive_survival_rate",
        "mortality_rate",
    }
    for code, parts in totals["rates"].items():
        assert totals[code] == parts["value"]
        if parts["denominator"]:
            assert Decimal(str(parts["value"])) == percent(parts["numerator"], parts["denominator"])
        else:
            assert parts["value"] is None
    assert totals["rates"]["reproduction_rate"] == {
        "value": 33.3,
        "numerator": 50,
        "denominator": 150,
        "households": 1,
        "of_households": 2,
    }


def test_lambs_alive_with_no_check_made_is_null_in_the_api(burqin_as_officials_met_it, official):
    totals = burqin_api_totals(official, burqin_as_officials_met_it)
    assert totals["lambs_alive"] is None
    assert totals["lambs_alive_at_weaning"] is None
    assert totals["survival_rate"] is None
    assert totals["households_checked"] == 0
    assert totals["lambs_born"] == 150


def burqin_api_summary(official, season, **params) -> dict:
    burqin = County.objects.get(name="布尔津县")
    response = api(official).get(
        API + "summaries/",
        {"season": season.pk, "as_of": AS_OF, "place": f"county:{burqin.pk}", **params},
    )
    assert response.status_code == 200, response.content
    return response.json()


def assert_explained(parts: dict) -> None:
    """A rate of the API as an official checks it: numerator ÷ denominator, never
    past 100 % when the numerator is a part of the denominator."""
    if parts["denominator"]:
        assert Decimal(str(parts["value"])) == percent(parts["numerator"], parts["denominator"])
    else:
        assert parts["value"] is None


def test_the_api_gives_completeness_timeliness_and_the_forecast_by_metric_code(
    burqin_as_officials_met_it, official
):
    summary = burqin_api_summary(official, burqin_as_officials_met_it, timeliness="true")
    codes = {metric["code"] for metric in api(official).get(API + "metrics/").json()}
    for monitoring in [summary["monitoring"], *(row["monitoring"] for row in summary["rows"])]:
        named = set(monitoring) - {"finish_date", "on_time", "behind_curve"}
        assert named <= codes, named - codes
        for code in ("completeness", "timeliness"):
            assert_explained(monitoring[code])
            if monitoring[code]["of_households"]:
                assert monitoring[code]["numerator"] <= monitoring[code]["denominator"]
            else:  # a township with no household: unknown, not 0 of 0
                assert monitoring[code]["numerator"] is monitoring[code]["denominator"] is None
    whole = summary["monitoring"]
    # 布尔津县's two households both counted in the last 7 days; its counts were
    # entered today, long after 2025-02-11: none of them on time.
    assert whole["completeness"] == {
        "value": 100.0,
        "numerator": 2,
        "denominator": 2,
        "households": 2,
        "of_households": 2,
    }
    assert whole["timeliness"]["numerator"] == 0 and whole["timeliness"]["denominator"] >= 2
    assert whole["timeliness"]["value"] == 0.0
    # The forecast: ewes × lambing rate so far, of the households with ewes counted (别克).
    assert_explained(whole["share_done"])
    assert whole["lambs_expected"] == whole["share_done"]["denominator"]
    assert whole["share_done"]["households"] == 1 and whole["share_done"]["of_households"] == 2
    assert whole["previous_share_done"] is None  # no earlier winter season


def test_timeliness_is_null_in_the_api_unless_asked_for_and_a_bad_answer_is_a_400(
    burqin_as_officials_met_it, official
):
    summary = burqin_api_summary(official, burqin_as_officials_met_it)
    assert summary["monitoring"]["timeliness"] is None
    assert all(row["monitoring"]["timeliness"] is None for row in summary["rows"])
    burqin = County.objects.get(name="布尔津县")
    response = api(official).get(
        API + "summaries/",
        {
            "season": burqin_as_officials_met_it.pk,
            "place": f"county:{burqin.pk}",
            "timeliness": "x",
        },
    )
    assert response.status_code == 400
    assert "timeliness" in response.json()


def test_a_place_without_records_has_null_forecast_in_the_api(burqin_as_officials_met_it, official):
    altay = Prefecture.objects.get()
    response = api(official).get(
        API + "summaries/",
        {
            "season": burqin_as_officials_met_it.pk,
            "as_of": AS_OF,
            "place": f"prefecture:{altay.pk}",
        },
    )
    rows = {row["place"]["name"]: row["monitoring"] for row in response.json()["rows"]}
    empty = next(monitoring for name, monitoring in rows.items() if name != "布尔津县")
    assert empty["lambs_expected"] is None and empty["share_done"] is None
    assert empty["completeness"]["value"] is None and empty["completeness"]["denominator"] is None
    assert rows["布尔津县"]["completeness"]["value"] == 100.0
