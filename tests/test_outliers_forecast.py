"""Outliers compared like with like, and the forecast of the season's end."""

import datetime
import html
import random
import re

import pytest
from django.test import Client

from livestock.models import Herder, Season, Township, Village
from livestock.monitoring import forecast, outliers
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.conftest import PASSWORD
from tests.test_completeness import entered_on

AS_OF = datetime.date(2025, 2, 11)


def text_of(fragment: str) -> str:
    """A page's fragment as a reader sees it: its text, spaces made one."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def household(village, number, season, *, ewes=100, born=100, lost=2, alive=None, on=None):
    herder = Herder.objects.create(village=village, name=f"牧户{number}", name_latin=f"H{number}")
    on = on or datetime.date(2025, 2, 1)
    with entered_on(datetime.date(2025, 1, 1)):
        record = record_create(herder=herder, season=season, ewes_at_start=ewes)
    with entered_on(on):
        entry_create(record=record, date=on, ewes_lambed=min(born, ewes), lambs_born=born)
        if lost:
            entry_create(record=record, date=on, lambs_lost=lost, loss_cause="cold")
        if alive is not None:
            entry_create(record=record, date=on, lambs_alive=alive, check_stage="day7")
    return herder


@pytest.fixture
def township_of_seven(woyimoke, tongke, winter_2024):
    """Seven households of 窝依莫克镇; the last lost a third of its lambs."""
    herders = [
        household(tongke, number, winter_2024, lost=lost)
        for number, lost in enumerate((2, 3, 2, 4, 3, 2, 33))
    ]
    return herders


def test_a_household_losing_far_more_than_its_township_stands_out_with_its_values(
    township_of_seven, winter_2024, burqin_official
):
    found = outliers.household_outliers(season=winter_2024, as_of=AS_OF, user=burqin_official)
    assert [(item.herder, item.measure.key) for item in found] == [
        (township_of_seven[-1], "loss_share")
    ]
    outlier = found[0]
    assert (outlier.numerator, outlier.denominator, outlier.peers) == (33, 100, 7)
    assert outlier.median == pytest.approx(0.03)
    assert outlier.z > outliers.Z_LIMIT


def test_households_are_compared_only_within_their_own_township(
    township_of_seven, burqin, winter_2024, burqin_official
):
    """Six households with high losses in another township do not make the
    first township's high loss look ordinary, nor stand out themselves."""
    other = Township.objects.create(county=burqin, name="另一乡", name_latin="Other")
    village = Village.objects.create(township=other, name="另一村", name_latin="Other")
    for number in range(6):
        household(village, 100 + number, winter_2024, lost=30 + number)
    found = outliers.household_outliers(season=winter_2024, as_of=AS_OF, user=burqin_official)
    assert [item.herder for item in found] == [township_of_seven[-1]]


def test_a_township_with_too_few_households_is_not_compared(tongke, winter_2024, burqin_official):
    for number, lost in enumerate((1, 1, 1, 40)):
        household(tongke, number, winter_2024, lost=lost)
    assert outliers.household_outliers(season=winter_2024, as_of=AS_OF, user=burqin_official) == []


def test_a_townships_losses_of_the_last_three_days_against_its_season_are_a_spike(
    tongke, woyimoke, winter_2024, burqin_official
):
    household(tongke, 1, winter_2024, born=100, lost=2, on=datetime.date(2025, 2, 1))
    household(tongke, 2, winter_2024, born=20, lost=6, on=datetime.date(2025, 2, 10))
    spikes = outliers.loss_spikes(season=winter_2024, as_of=AS_OF, user=burqin_official)
    assert [(spike.township, spike.recent_losses, spike.recent_born) for spike in spikes] == [
        (woyimoke, 6, 20)
    ]
    a_week_later = outliers.loss_spikes(
        season=winter_2024, as_of=AS_OF + datetime.timedelta(days=7), user=burqin_official
    )
    assert a_week_later == []


def test_the_modified_z_score_falls_back_to_the_mean_deviation_when_mad_is_zero():
    median, spread, scores = outliers.modified_z_scores([1.0, 1.0, 1.0, 1.0, 5.0])
    assert median == 1.0
    assert spread == pytest.approx(1.253314 * 0.8)
    assert scores[-1] == pytest.approx(4 / (1.253314 * 0.8))
    assert outliers.modified_z_scores([2.0] * 5)[2] == [0.0] * 5


def test_the_forecast_compares_with_the_previous_season_on_the_same_day(
    tongke, woyimoke, winter_2024, burqin_official
):
    previous = Season.objects.create(
        kind="winter", start_date=datetime.date(2023, 12, 1), end_date=datetime.date(2024, 2, 28)
    )
    with entered_on(datetime.date(2024, 2, 28)):
        herder = Herder.objects.create(village=tongke, name="老户", name_latin="Old")
        record = record_create(herder=herder, season=previous, ewes_at_start=150)
        # 72 days into the season (2024-02-11): 30 of the season's 120 lambs.
        for date, born in ((datetime.date(2024, 2, 1), 30), (datetime.date(2024, 2, 20), 90)):
            entry_create(record=record, date=date, ewes_lambed=born, lambs_born=born)
    household(tongke, 1, winter_2024, ewes=100, born=50, lost=0)
    assert forecast.previous_season(winter_2024) == previous
    whole, by_township = forecast.forecasts(
        season=winter_2024,
        as_of=AS_OF,
        user=burqin_official,
        level=Township,
        previous=previous,
    )
    assert whole.lambs_expected == 100  # 100 ewes × 100 % (50 lambs of 50 ewes)
    assert whole.share_done == 50
    assert whole.previous_share_done == 25  # 30 of 120
    assert by_township[woyimoke.pk].previous_share_done == 25
    # Nothing born in the last 7 days: no pace, so no finish date.
    assert whole.born_this_week == 0 and whole.finish_date is None


