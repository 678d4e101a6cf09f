"""全部保存 ("Save all") on a village's page, on a 360 px phone: nothing a technician
types is lost while the rows are being kept, and a save that fails says so.

The phone's storage is made slow or full in the browser itself: a transaction of
another tab's holds the outbox while 全部保存 waits for it (as a slow phone's storage
does); and IndexedDB's writes to the outbox are refused with the error a full phone's
storage gives (QuotaExceededError, the transaction aborted). DevTools' own quota for an
origin (``Storage.overrideQuotaForOrigin``) does not reach a Playwright context's
storage (tried: the page's session accepts it and changes nothing; the browser's
answers "Internal error"), so the refusal is made in the page's IndexedDB itself.
"""

from playwright.sync_api import Page, expect

from livestock.models import LambingEntry
from tests.browser.conftest import loaded
from tests.browser.field_phone import go_offline, go_online
from tests.browser.test_field import outbox_count, outbox_uuids, row

# A transaction on the outbox kept open (a request after each answer) until
# window.releaseOutbox() is called: the phone's storage busy, as while another tab
# writes to it, or on a slow phone's flash.
HOLD_THE_OUTBOX = """new Promise(held => {
  const open = indexedDB.open("lambing-field");
  open.onsuccess = () => {
    const store = open.result.transaction("outbox", "readwrite").objectStore("outbox");
    let released = false;
    window.releaseOutbox = () => { released = true; };
    const again = () => { if (!released) store.get("none").onsuccess = again; };
    store.get("none").onsuccess = () => { held(); again(); };
  };
})"""


# Every write to the outbox refused as a full phone's storage refuses it, while
# window.storageFull is true.
STORAGE_FULL = """(() => {
  window.storageFull = true;
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (window.storageFull && this.name === "outbox") {
      this.transaction.abort();
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    return put.apply(this, args);
  };
})()"""


def village_page_offline(page: Page, signal, village) -> None:
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    go_offline(page, signal)


def test_what_is_typed_in_a_row_while_save_all_is_keeping_the_rows_stays_in_it(
    phone, fuhai_village, results_dir
):
    """A digit typed while 全部保存 was keeping the rows (the phone's storage slow)
    was wiped with the row once they were kept, never saved: the row is cleared of
    what was read and kept, and keeps what was typed since, saying so."""
    page, signal = phone
    village, records = fuhai_village
    village_page_offline(page, signal, village)
    for record in records[:3]:
        row(page, record).locator('[name="lambs_born"]').fill("3")
    page.evaluate(HOLD_THE_OUTBOX)
    page.get_by_role("button", name="全部保存").click()
    # While the rows wait to be kept: a loss typed in the first row, a digit added to
    # the second's count.
    row(page, records[0]).locator('[name="lambs_lost"]').fill("1")
    row(page, records[0]).locator('[name="loss_cause"]').select_option("cold")
    row(page, records[1]).locator('[name="lambs_born"]').press_sequentially("1")
    expect(row(page, records[1]).locator('[name="lambs_born"]')).to_have_value("31")
    page.evaluate("window.releaseOutbox()")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "3")

    first = row(page, records[0])
    expect(first.locator('[name="lambs_born"]')).to_have_value("")
    expect(first.locator('[name="lambs_lost"]')).to_have_value("1")
    expect(first.locator('[name="loss_cause"]')).to_have_value("cold")
    expect(first.locator('[data-error-for="lambs_lost"]')).to_have_text(
        "保存期间输入，尚未保存 · Typed while the row was being saved: not saved yet."
    )
    second = row(page, records[1])
    expect(second.locator('[name="lambs_born"]')).to_have_value("31")
    expect(second.locator('[data-error-for="lambs_born"]')).to_have_text(
        "保存期间输入，尚未保存（已保存的是 3） · "
        "Typed while the row was being saved: not saved yet (3 was saved)."
    )
    expect(row(page, records[2]).locator('[name="lambs_born"]')).to_have_value("")
    page.screenshot(path=results_dir / "typed-while-saving.png", full_page=True)

    # Saved in its turn, what was typed since is kept too.
    first.get_by_role("button", name="保存").click()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "4")
    expect(first.locator('[name="lambs_lost"]')).to_have_value("")
    expect(first.locator(".field-error")).to_have_count(0)
    kept = page.evaluate(
        """new Promise(resolve => {
             const open = indexedDB.open("lambing-field");
             open.onsuccess = () => {
               const all = open.result.transaction("outbox").objectStore("outbox").getAll();
               all.onsuccess = () => resolve(all.result.map(item => item.body));
             };
           })"""
    )
    counts = sorted(
        (body["record"], body["lambs_born"] or 0, body["lambs_lost"] or 0, body["loss_cause"])
        for body in kept
    )
    assert counts == sorted(
        [
            (records[0].pk, 3, 0, ""),
            (records[0].pk, 0, 1, "cold"),
            (records[1].pk, 3, 0, ""),
            (records[2].pk, 3, 0, ""),
        ]
    )


