"""Two tabs of the field app on one phone, offline: Today in one, a village in the
other. What is saved in one waits in the outbox both read, and each tab says so.

A count saved in the village's tab was shown waiting there ("已保存在手机上，待上传 1
条"), while Today's tab still said nothing waited and showed the household's row with
no count saved: it drew the outbox again only after its own next upload, which offline
never came (or came after its backoff, up to a minute). A technician who went back to
Today saw the household uncounted and counted it again: two counts, stored twice. Each
tab now draws the outbox again when another tab changes it.
"""

from playwright.sync_api import expect

from livestock.models import LambingEntry
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.field_phone import go_offline, go_online
from tests.browser.test_field import enter, outbox_count, row


def test_a_count_saved_in_one_tab_is_shown_waiting_in_the_other(phone, fuhai_village, results_dir):
    page, signal = phone
    village, records = fuhai_village
    today = page.context.new_page()
    today.goto("/field/")
    loaded(today)
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    go_offline(page, signal)

    enter(page, records[0], lambs_born=4)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    expect(outbox_count(today)).to_have_attribute("data-outbox-count", "1", timeout=5_000)
    expect(today.locator("[data-outbox-text]")).to_contain_text("待上传 1 条")
    expect(row(today, records[0]).locator("[data-row-status]")).to_contain_text("待上传")
    today.screenshot(path=results_dir / "two-tabs-today.png")

    go_online(page, signal)
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count")
    expect(outbox_count(today)).to_have_attribute("data-outbox-count", "0", timeout=30_000)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=30_000)
    assert list(records[0].entries.values_list("lambs_born", flat=True)) == [4]
    today.close()
