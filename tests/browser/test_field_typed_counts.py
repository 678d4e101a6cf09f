"""Counts typed on the phone's keypad as the browser cannot read a number, or reads one
the server does not take, on a village's page at 360 px, offline.

"12-" (a slip on the keypad's minus) has no value for the page's script: it was read as
nothing typed, the row kept as a count of nothing ("已保存在手机上，待上传 1 条") and
cleared, the 12 lambs typed gone, and an entry of no lambs uploaded. "1e3" was kept as
1,000 lambs born, where the page without the script refuses it (1e3不是整数). Each is
refused on the spot at its field now, and stays as typed.
"""

from playwright.sync_api import expect

from livestock.models import LambingEntry
from tests.browser.conftest import loaded
from tests.browser.field_phone import go_offline
from tests.browser.test_field import outbox_count, row


def type_count(page, form, name: str, typed: str) -> None:
    """Types ``typed`` key by key, as a phone's keypad does (``fill`` refuses text a
    number field cannot hold)."""
    form.locator(f'[name="{name}"]').click()
    page.keyboard.type(typed)


def test_a_count_the_phone_cannot_read_as_a_whole_number_is_refused_not_kept_as_none(
    phone, fuhai_village, results_dir
):
    page, signal = phone
    village, records = fuhai_village
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    go_offline(page, signal)

    for record, typed in ((records[0], "12-"), (records[1], "1e3")):
        form = row(page, record)
        type_count(page, form, "lambs_born", typed)
        form.get_by_role("button", name="保存").click()
        error = form.locator('[data-error-for="lambs_born"]')
        expect(error).to_contain_text("不是整数")
        expect(error).to_contain_text("is not a whole number")
    expect(row(page, records[1]).locator('[data-error-for="lambs_born"]')).to_contain_text("1e3")
    expect(row(page, records[1]).locator('[name="lambs_born"]')).to_have_value("1e3")

    # Saved all at once, likewise: the row is refused, not skipped as empty.
    type_count(page, row(page, records[2]), "lambs_born", "--2")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator("[data-save-all-state]")).to_contain_text("3")
    expect(row(page, records[2]).locator('[data-error-for="lambs_born"]')).to_contain_text(
        "不是整数"
    )
    row(page, records[0]).screenshot(path=results_dir / "unreadable-count.png")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0")
    assert (
        page.evaluate(
            """() => new Promise(resolve => {
            const open = indexedDB.open("lambing-field");
            open.onsuccess = () => {
                const read = open.result.transaction("outbox").objectStore("outbox").count();
                read.onsuccess = () => resolve(read.result);
            };
        })"""
        )
        == 0
    )
    assert not LambingEntry.objects.exists()
