"""The officials' summary pages: as-of tables from the counties down to a
herder, reported beside recorded figures, exports, scope, and a constant
number of queries at every level."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from livestock.counting import rollups
from livestock.counting.metrics import METRICS
from livestock.models import County, Herder, LambingEntry, LambingRecord, Season, Township, Village
from livestock.pages import summary_table
from livestock.selectors.totals import lambing_totals
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def seeded(db):
    call_command("seed_reports", verbosity=0)
    return Season.objects.get()


def page_for(user, **params) -> tuple[int, str]:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/", params)
    return response.status_code, response.content.decode()


def row_of(page: str, name: str) -> str:
    """The HTML of the table row whose first cell names ``name``."""
    start = page.index(f">{name}")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


@pytest.fixture
def prefecture_official_seeded(seeded):
    from livestock.models import Prefecture

    return make_user("altay-official", "official", Prefecture.objects.get())


def test_burqin_shows_reported_figures_beside_its_records_and_their_coverage(
    seeded, prefecture_official_seeded
):
    status, page = page_for(prefecture_official_seeded, season=seeded.pk, as_of="2025-02-11")
    assert status == 200
    burqin = row_of(page, "布尔津县 Burqin County")
    assert "12,000 (2025-02-11)" in burqin  # reported lambs born, exact
    assert "186,000 多/余（以上） (2024-12-01)" in burqin  # reported over-wintering ewes
    assert '<td class="col-lambs_born">50</td>' in burqin  # recorded lambs born: 别克's 50
    coverage = '<small class="parts"><bdi dir="ltr">= 50 ÷ 12,000</bdi></small>'
    assert f'<td class="col-coverage rate">0.4%{coverage}' in burqin


def test_as_of_a_date_the_records_leave_out_later_entries(seeded, prefecture_official_seeded):
    _, page = page_for(prefecture_official_seeded, season=seeded.pk, as_of="2025-02-06")
    burqin = row_of(page, "布尔津县 Burqin County")
    assert '<td class="col-lambs_born">50</td>' not in burqin  # 别克's count is dated 2025-02-07
    assert "12,000" not in burqin  # the report's figure holds from 2025-02-11


def test_every_rate_says_its_formula(seeded, prefecture_official_seeded):
    _, page = page_for(prefecture_official_seeded, season=seeded.pk, as_of="2025-02-11")
    assert "产羔率<small>= 产羔数 ÷ 产羔母羊</small>" in page


def test_drilling_down_keeps_the_season_and_date_in_the_link(seeded, prefecture_official_seeded):
    burqin = County.objects.get(name="布尔津县")
    woyimoke = Township.objects.get(name="窝依莫克镇")
    _, page = page_for(
        prefecture_official_seeded,
        season=seeded.pk,
        as_of="2025-02-11",
        place=f"county:{burqin.pk}",
    )
    assert f"?season={seeded.pk}&amp;as_of=2025-02-11&amp;place=township%3A{woyimoke.pk}" in page
    tongke = Village.objects.get(name="通克村")
    _, page = page_for(
        prefecture_official_seeded,
        season=seeded.pk,
        as_of="2025-02-11",
        place=f"village:{tongke.pk}",
    )
    assert "别克·木合亚提 Bieke Muheyati" in page
    assert "窝依莫克镇 Woyimoke Town</a>" in page  # breadcrumb back up


def test_a_herders_page_shows_the_record_as_of_each_date(seeded, prefecture_official_seeded):
    bieke = Herder.objects.get(name="别克·木合亚提")
    _, page = page_for(
        prefecture_official_seeded, season=seeded.pk, as_of="2025-02-11", place=f"herder:{bieke.pk}"
    )
    assert "2025-02-07" in row_of(page, "2025-02-07")
    assert '<td class="col-lambs_born">50</td>' in row_of(page, "2025-02-07")


def test_the_csv_holds_the_table_with_its_season_date_and_place(seeded, prefecture_official_seeded):
    client = Client()
    client.login(username="altay-official", password=PASSWORD)
    response = client.get("/", {"season": seeded.pk, "as_of": "2025-02-11", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == ["产羔季", "2024–2025 冬羔"]
    assert lines[1] == ["截至日期", "2025-02-11"]
    headers = lines[lines.index([]) + 1]
    burqin = next(line for line in lines if line[:1] == ["布尔津县"])
    assert burqin[headers.index("产羔数")] == "50"
    assert burqin[headers.index("报道产羔数")] == "12000"


def test_the_xlsx_holds_the_same_numbers(seeded, prefecture_official_seeded):
    client = Client()
    client.login(username="altay-official", password=PASSWORD)
    response = client.get("/", {"season": seeded.pk, "as_of": "2025-02-11", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    headers = next(row for row in rows if row and row[0] == "名称")
    burqin = next(row for row in rows if row and row[0] == "布尔津县")
    assert burqin[headers.index("产羔数")] == 50


# What a place with no household shows for each recorded count and rate: nothing
# was counted there ("—", saying why), which is not a count of 0.
NO_HOUSEHOLDS = "无牧户 no households"
RECORDED_COLUMNS = [
    column
    for column in summary_table.COLUMNS
    if column.metric is not None and column.metric.unit != "households"
]


def test_a_county_with_no_household_shows_nothing_counted_not_0(seeded, prefecture_official_seeded):
    """阿勒泰市 has no herder household on file: its row, its own page's cards
    and its reporting say "—" with 无牧户 beside it, never "0" or "0.0%"."""
    _, page = page_for(prefecture_official_seeded, season=seeded.pk, as_of="2025-02-11")
    city = row_of(page, "阿勒泰市 Altay City")
    # Said once, under its name; each cell "—" with the reason as its title.
    assert f'Altay City</a></bdi><small class="nothing-counted">{NO_HOUSEHOLDS}</small>' in city
    assert '<td class="col-households">0</td>' in city  # 0 households: a count
    for column in RECORDED_COLUMNS:
        kind = " rate" if column.kind == "rate" else ""
        cell = f'<td class="col-{column.key}{kind} nothing-counted" title="{NO_HOUSEHOLDS}">—</td>'
        assert cell in city, column.key
    assert ">0<" not in city.replace('"col-households">0<', "").replace('col-flagged">0<', "")
    burqin = row_of(page, "布尔津县 Burqin County")
    assert '<td class="col-lambs_born">50</td>' in burqin and NO_HOUSEHOLDS not in burqin
    progress = page[page.index('<section class="progress"') :]
    city_progress = progress[
        progress.index("阿勒泰市") : progress.index("</li>", progress.index("阿勒泰市"))
    ]
    assert f'<span class="rate">—</span> <small class="households">{NO_HOUSEHOLDS}' in city_progress

    county = County.objects.get(name="阿勒泰市")
    _, own = page_for(
        prefecture_official_seeded,
        season=seeded.pk,
        as_of="2025-02-11",
        place=f"county:{county.pk}",
    )
    cards = own[own.index('class="cards"') : own.index("</section>", own.index('class="cards"'))]
    assert cards.count(NO_HOUSEHOLDS) == 3 and 'card-value">0<' not in cards
    monitoring = own[own.index('class="monitoring"') :]
    assert f"<strong>—</strong>\n      <small>{NO_HOUSEHOLDS}</small>" in monitoring


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_says_a_county_with_no_household_has_nothing_counted(
    kind, seeded, prefecture_official_seeded
):
    client = Client()
    client.login(username="altay-official", password=PASSWORD)
    response = client.get("/", {"season": seeded.pk, "as_of": "2025-02-11", "export": kind})
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [
            ["" if cell.value is None else cell.value for cell in row] for row in sheet.iter_rows()
        ]
    headers = next(row for row in rows if row and row[0] == "名称")
    city = dict(
        zip(headers, next(row for row in rows if row and row[0] == "阿勒泰市"), strict=True)
    )
    assert city["建档户数"] in ("0", 0)
    for header in (
        "季初能繁母羊",
        "产羔母羊",
        "产羔数",
        "死亡羔羊",
        "成活羔羊",
        "死亡率 (%) = 死亡羔羊 ÷ 产羔数",
    ):
        assert city[header] == NO_HOUSEHOLDS, header
    # The numbers a rate or a partly known count is made of: none, not 0 ÷ 0.
    assert (
        city["死亡率 · 分子 (死亡羔羊)"]
        == city["成活羔羊 · 计算户数 (截至该日做过成活检查的牧户)"]
        == ""
    )


def test_the_summary_explains_its_figures_with_the_ewes_as_the_app_names_them(
    seeded, prefecture_official_seeded
):
    """The forecast's method under the summary and the reason a rate of ewes is
    unknown said 季初越冬母羊 (and 越冬母羊) where the table's column says
    季初能繁母羊 (docs/glossary.md) for the same number."""
    _, page = page_for(prefecture_official_seeded, season=seeded.pk, as_of="2025-02-11")
    assert "预计本季产羔数 = 季初能繁母羊 × 目前产羔率" in page
    assert "越冬母羊" not in page
    with translation.override("zh-hans"):
        assert str(METRICS["reproduction_rate"].none_yet) == "尚未登记季初能繁母羊"
        weaned = str(METRICS["reproductive_survival_rate"].none_yet)
    assert weaned == "已登记季初能繁母羊的牧户尚无断奶检查"


def test_a_county_official_sees_only_that_county(seeded):
    fuhai_official = make_user("fuhai-official", "official", County.objects.get(name="福海县"))
    _, page = page_for(fuhai_official, season=seeded.pk, as_of="2025-02-11")
    assert "福海县 Fuhai County" in page
    assert "布尔津县" not in page


def test_a_place_outside_the_scope_is_refused_without_its_numbers(seeded):
    fuhai_official = make_user("fuhai-official", "official", County.objects.get(name="福海县"))
    burqin = County.objects.get(name="布尔津县")
    status, page = page_for(fuhai_official, season=seeded.pk, place=f"county:{burqin.pk}")
    assert status == 404  # a page that says so and leads back (test_views_desk)
    assert "Burqin" not in page and "12,000" not in page


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_date_defaults_to_the_seasons_end_once_it_is_over(seeded, prefecture_official_seeded):
    _, page = page_for(prefecture_official_seeded, season=seeded.pk)
    assert "截至 2025-02-28" in page


@pytest.mark.parametrize("path", ["/", "/bulletin/", "/outliers/", "/reporting/"])
def test_the_picker_shows_the_season_and_date_a_page_was_made_for(
    path, seeded, prefecture_official_seeded
):
    """Opened without a season or date, each page is of the latest season as of
    its end, and its picker says so: a bulletin headed 截至2025年2月28日 above an
    empty date and season, sent again as it stood, was of those defaults only by chance."""
    client = Client()
    client.login(username=prefecture_official_seeded.username, password=PASSWORD)
    page = client.get(path).content.decode()
    start = page.index('<form class="summary-query"')
    picker = page[start : page.index("</form>", start)]
    assert f'<option value="{seeded.pk}" selected>' in picker
    assert 'name="as_of" value="2025-02-28"' in picker


# A constant number of queries at every level


def make_herders(township: Township, season: Season, count: int) -> Village:
    village = Village.objects.create(township=township, name=f"村{count}", name_latin=f"V{count}")
    herders = Herder.objects.bulk_create(
        Herder(village=village, name=f"牧户{n}", name_latin=f"Herder {n}") for n in range(count)
    )
    records = LambingRecord.objects.bulk_create(
        LambingRecord(herder=herder, season=season, ewes_at_start=100) for herder in herders
    )
    LambingEntry.objects.bulk_create(
        LambingEntry(record=record, date=datetime.date(2024, 12, 10), ewes_lambed=5, lambs_born=6)
        for record in records
    )
    rollups.changed(record.pk for record in records)  # written around the services, for speed
    return village


def queries_for(client: Client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("level", ["overview", "county", "township", "village", "herder"])
def test_each_level_takes_as_many_queries_for_1000_herders_as_for_10(
    level, winter_2024, woyimoke, burqin
):
    official = make_user("official", "official", burqin.prefecture)
    client = Client()
    client.login(username="official", password=PASSWORD)
    counts = []
    for size in (10, 1000):
        village = make_herders(woyimoke, winter_2024, size)
        place = {
            "overview": "",
            "county": f"county:{burqin.pk}",
            "township": f"township:{woyimoke.pk}",
            "village": f"village:{village.pk}",
            "herder": f"herder:{village.herders.first().pk}",
        }[level]
        counts.append(queries_for(client, season=winter_2024.pk, as_of="2025-01-01", place=place))
    assert counts[0] == counts[1], counts
    assert official.is_staff


def test_a_user_with_places_but_no_role_reads_no_summary(seeded):
    from livestock.models import Prefecture

    roleless = make_user("roleless", None, Prefecture.objects.get())
    status, page = page_for(roleless, season=seeded.pk, as_of="2025-02-11")
    assert status == 403
    assert "12,000" not in page
    client = Client()
    client.login(username="roleless", password=PASSWORD)
    assert client.get("/api/v1/summaries/").status_code == 403


def test_the_overview_of_several_prefectures_lists_them_and_links_to_their_counties(seeded):
    from livestock.models import Prefecture

    tacheng = Prefecture.objects.create(name="塔城地区", name_latin="Tacheng Prefecture")
    County.objects.create(prefecture=tacheng, name="托里县", name_latin="Toli County")
    root = make_user("xinjiang", None, superuser=True)
    status, page = page_for(root, season=seeded.pk, as_of="2025-02-11")
    assert status == 200
    altay = Prefecture.objects.get(name="阿勒泰地区")
    born = lambing_totals(season=seeded, as_of=datetime.date(2025, 2, 11), place=altay)
    assert born.lambs_born > 0
    assert f'<td class="col-lambs_born">{born.lambs_born}</td>' in row_of(
        page, "阿勒泰地区 Altay Prefecture"
    )
    assert "布尔津县" not in page.split("<table", 1)[1].split("</table>", 1)[0]
    assert f"place=prefecture%3A{tacheng.pk}" in row_of(page, "塔城地区 Tacheng Prefecture")
    # The page and its total row name the user's places, not "counties".
    assert page.count("您工作范围内的全部区域") >= 2 and "全部县" not in page
    status, page = page_for(
        root, season=seeded.pk, as_of="2025-02-11", place=f"prefecture:{tacheng.pk}"
    )
    assert status == 200 and "托里县 Toli County" in page


@pytest.mark.parametrize("path", ["/", "/bulletin/", "/outliers/", "/reporting/"])
def test_a_date_sent_twice_to_a_page_is_refused_naming_both(
    path, burqin_official, winter_2024, english
):
    """The last was read: /bulletin/?as_of=2025-01-10&as_of=2025-02-20 was the
    bulletin as of 20 February, headed so, for an official who had typed the 10th
    into the address and not seen the other."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(burqin_official)
    response = client.get(f"{path}?season={winter_2024.pk}&as_of=2025-01-10&as_of=2025-02-20")

    assert response.status_code == 400
    assert "as_of is sent 2 times (2025-01-10, 2025-02-20); send it once." in (
        response.content.decode()
    )
