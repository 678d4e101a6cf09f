"""The officials' desk (issue 15, item 8): the week's cards, places ranked by
progress, the inbox of townships waiting for review, the season picker showing
the season in use, an out-of-scope link answered by a page that leads back,
and a herder's table showing the reported figures its chart shows."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from livestock.counting import quality
from livestock.models import County, Herder, Prefecture, Season, Township, Village
from livestock.monitoring import completeness, forecast
from livestock.selectors.summaries import child_level, place_summary
from livestock.selectors.totals import lambing_totals, losses_by_cause, losses_from
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from livestock.services.reviews import review_submit
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def seeded(db) -> Season:
    call_command("seed_reports", verbosity=0)
    return Season.objects.get()


def signed_in(user) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def official(seeded):
    return make_user("altay-official", "official", Prefecture.objects.get())


def test_the_season_picker_shows_the_season_in_use_on_the_default_view(seeded, official):
    page = signed_in(official).get("/").content.decode()
    assert f'<option value="{seeded.pk}" selected>' in page
    assert 'value="2025-02-28"' in page  # the date in use: the season's end


def test_a_link_outside_the_users_places_says_so_and_leads_back(seeded):
    fuhai_official = make_user("fuhai-official", "official", County.objects.get(name="福海县"))
    burqin = County.objects.get(name="布尔津县")
    response = signed_in(fuhai_official).get(
        "/", {"season": seeded.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert "这个地方不在您的工作范围内" in page
    assert f"您的工作范围内没有县（市） {burqin.pk}。" in page  # the level in Chinese, not "county"
    assert f'href="/?season={seeded.pk}&amp;as_of=2025-02-11"' in page
    assert "Burqin" not in page and "布尔津" not in page and "12,000" not in page


def submit(township: Township, season: Season, as_of: datetime.date):
    technician = make_user(f"tech-{township.pk}", "technician", township)
    return review_submit(township=township, season=season, as_of=as_of, user=technician)


def test_the_inbox_lists_the_townships_waiting_for_this_officials_review(seeded):
    woyimoke = Township.objects.get(name="窝依莫克镇")
    submit(woyimoke, seeded, datetime.date(2025, 2, 10))
    burqin_official = make_user("burqin-official", "official", woyimoke.county)
    page = signed_in(burqin_official).get("/", {"season": seeded.pk}).content.decode()
    inbox = page[
        page.index('class="inbox"') : page.index("</section>", page.index('class="inbox"'))
    ]
    assert "等待您审核" in inbox
    assert "窝依莫克镇 Woyimoke Town" in inbox
    assert f"place=township%3A{woyimoke.pk}" in inbox and "as_of=2025-02-10" in inbox


def test_the_inbox_is_not_shown_to_a_technician_nor_to_another_countys_official(seeded):
    woyimoke = Township.objects.get(name="窝依莫克镇")
    submit(woyimoke, seeded, datetime.date(2025, 2, 10))
    fuhai_official = make_user("fuhai-official", "official", County.objects.get(name="福海县"))
    assert 'class="inbox"' not in signed_in(fuhai_official).get("/").content.decode()
    technician = make_user("tech-2", "technician", woyimoke)
    assert 'class="inbox"' not in signed_in(technician).get("/").content.decode()


def test_the_inbox_takes_as_many_queries_for_five_townships_as_for_one(seeded):
    burqin = County.objects.get(name="布尔津县")
    official = make_user("burqin-official", "official", burqin)
    client = signed_in(official)
    counts = []
    for number in range(5):
        township = Township.objects.create(
            county=burqin, name=f"乡{number}", name_latin=f"T{number}"
        )
        submit(township, seeded, datetime.date(2025, 2, 10))
        if number in (0, 4):
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/", {"season": seeded.pk, "place": f"county:{burqin.pk}"})
            assert response.content.decode().count('<li><a href="?season=') >= number + 1
            counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_cards_show_lambs_born_survival_and_losses_with_the_change_in_a_week(seeded, official):
    bieke = Herder.objects.get(name="别克·木合亚提")
    record = bieke.lambing_records.get()
    entry_create(record=record, date=datetime.date(2025, 2, 10), lambs_born=12)
    burqin = County.objects.get(name="布尔津县")
    page = (
        signed_in(official)
        .get("/", {"season": seeded.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"})
        .content.decode()
    )
    cards = page[
        page.index('class="cards"') : page.index("</section>", page.index('class="cards"'))
    ]
    assert "产羔数" in cards and "62" in cards  # 50 on 2025-02-07, 12 on 2025-02-10
    assert "+62 自 2025-02-04 以来" in cards  # nothing was recorded a week before
    assert "羔羊成活率" in cards and "死亡羔羊" in cards


def test_places_are_ranked_by_progress_with_the_numbers_used(seeded, official):
    fuhai = County.objects.get(name="福海县")
    village = Village.objects.filter(township__county=fuhai).first()
    herder = Herder.objects.create(village=village, name="赛力克", name_latin="Sailike")
    record = record_create(herder=herder, season=seeded, ewes_at_start=10)
    entry_create(record=record, date=datetime.date(2025, 2, 1), lambs_born=12)
    page = signed_in(official).get("/", {"season": seeded.pk, "as_of": "2025-02-11"}).content
    page = page.decode()
    ranked = page[
        page.index('class="progress"') : page.index("</ol>", page.index('class="progress"'))
    ]
    # 福海县 120% (12 ÷ 10) before 布尔津县 33.3% (50 ÷ 150).
    assert ranked.index("福海县") < ranked.index("布尔津县")
    assert "120.0%" in ranked and "= 12 ÷ 10" in ranked and "= 50 ÷ 150" in ranked


def test_a_herders_table_shows_the_reported_figures_its_chart_shows(seeded, official):
    bieke = Herder.objects.get(name="别克·木合亚提")
    page = (
        signed_in(official)
        .get("/", {"season": seeded.pk, "as_of": "2025-02-11", "place": f"herder:{bieke.pk}"})
        .content.decode()
    )
    start = page.index(">2025-02-07")
    row = page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]
    assert "50 多/余（以上） (2025-02-07)" in row  # reported lambs born, as the chart shows


def test_a_herders_table_gives_the_coverage_its_villages_table_gives(seeded, official):
    """别克's 50 recorded lambs against his reported 50多: 100 % on his village's
    page, and on his own page and its CSV, which said "—" and left it empty."""
    bieke = Herder.objects.get(name="别克·木合亚提")
    client = signed_in(official)
    params = {"season": seeded.pk, "as_of": "2025-02-11"}
    village_page = client.get("/", {**params, "place": f"village:{bieke.village_id}"})
    herder_page = client.get("/", {**params, "place": f"herder:{bieke.pk}"})
    for page, start in ((village_page, "别克·木合亚提 Bieke"), (herder_page, ">2025-02-07")):
        html = page.content.decode()
        at = html.index(start)
        row = html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]
        coverage = row[
            row.index('class="col-coverage') : row.index("</td>", row.index("col-coverage"))
        ]
        assert '100.0%<small class="parts"><bdi dir="ltr">= 50 ÷ 50</bdi></small>' in coverage
    exported = client.get("/", {**params, "place": f"herder:{bieke.pk}", "export": "csv"})
    *_notes, header, row = csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))
    columns = dict(zip(header, row, strict=True))
    assert columns["覆盖率 (%) = 记录产羔数 ÷ 报道产羔数"] == "100.0"
    assert columns["覆盖率 · 分子 (记录产羔数)"] == "50"


def test_the_definitions_page_says_what_each_rate_divides_and_which_standard(seeded, official):
    page = signed_in(official).get("/metrics/").content.decode()
    assert "繁殖成活率" in page and "适繁母羊" in page
    assert "产羔数 ÷ 产羔母羊" in page


@pytest.fixture
def a_season_of_counts(seeded):
    """Households in two counties with births, losses by cause, a survival check and
    a household left without a count for weeks (the stale flag), before and within
    the week before 2025-02-11."""
    fuhai = County.objects.get(name="福海县")
    village = Village.objects.filter(township__county=fuhai).first()
    for number, (born, lost, cause) in enumerate([(30, 2, "cold"), (12, 1, "disease"), (8, 0, "")]):
        herder = Herder.objects.create(
            village=village, name=f"牧户{number}", name_latin=f"H{number}"
        )
        record = record_create(herder=herder, season=seeded, ewes_at_start=20 + number)
        entry_create(record=record, date=datetime.date(2025, 1, 2), ewes_lambed=4, lambs_born=born)
        if lost:
            entry_create(
                record=record, date=datetime.date(2025, 2, 8), lambs_lost=lost, loss_cause=cause
            )
        if number == 0:
            entry_create(
                record=record,
                date=datetime.date(2025, 2, 9),
                lambs_alive=born - lost,
                check_stage="day7",
            )
    bieke = Herder.objects.get(name="别克·木合亚提").lambing_records.get()
    entry_create(record=bieke, date=datetime.date(2025, 2, 10), lambs_born=12)
    return seeded


@pytest.mark.parametrize("level", ["overview", "prefecture", "county", "township"])
def test_what_the_desk_reads_with_the_totals_is_what_its_own_queries_say(
    a_season_of_counts, official, level
):
    """The summary page reads the week before, the flags, the losses, completeness
    and the forecast in the totals' query (``place_summary(desk=True)``); each
    equals what its own selector says when asked on its own."""
    season, as_of = a_season_of_counts, datetime.date(2025, 2, 11)
    place = {
        "overview": None,
        "prefecture": Prefecture.objects.get(),
        "county": County.objects.get(name="福海县"),
        "township": Township.objects.filter(county__name="福海县").first(),
    }[level]
    asked = {"season": season, "as_of": as_of, "user": official, "place": place}
    summary = place_summary(**asked, desk=True)
    below = child_level(user=official, place=place)
    assert quality.flag_counts_of(summary) == quality.flag_counts(**asked, level=below)
    assert completeness.completeness_of(summary) == completeness.completeness_by(
        **asked, level=below
    )
    assert forecast.forecasts_of(summary, user=official) == forecast.forecasts(**asked, level=below)
    assert summary.total.week_before == lambing_totals(
        **{**asked, "as_of": datetime.date(2025, 2, 4)}
    )
    assert losses_from(summary.total.counted) == losses_by_cause(**asked)
    # Not a case of zeros equal to zeros: the desk has something to show.
    assert summary.totals.lambs_born > summary.total.week_before.lambs_born
    assert losses_from(summary.total.counted)
    assert summary.totals == place_summary(**asked).totals


def test_the_summary_page_reads_the_rollups_and_the_figures_in_two_queries_each(
    a_season_of_counts, official
):
    """The totals with the week before, the flags, the losses, completeness and
    the forecast in one query; the chart's lambs born by date in another. The
    place's own reported figures once, for its row and its chart."""
    fuhai = County.objects.get(name="福海县")
    with CaptureQueriesContext(connection) as queries:
        page = signed_in(official).get(
            "/",
            {"season": a_season_of_counts.pk, "as_of": "2025-02-11", "place": f"county:{fuhai.pk}"},
        )
    assert page.status_code == 200
    assert 'class="cards"' in page.content.decode()
    assert 'class="monitoring"' in page.content.decode()
    rollup_queries = [query for query in queries if "livestock_dailyrollup" in query["sql"]]
    assert len(rollup_queries) == 2, [query["sql"][:120] for query in rollup_queries]
    # The reported figures: the townships' latest, and the county's own for its row
    # and its chart together.
    figure_queries = [query for query in queries if "livestock_reportedfigure" in query["sql"]]
    assert len(figure_queries) == 2, [query["sql"][:120] for query in figure_queries]
