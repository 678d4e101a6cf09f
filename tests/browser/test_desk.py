"""The officials' desk in Chromium: the home and county pages at a phone's
and a desktop's width, with the week's cards, no horizontal scroll of the page
itself, every column of the county's table on a 1280 px screen, and on a phone
the place column kept in view beside a chosen set of columns."""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from livestock.models import County, Prefecture, Season, Township
from livestock.services.reviews import review_submit
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def season_with_a_review(transactional_db) -> Season:
    call_command("seed_reports", verbosity=0)
    season = Season.objects.get()
    woyimoke = Township.objects.get(name="窝依莫克镇")
    technician = make_user("woyimoke-tech", "technician", woyimoke)
    review_submit(
        township=woyimoke, season=season, as_of=datetime.date(2025, 2, 10), user=technician
    )
    make_user("burqin-official", "official", County.objects.get(name="布尔津县"))
    make_user("altay-official", "official", Prefecture.objects.get())
    return season


def table_overflow(page) -> int:
    """How many pixels of the summary table are hidden to the right of its box."""
    return page.evaluate(
        "() => { const box = document.querySelector('.table-box');"
        " return box.scrollWidth - box.clientWidth; }"
    )


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_the_officials_home_and_county_pages_fit_the_screen(
    new_page, log_in, results_dir, season_with_a_review, width
):
    season = season_with_a_review
    burqin = County.objects.get(name="布尔津县")
    page = new_page(width=width)
    log_in(page, "burqin-official", PASSWORD)

    page.goto("/")
    expect(page.locator("#id_season")).to_have_value(str(season.pk))  # the season in use
    expect(page.locator(".inbox")).to_contain_text("窝依莫克镇 Woyimoke Town")
    expect(page.locator(".cards .card")).to_have_count(3)
    page.screenshot(path=results_dir / f"home-{width}.png", full_page=True)
    assert page_width(page) <= width

    page.goto(f"/?season={season.pk}&as_of=2025-02-11&place=county:{burqin.pk}")
    expect(page.locator(".cards")).to_contain_text("产羔数")
    page.screenshot(path=results_dir / f"county-{width}.png", full_page=True)
    assert page_width(page) <= width
    if width >= 1280:
        # Every column, the review and coverage ones included, is on screen.
        assert table_overflow(page) <= 0
        expect(page.locator("th.col-review")).to_be_in_viewport()
        expect(page.locator("th.col-coverage")).to_be_in_viewport()
    else:
        # A chosen set of columns; the place stays in view as the table scrolls.
        expect(page.locator("th.col-ewes")).to_be_hidden()
        expect(page.locator("th.col-lambs_born")).to_be_visible()
        page.evaluate("document.querySelector('.table-box').scrollLeft = 10000")
        place = page.locator("table.summary tbody th", has_text="窝依莫克镇").bounding_box()
        assert place is not None and place["x"] >= 0
        page.screenshot(path=results_dir / f"county-{width}-scrolled.png", full_page=True)


def test_an_out_of_scope_link_says_so_and_leads_back(new_page, log_in, season_with_a_review):
    fuhai = County.objects.get(name="福海县")
    page = new_page(width=390)
    log_in(page, "burqin-official", PASSWORD)
    page.goto(f"/?place=county:{fuhai.pk}")
    expect(page.locator("h1")).to_have_text("这个地方不在您的工作范围内")
    page.get_by_role("link", name="返回您的工作范围").click()
    expect(page.locator("h1")).to_contain_text("您工作范围内的全部区域")
