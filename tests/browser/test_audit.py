"""A superuser reads the audit trail on a phone, in Chinese: filters it by a
technician and downloads it."""

import datetime

from playwright.sync_api import expect

from livestock.audit.attribution import acting_as
from livestock.services.entries import entry_create, entry_update
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user


def test_a_superuser_filters_the_trail_by_a_technician_and_downloads_it(
    bieke_record, woyimoke_technician, new_page, log_in, results_dir
):
    make_user("auditor", None, superuser=True)
    with acting_as(woyimoke_technician):
        entry, _ = entry_create(record=bieke_record, date=datetime.date(2024, 12, 5), lambs_born=4)
        entry_update(entry=entry, reason="重新清点", lambs_born=5)
    page = new_page()
    log_in(page, "auditor", PASSWORD)

    page.get_by_role("link", name="审计记录").click()
    page.get_by_label("用户名").fill("woyimoke-tech")
    page.get_by_role("button", name="筛选").click()

    expect(page.get_by_text("2 条更改")).to_be_visible()
    rows = page.locator("#audit-trail tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("产羔数: 4 → 5")
    expect(rows.first).to_contain_text("重新清点")
    page.screenshot(path=results_dir / "audit-trail-phone.png", full_page=True)
    # The table scrolls in its box; the page does not scroll sideways.
    assert page_width(page) <= 390

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "产羔数: 4 → 5" in text and "woyimoke-tech" in text