def test_the_forecast_finishes_at_the_last_weeks_pace(tongke, winter_2024, burqin_official):
    household(tongke, 1, winter_2024, ewes=100, born=60, lost=0, on=datetime.date(2025, 2, 8))
    whole, _ = forecast.forecasts(season=winter_2024, as_of=AS_OF, user=burqin_official)
    # 40 lambs to go at 60 a week: 5 more days.
    assert whole.finish_date == datetime.date(2025, 2, 16)
    assert whole.on_time is True


def test_the_outliers_page_lists_them_in_a_constant_number_of_queries(
    township_of_seven, tongke, winter_2024, burqin, burqin_official, django_assert_num_queries
):
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        response = client.get("/outliers/", params)
    assert response.status_code == 200
    assert "牧户6" in response.content.decode()
    assert "33 ÷ 100" in response.content.decode()
    for number in range(10, 16):
        household(tongke, number, winter_2024, lost=2)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/outliers/", params)


def test_the_forecast_writes_its_thousands_as_the_table_beside_it_does(
    tongke, winter_2024, burqin, burqin_official
):
    """The summary's table writes 1,100 lambs born; the forecast below it wrote the
    lambs expected as 1200, with no thousands separator, in the same page."""
    household(tongke, 1, winter_2024, ewes=1200, born=1100, lost=0)
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    page = client.get("/", params).content.decode()
    monitoring = page[page.index('<section class="monitoring"') :]
    # 1,200 ewes × (1,100 lambs born ÷ 1,100 ewes lambed)
    assert "<strong>1,200</strong>" in monitoring and "<td>1,200</td>" in monitoring
    assert "1200" not in monitoring


def early_township(village, season, day, *, households=150, seed=15):
    """A township of ``households`` early in the season, every household drawn
    from one process (each ewe lambs by ``day`` with a chance of 4 %, a lamb in
    three a twin, a lamb in 25 lost, one in 50 of the rest missing at the birth
    check): they differ only by chance. Most have no lamb, lost none and
    counted every lamb alive, so the township's MAD is 0."""
    rng = random.Random(seed)  # noqa: S311 (a test's draws, repeatable, no secret)
    for number in range(households):
        herder = Herder.objects.create(
            village=village, name=f"牧户{number}", name_latin=f"H{number}"
        )
        ewes = rng.choice([1, 2, 3, 10, 20, 40, 60, 100, 150, 200])
        with entered_on(season.start_date):
            record = record_create(herder=herder, season=season, ewes_at_start=ewes)
        lambed = sum(rng.random() < 0.04 for _ in range(ewes))
        if not lambed:
            continue
        born = lambed + sum(rng.random() < 1 / 3 for _ in range(lambed))
        lost = sum(rng.random() < 0.04 for _ in range(born))
        alive = born - lost - sum(rng.random() < 0.02 for _ in range(born - lost))
        with entered_on(day):
            entry_create(record=record, date=day, ewes_lambed=lambed, lambs_born=born)
            if lost:
                entry_create(record=record, date=day, lambs_lost=lost, loss_cause="cold")
            entry_create(record=record, date=day, lambs_alive=alive, check_stage="birth")


def test_early_in_the_season_only_a_household_beyond_chance_for_its_size_stands_out(
    tongke, winter_2024, burqin, burqin_official
):
    """150 households of one township a week into the season, alike but for
    chance: most have lost no lamb, so the MAD of losses is 0 and the mean
    deviation tiny, and every household that lost one lamb (1 of 4: 25 %), or
    counted one missing, or a flock of 1 ewe whose one lamb died (100 %), was listed by its
    modified z-score alone: 26 lines of households no different from the rest.
    Only the household that lost 7 of its 12 lambs stands out now, with the
    count its size would give at the township's rate."""
    day = datetime.date(2024, 12, 8)
    early_township(tongke, winter_2024, day)
    household(tongke, "小", winter_2024, ewes=1, born=1, lost=1, alive=0, on=day)
    bad = household(tongke, "坏", winter_2024, ewes=100, born=12, lost=7, alive=5, on=day)
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": day.isoformat(), "place": f"county:{burqin.pk}"}
    response = client.get("/outliers/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    listed = [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", line, re.S)]
        for line in re.findall(r'<tr class="outlier [^"]*">(.*?)</tr>', page, re.S)
    ]
    assert [(line[0], line[2]) for line in listed] == [
        (str(bad), "lamb losses per lamb born"),
        (str(bad), "lambs alive per lamb born by the latest check"),
    ]
    # The measure's column is headed as one (it read 操作, "operation", in Chinese).
    header = re.search(r'<table class="monitoring outliers">.*?</thead>', page, re.S)[0]
    assert '<th scope="col">what</th>' in header
    chinese = client.get("/outliers/", params, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    header = re.search(r'<table class="monitoring outliers">.*?</thead>', chinese, re.S)[0]
    assert '<th scope="col">指标</th>' in header and "操作" not in header
    # 7 of 12 lost, where the township's rate would lose 0.7 of 12: a chance far below 1 in 1,000.
    assert listed[0][3] == "0.58 (7 ÷ 12)" and listed[0][6] == "0.7"
    assert listed[0][7] == "0.00015%"
    note = text_of(re.search(r'<p class="note">(.*?)</p>', page, re.S)[1])
    assert "mean absolute deviation" in note and "1 in 1,000" in note
