"""The review loop in a real browser: a technician submits a township's counts
from its summary page on a phone, an official approves them from the same page
on a desktop, and the technician then sees the locked dates refused, at the
field, in Chinese."""

from django.core.management import call_command
from playwright.sync_api import expect

from livestock.models import County, LambingRecord, Review, Township
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user


def test_an_official_approves_a_township_and_its_locked_dates_are_refused(
    new_page, log_in, results_dir
):
    call_command("seed_reports", verbosity=0)
    woyimoke = Township.objects.get(name="窝依莫克镇")
    make_user("tech", "technician", woyimoke)
    make_user("burqin-official", "official", County.objects.get(name="布尔津县"))
    township_page = f"/?as_of=2025-02-11&place=township:{woyimoke.pk}"

    technician = new_page(width=390)
    log_in(technician, "tech", PASSWORD)
    technician.goto(township_page)
    technician.get_by_role("button", name="提交截至 2025-02-11 的数字").click()
    expect(technician.locator(".messages")).to_contain_text("该乡镇的数字已提交审核")
    expect(technician.locator(".review-item")).to_contain_text("已提交")
    assert page_width(technician) <= 390
    technician.screenshot(path=results_dir / "submitted-phone.png", full_page=True)

    official = new_page(width=1280)
    log_in(official, "burqin-official", PASSWORD)
    official.goto("/?as_of=2025-02-11")
    official.locator("table.summary").get_by_role("link", name="布尔津县 Burqin County").click()
    township_row = official.locator(
        "tr", has=official.get_by_role("link", name="窝依莫克镇 Woyimoke Town")
    )
    expect(township_row.locator(".review-state")).to_have_text("已提交 2025-02-11")
    official.locator("table.summary").get_by_role("link", name="窝依莫克镇 Woyimoke Town").click()
    official.get_by_label("意见").fill("核对无误")
    official.get_by_role("button", name="批准").click()
    expect(official.locator(".messages")).to_contain_text("已批准：该日期及之前的数字已锁定")
    approved = official.locator(".review-item")
    expect(approved).to_contain_text("由 burqin-official 于")
    expect(approved).to_contain_text("当前数字与批准的数字一致")
    expect(approved.locator("tr", has_text="产羔数")).to_contain_text("50")
    official.screenshot(path=results_dir / "approved-desktop.png", full_page=True)
    assert Review.objects.get().approved_totals["lambs_born"] == 50

    technician.goto("/admin/livestock/lambingrecord/")
    technician.get_by_role("link", name="别克·木合亚提 Bieke Muheyati").click()
    expect(technician.locator("#reviews")).to_contain_text("核对无误")
    locked = technician.locator("#entries tbody tr").first  # 50 lambs by 7 February
    expect(locked).to_contain_text("已锁定")
    expect(locked.get_by_role("link")).to_have_count(0)
    technician.locator("#today_date").fill("2025-02-10")
    technician.locator("#today_lambs_born").fill("3")
    technician.get_by_role("button", name="保存计数").click()
    error = technician.locator("#todays-count .field-date .errorlist")
    expect(error).to_contain_text(
        "2025-02-10已锁定：窝依莫克镇 Woyimoke Town截至2025-02-11的数字已批准"
    )
    assert page_width(technician) <= 390
    technician.screenshot(path=results_dir / "locked-refused-phone.png", full_page=True)
    record = LambingRecord.objects.get(herder__name="别克·木合亚提")
    assert list(record.entries.values_list("lambs_born", flat=True)) == [50]
