"""A technician, on a phone, adds the day's count to a seeded herder's record."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from livestock.models import LambingRecord, Township
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user


@pytest.fixture
def bieke_record_page(new_page, log_in) -> Page:
    """A technician of 窝依莫克镇, on a phone, on 别克's seeded record: its one entry
    (50 lambs by 7 February), then a blank form for the day's count."""
    call_command("seed_reports", verbosity=0)
    make_user("tech", "technician", Township.objects.get(name="窝依莫克镇"))
    page = new_page(width=390)
    log_in(page, "tech", PASSWORD)
    page.goto("/admin/livestock/lambingrecord/")
    page.get_by_role("link", name="别克·木合亚提 Bieke Muheyati").click()
    return page


def test_a_technician_on_a_phone_adds_a_count_and_sees_the_new_total(
    bieke_record_page, results_dir
):
    page = bieke_record_page
    page.locator("#id_entries-1-date").fill("2025-02-10")
    page.locator("#id_entries-1-ewes_lambed").fill("4")
    page.locator("#id_entries-1-lambs_born").fill("6")
    page.locator("input[name=_continue]").click()

    expect(page.locator(".messagelist")).to_contain_text("成功")
    new_row = page.locator(".field-running_totals tr", has_text="2025-02-10")
    expect(new_row).to_contain_text("56")  # 50 + 6 lambs born
    assert page_width(page) <= 390
    page.screenshot(path=results_dir / "record-after-entry-phone.png", full_page=True)

    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert sorted(record.entries.values_list("lambs_born", flat=True)) == [6, 50]


def test_a_broken_rule_shows_at_the_field_on_a_phone(bieke_record_page, results_dir):
    page = bieke_record_page
    page.locator("#id_entries-1-date").fill("2025-02-10")
    page.locator("#id_entries-1-lambs_lost").fill("60")
    page.locator("#id_entries-1-loss_cause").select_option("cold")
    page.locator("input[name=_continue]").click()

    error = page.locator(".field-lambs_lost .errorlist")
    expect(error).to_contain_text("死亡羔羊累计将达60只，超过产羔数50只")
    page.screenshot(path=results_dir / "rule-refused-phone.png", full_page=True)
    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert record.entries.count() == 1
