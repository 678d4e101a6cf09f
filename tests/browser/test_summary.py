"""An official reads the season: changes the date, drills down to a herder,
downloads the table and finds the page's number in it."""

import csv
import io

from django.core.management import call_command
from playwright.sync_api import expect

from livestock.models import County, Prefecture
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user


def test_an_official_drills_down_to_a_herder_and_the_csv_matches_the_page(
    new_page, log_in, results_dir
):
    call_command("seed_reports", verbosity=0)
    make_user("altay-official", "official", Prefecture.objects.get())

    for width, name in ((1280, "desktop"), (390, "phone")):
        page = new_page(width=width)
        log_in(page, "altay-official", PASSWORD)
        page.goto("/")
        page.get_by_label("截至日期").fill("2025-02-11")
        page.get_by_role("button", name="显示").click()
        expect(page.locator("p.as-of")).to_contain_text("截至 2025-02-11")
        page.screenshot(path=results_dir / f"overview-{name}.png", full_page=True)
        assert page_width(page) <= width

    burqin_row = page.locator("tr", has=page.get_by_role("link", name="布尔津县 Burqin County"))
    expect(burqin_row).to_contain_text("12,000 (2025-02-11)")
    lambs_born_on_page = burqin_row.locator("td").nth(3).inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    lines = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    headers = lines[lines.index([]) + 1]
    burqin_line = next(line for line in lines if line[:1] == ["布尔津县"])
    assert burqin_line[headers.index("产羔数")] == lambs_born_on_page == "50"

    page.locator("table.summary").get_by_role("link", name="布尔津县 Burqin County").click()
    page.locator("table.summary").get_by_role("link", name="窝依莫克镇 Woyimoke Town").click()
    page.locator("table.summary").get_by_role("link", name="通克村 Tongke Village").click()
    page.locator("table.summary").get_by_role("link", name="别克·木合亚提 Bieke Muheyati").click()
    expect(page.locator("h1")).to_have_text("别克·木合亚提 Bieke Muheyati")
    expect(page.locator("tr", has_text="2025-02-07")).to_contain_text("50")
    expect(page.locator("nav.breadcrumbs")).to_contain_text("布尔津县 Burqin County")
    page.screenshot(path=results_dir / "herder-phone.png", full_page=True)


def test_a_county_official_at_the_prefecture_reads_whose_part_it_is_on_a_phone(
    new_page, log_in, results_dir
):
    call_command("seed_reports", verbosity=0)
    altay = Prefecture.objects.get()
    make_user("burqin-official", "official", County.objects.get(name="布尔津县"))

    page = new_page(width=390)
    log_in(page, "burqin-official", PASSWORD)
    page.goto(f"/?as_of=2025-02-11&place=prefecture:{altay.pk}")
    part = "阿勒泰地区（您的范围：布尔津县） · Altay Prefecture (your places: Burqin County)"
    expect(page.locator("h1")).to_have_text(part)
    expect(page.locator("tr.total th")).to_have_text(part)
    page.screenshot(path=results_dir / "part-seen-phone.png", full_page=True)
    assert page_width(page) <= 390

    page.goto(f"/bulletin/?as_of=2025-02-11&place=prefecture:{altay.pk}")
    expect(page.locator("article.bulletin h1")).to_contain_text("布尔津县（阿勒泰地区中您的范围）")
    expect(page.locator("p.bulletin-part")).to_have_text(part)
    assert page_width(page) <= 390
