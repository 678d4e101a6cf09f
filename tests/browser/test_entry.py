"""A technician, on a phone, adds the day's count to a seeded herder's record,
and finds today's form at the top of a season-long record."""

import datetime
import uuid

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from livestock.models import LambingRecord, Township
from livestock.services.entries import NewEntry, entries_create
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user

PHONE_HEIGHT = 844  # the viewport's height at 390 px (conftest.new_page)


@pytest.fixture
def bieke_record_page(new_page, log_in) -> Page:
    """A technician of 窝依莫克镇, on a phone, on 别克's seeded record: its one entry
    (50 lambs by 7 February), and today's count at the top."""
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
    page.locator("#today_date").fill("2025-02-10")
    page.locator("#today_ewes_lambed").fill("4")
    page.locator("#today_lambs_born").fill("6")
    page.get_by_role("button", name="保存计数").click()

    expect(page.locator(".messagelist")).to_contain_text("2025-02-10 的计数已保存")
    new_row = page.locator(".field-running_totals tr", has_text="2025-02-10")
    expect(new_row).to_contain_text("56")  # 50 + 6 lambs born
    assert page_width(page) <= 390
    page.screenshot(path=results_dir / "record-after-entry-phone.png", full_page=True)

    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert sorted(record.entries.values_list("lambs_born", flat=True)) == [6, 50]


def test_a_broken_rule_shows_at_the_field_on_a_phone(bieke_record_page, results_dir):
    page = bieke_record_page
    page.locator("#today_date").fill("2025-02-10")
    page.locator("#today_lambs_lost").fill("60")
    page.locator("#today_loss_cause").select_option("cold")
    page.get_by_role("button", name="保存计数").click()

    error = page.locator("#todays-count .field-lambs_lost .errorlist")
    expect(error).to_contain_text("死亡羔羊累计将达60只，超过产羔数50只")
    expect(page.locator("#today_lambs_lost")).to_have_value("60")  # as typed
    page.screenshot(path=results_dir / "rule-refused-phone.png", full_page=True)
    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert record.entries.count() == 1


def test_todays_form_is_at_the_top_of_a_record_of_150_entries_on_a_phone(
    bieke_record_page, results_dir
):
    """The page used to hold a form per entry: with 86 entries today's blank form
    sat at y ≈ 100,800 px. Now it is in the first screen, and a past entry is
    corrected through its own page, with a reason."""
    page = bieke_record_page
    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    start = record.season.start_date
    entries_create(
        items=[
            NewEntry(
                record=record,
                uuid=uuid.uuid4(),
                content={"date": start + datetime.timedelta(days=i % 60), "lambs_born": 1},
            )
            for i in range(149)
        ]
    )
    assert record.entries.count() == 150
    page.reload()
    page.screenshot(path=results_dir / "record-150-entries-phone.png")
    page.screenshot(path=results_dir / "record-150-entries-phone-full.png", full_page=True)

    form = page.locator("#todays-count").bounding_box()
    save = page.get_by_role("button", name="保存计数").bounding_box()
    assert form["y"] < PHONE_HEIGHT / 2, form
    assert save["y"] + save["height"] <= PHONE_HEIGHT, save  # the whole form in the first screen
    expect(page.locator("#today_date")).to_have_value(datetime.date.today().isoformat())
    expect(page.locator("#entries h2")).to_contain_text("150 条计数")
    assert page_width(page) <= 390

    # The newest entry first; corrected on its own page, with a reason.
    newest = page.locator("#entries tbody tr").first
    newest.get_by_role("link", name="更正").click()
    page.locator("#id_lambs_born").fill("3")
    page.locator("#id_reason").fill("重新清点")
    page.screenshot(path=results_dir / "correction-phone.png", full_page=True)
    page.get_by_role("button", name="保存更正").click()
    # The correction saved, then the record's page of 150 entries drawn again: two
    # round trips to a server that shares two cores with the rest of the suite.
    expect(page.locator(".messagelist")).to_contain_text("已更正", timeout=20_000)
    assert record.entries.filter(lambs_born=3).count() == 1
    assert record.entries.count() == 150