def test_save_all_refused_by_the_phones_storage_says_so_and_keeps_every_row_typed(
    phone, fuhai_village, results_dir
):
    """The phone's storage full (IndexedDB refuses the write): 全部保存 said nothing,
    the rows stayed as typed with no word that nothing was kept. Each row typed now
    says it was not saved, in Chinese with the English beside it, and so does the line
    by the button; what was typed stays in the rows, and once there is room it is
    saved."""
    page, signal = phone
    village, records = fuhai_village
    village_page_offline(page, signal, village)
    for number, record in enumerate(records[:3]):
        row(page, record).locator('[name="lambs_born"]').fill(str(number + 2))
    page.evaluate(STORAGE_FULL)
    page.get_by_role("button", name="全部保存").click()

    state = page.locator("[data-save-all-state]")
    expect(state).to_have_text(
        "未能保存在手机上：手机存储拒绝了（QuotaExceededError）。所填内容仍在各行中。 · "
        "Not saved on this phone: its storage refused it (QuotaExceededError). "
        "What you typed is still in the rows.",
        timeout=10_000,
    )
    for number, record in enumerate(records[:3]):
        expect(row(page, record).locator("[data-row-status]")).to_contain_text(
            "未能保存在手机上：手机存储拒绝了（"
        )
        expect(row(page, record).locator("[data-row-status]")).to_contain_text(
            "· Not saved on this phone: its storage refused it ("
        )
        expect(row(page, record).locator('[name="lambs_born"]')).to_have_value(str(number + 2))
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0")
    page.screenshot(path=results_dir / "storage-refused.png", full_page=True)
    assert outbox_uuids(page) == set()

    page.evaluate("window.storageFull = false")
    page.get_by_role("button", name="全部保存").click()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "3")
    expect(state).to_have_text("已保存在手机上：3 户 · Saved on this phone: 3.")
    for record in records[:3]:
        expect(row(page, record).locator('[name="lambs_born"]')).to_have_value("")
    assert not LambingEntry.objects.exists()


def test_save_all_says_on_its_bar_what_it_could_not_keep_and_what_the_server_refused(
    phone, fuhai_village, results_dir
):
    """Tapped at the foot of a village, 全部保存 said nothing there of a row it refused
    (a loss with no cause, said at the row, out of view) nor of a count the server
    refused once uploaded (listed at the page's top). Its bar now says both, in
    Chinese with the English beside it."""
    page, signal = phone
    village, records = fuhai_village
    village_page_offline(page, signal, village)
    row(page, records[0]).locator('[name="lambs_born"]').fill("2")
    row(page, records[1]).locator('[name="lambs_lost"]').fill("1")  # no cause
    first_loss = row(page, records[2])
    first_loss.locator('[name="lambs_lost"]').fill("40")  # more than were born
    first_loss.locator('[name="loss_cause"]').select_option("cold")
    page.get_by_role("button", name="全部保存").click()
    state = page.locator("[data-save-all-state]")
    expect(state).to_have_text(
        "已保存在手机上：2 户 未保存，请按行中提示改正：1 户 · "
        "Saved on this phone: 2. Not saved, to correct as the row says: 1."
    )
    expect(row(page, records[1]).locator('[name="lambs_lost"]')).to_have_value("1")

    go_online(page, signal)
    expect(state).to_contain_text("服务器拒绝 1 条，列在页首“需要处理” · ", timeout=20_000)
    expect(state).to_contain_text(
        "Refused by the server: 1, listed at the top under Needs attention."
    )
    expect(state).to_be_in_viewport()
    page.screenshot(path=results_dir / "save-all-says.png")
    assert list(records[0].entries.values_list("lambs_born", flat=True)) == [2]
    assert not records[2].entries.exists()


NOT_SAVED = "未能保存在手机上：手机存储拒绝了（QuotaExceededError）。所填内容仍在此处。"
NOT_SAVED_BESIDE = (
    "Not saved on this phone: its storage refused it (QuotaExceededError). "
    "What you typed is still here."
)


def test_a_row_refused_by_the_phones_storage_says_so_though_its_household_has_counts_waiting(
    phone, fuhai_village, results_dir
):
    """A household with a count already waiting on the phone, its second count
    refused by the phone's storage (full): the row said it was not saved, then the
    next redraw of the page (another row saved, 全部保存) said "已保存在手机上，待上传：1"
    of it, with the count never saved. The row now says it was not saved, in Chinese
    with the English beside it, for as long as it holds what was typed."""
    page, signal = phone
    village, records = fuhai_village
    village_page_offline(page, signal, village)
    first, second = row(page, records[0]), row(page, records[1])
    first.locator('[name="lambs_born"]').fill("2")
    first.get_by_role("button", name="保存").click()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")

    page.evaluate(STORAGE_FULL)
    first.locator('[name="lambs_born"]').fill("3")
    first.get_by_role("button", name="保存").click()
    status = first.locator("[data-row-status]")
    expect(status).to_have_text(f"{NOT_SAVED} · {NOT_SAVED_BESIDE}")
    # The page drawn again: another household's count saved, once there is room.
    page.evaluate("window.storageFull = false")
    second.locator('[name="lambs_born"]').fill("1")
    second.get_by_role("button", name="保存").click()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    expect(second.locator("[data-row-status]")).to_contain_text("待上传 1 条")
    expect(status).to_have_text(f"{NOT_SAVED} · {NOT_SAVED_BESIDE}")
    expect(first.locator('[name="lambs_born"]')).to_have_value("3")

    # 全部保存 refused too: the row still says so, the bar as well.
    page.evaluate("window.storageFull = true")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator("[data-save-all-state]")).to_contain_text("未能保存在手机上")
    expect(status).to_have_text(f"{NOT_SAVED} · {NOT_SAVED_BESIDE}")
    page.screenshot(path=results_dir / "refused-row-in-a-household-waiting.png", full_page=True)

    # Saved once there is room: the row says what waits.
    page.evaluate("window.storageFull = false")
    first.get_by_role("button", name="保存").click()
    expect(status).to_have_text(
        "已保存在手机上，待上传 2 条 · Saved on this phone, waiting to upload: 2"
    )
    expect(first.locator('[name="lambs_born"]')).to_have_value("")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "3")
