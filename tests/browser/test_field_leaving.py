"""A technician leaves a field page (a link, the back button) on a 360 px phone while
it holds counts typed and not saved, or a 保存 still being written to the phone's
storage: the phone asks first ("Leave site?"), and a count tapped 保存 just before
leaving is kept. Before, the page went at once, and what was typed with it.

Chromium shows the leave-page question only once the page has had a tap (a user
gesture); each test taps the field it types in. Playwright hands the question to
``page.on("dialog")`` as a dialog of type ``beforeunload``."""

import pytest
from playwright.sync_api import Dialog, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from livestock.models import Herder, LambingEntry
from livestock.services.places import herder_create
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.field_phone import go_offline, go_online, while_offline
from tests.browser.test_field import (
    correct,
    enter,
    new_household_form,
    opened_correction,
    outbox_count,
    outbox_uuids,
    row,
)
from tests.browser.test_field_save_all import HOLD_THE_OUTBOX


class LeaveQuestions:
    """The leave-page questions the phone asks, each answered ``answer`` ("stay" or
    "leave")."""

    def __init__(self, page: Page):
        self.asked: list[str] = []
        self.answer = "stay"
        page.on("dialog", self.answered)

    def answered(self, dialog: Dialog) -> None:
        self.asked.append(dialog.type)
        if self.answer == "leave":
            dialog.accept()
        else:
            dialog.dismiss()


def offline_on_the_village_page(page: Page, signal, village, answer: str) -> LeaveQuestions:
    """The village's batch page, opened online and kept, then the signal gone: the
    leave-page questions it asks from now on, each answered ``answer``."""
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    go_offline(page, signal)
    questions = LeaveQuestions(page)
    questions.answer = answer
    return questions


def go_back_and_stay(page: Page) -> None:
    """The back button, the phone's question answered "stay": no page comes."""
    with pytest.raises(PlaywrightTimeoutError):
        page.go_back(timeout=5_000)


def tap_and_type(page: Page, record, name: str, value: str) -> None:
    field = row(page, record).locator(f'[name="{name}"]')
    field.tap()
    field.fill(value)


def test_leaving_a_village_with_a_count_typed_and_not_saved_asks_first(
    phone, fuhai_village, results_dir
):
    """A count typed in a row and not saved: tapping 今日 asked nothing, and the page
    went with the count. Now the phone asks; staying keeps the row as typed. Once
    the row is saved (or emptied), nothing is asked."""
    page, signal = phone
    village, records = fuhai_village
    questions = offline_on_the_village_page(page, signal, village, "stay")

    tap_and_type(page, records[0], "lambs_born", "4")
    page.get_by_role("link", name="今日 Today").first.click()
    expect(row(page, records[0]).locator('[name="lambs_born"]')).to_have_value("4")
    assert questions.asked == ["beforeunload"]
    page.screenshot(path=results_dir / "stayed-with-the-count.png")

    # Saved: leaving asks nothing.
    row(page, records[0]).get_by_role("button", name="保存").click()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    expect(row(page, records[0]).locator('[name="lambs_born"]')).to_have_value("")
    # Typed, then emptied again: nothing is lost, nothing asked.
    tap_and_type(page, records[1], "lambs_lost", "1")
    row(page, records[1]).locator('[name="lambs_lost"]').fill("")
    with page.expect_navigation(url="**/field/"):
        page.get_by_role("link", name="今日 Today").first.click()
    assert questions.asked == ["beforeunload"]
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")


def test_going_back_from_a_correction_typed_and_not_saved_asks_first(phone, fuhai_village):
    """A correction typed on a household's page (its counts and reason) and not
    tapped 更正: the back button asked nothing. Now the phone asks; once the
    correction is kept on the phone, going back asks nothing."""
    page, signal = phone
    village, records = fuhai_village
    enter_page = f"/field/village/{village.pk}/"
    page.goto(enter_page)
    loaded(page)
    enter(page, records[0], lambs_born=2)
    go_online(page, signal)
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count")
    page.goto(f"/field/record/{records[0].pk}/")
    loaded(page)
    questions = LeaveQuestions(page)
    page.get_by_text("更正或删除").first.tap()
    correction = page.locator("form[data-correction-form]").first
    correction.locator('[name="lambs_born"]').tap()
    correction.locator('[name="lambs_born"]').fill("3")
    correction.locator('[name="reason"]').fill("数错了")

    go_back_and_stay(page)
    expect(correction.locator('[name="lambs_born"]')).to_have_value("3")
    assert questions.asked == ["beforeunload"]

    go_offline(page, signal)
    correction.get_by_role("button", name="更正").click()
    expect(correction.locator("[data-row-status]")).to_contain_text("更正已保存在手机上")
    page.go_back()
    page.wait_for_url(f"**{enter_page}")
    assert questions.asked == ["beforeunload"]


def test_a_count_tapped_save_just_before_leaving_is_kept(phone, fuhai_village, results_dir):
    """The phone's storage slow (another write holds the outbox): a count tapped 保存,
    then 今日 at once, left with the page before it was written, and was gone. Now
    the phone asks while it is being written; left all the same, the count is kept
    on the phone and uploaded, once."""
    page, signal = phone
    village, records = fuhai_village
    questions = offline_on_the_village_page(page, signal, village, "leave")

    tap_and_type(page, records[2], "lambs_born", "5")
    page.evaluate(HOLD_THE_OUTBOX)
    row(page, records[2]).get_by_role("button", name="保存").click()
    with page.expect_navigation(url="**/field/"):
        page.get_by_role("link", name="今日 Today").first.click()
    assert questions.asked == ["beforeunload"]
    loaded(page)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    expect(page.locator("[data-outbox-text]")).to_have_text(
        "已保存在手机上，待上传 1 条 · Saved on this phone, waiting to upload: 1"
    )
    page.screenshot(path=results_dir / "kept-on-today.png")

    go_online(page, signal)
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count tapped 保存")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=20_000)
    entry = LambingEntry.objects.get()
    assert (entry.record_id, entry.lambs_born) == (records[2].pk, 5)


def test_leaving_with_a_refused_count_corrected_and_not_sent_again_asks_first(
    phone, fuhai_village, results_dir
):
    """A count the server refused waits under 需要处理; its 改正 form typed in and not
    tapped 重新上传: tapping 今日 asked nothing, and the correction went with the page.
    Now the phone asks, and staying keeps it as typed; once sent again (kept on the
    phone), nothing is asked. Opened and left as it was drawn, nothing is asked."""
    page, signal = phone
    village, records = fuhai_village
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    go_offline(page, signal)
    enter(page, records[0], lambs_lost=5, loss_cause="cold")  # more than were born
    go_online(page, signal)
    refused = page.locator(f'[data-attention] li[data-outbox-record="{records[0].pk}"]')
    expect(refused.locator("[data-server-message]")).to_contain_text("超过产羔数", timeout=20_000)
    go_offline(page, signal)
    questions = LeaveQuestions(page)

    refused.get_by_role("button", name="改正 Correct").click()
    lambs_born = refused.locator('[name="lambs_born"]')
    lambs_born.tap()
    lambs_born.fill("6")
    page.get_by_role("link", name="今日 Today").first.click()
    expect(lambs_born).to_have_value("6")
    assert questions.asked == ["beforeunload"]
    page.screenshot(path=results_dir / "stayed-with-the-refused-count-typed.png", full_page=True)

    # Typed back to what was refused: nothing of the technician's is lost, nothing asked.
    lambs_born.fill("0")
    with page.expect_navigation(url="**/field/"):
        page.get_by_role("link", name="今日 Today").first.click()
    assert questions.asked == ["beforeunload"]
    page.go_back()
    loaded(page)

    # Sent again: kept on the phone, leaving asks nothing.
    refused.get_by_role("button", name="改正 Correct").click()
    lambs_born.tap()
    lambs_born.fill("6")
    refused.get_by_role("button", name="重新上传 Send again").click()
    expect(page.locator("[data-attention]")).to_be_hidden()
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    with page.expect_navigation(url="**/field/"):
        page.get_by_role("link", name="今日 Today").first.click()
    assert questions.asked == ["beforeunload"]


def test_leaving_with_a_new_household_or_record_typed_and_not_added_asks_first(
    phone, fuhai_village
):
    """A new household's names and ewes, or a new record's ewes, typed and not tapped
    添加 (本季新记录): the back button or 今日 left with them. Now the phone asks;
    staying keeps them as typed. Added, or emptied, nothing is asked."""
    page, signal = phone
    village, _records = fuhai_village
    with while_offline(page, signal):
        herder_create(village=village, name="哈力克", name_latin="Halike")  # no record yet
    village_page = f"/field/village/{village.pk}/"
    page.goto(village_page)
    loaded(page)
    questions = LeaveQuestions(page)

    household = new_household_form(page, "叶尔兰·别克", "80")
    go_back_and_stay(page)
    expect(household.locator('[name="name"]')).to_have_value("叶尔兰·别克")
    expect(household.locator('[name="ewes_at_start"]')).to_have_value("80")
    assert questions.asked == ["beforeunload"]
    with page.expect_navigation(url="**/field/record/*/"):
        household.get_by_role("button", name="添加").click()
    assert questions.asked == ["beforeunload"]
    assert Herder.objects.get(name="叶尔兰·别克").lambing_records.get().ewes_at_start == 80

    page.goto(village_page)
    loaded(page)
    new_record = page.locator('form[data-new-form="record"]')
    new_record.locator('[name="ewes_at_start"]').tap()
    new_record.locator('[name="ewes_at_start"]').fill("60")
    page.get_by_role("link", name="今日 Today").first.click()
    expect(new_record.locator('[name="ewes_at_start"]')).to_have_value("60")
    assert questions.asked == ["beforeunload", "beforeunload"]
    new_record.locator('[name="ewes_at_start"]').fill("")
    with page.expect_navigation(url="**/field/"):
        page.get_by_role("link", name="今日 Today").first.click()
    assert questions.asked == ["beforeunload", "beforeunload"]


# The next write to the outbox held open (not committed) until window.releaseOutbox(),
# as a phone's slow storage holds it; window.outboxWriteHeld says it has begun.
HOLD_THE_NEXT_OUTBOX_WRITE = """(() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (this.name === "outbox") {
      IDBObjectStore.prototype.put = put;
      const store = this;
      let released = false;
      window.releaseOutbox = () => { released = true; };
      const again = () => { if (!released) store.get("none").onsuccess = again; };
      again();
      window.outboxWriteHeld = true;
    }
    return put.apply(this, args);
  };
})()"""

STASHED = """JSON.parse(localStorage.getItem("lambing-field-unkept") || "[]").length"""


def test_a_correction_kept_after_the_page_came_back_is_not_put_back_by_the_next_page(
    phone, fuhai_village, results_dir
):
    """A correction tapped 更正 on a slow phone's storage, the page then hidden into
    the browser's back-forward cache (the back button) and shown again (forward) before
    the write ended: the page stashed the correction as it was hidden (kept.js), and
    the stash stayed once the write had ended. Uploaded, then corrected again, the
    next page opened put the first correction back in the outbox under its uuid, sent
    again from its old version: a conflict of the technician's with their own later
    correction under 需要处理. Now the stash follows the save's end there too.

    The test browser cannot restore a page from the back-forward cache (Playwright
    launches Chromium with --disable-back-forward-cache), so the test dispatches the
    page's own pagehide and pageshow events with persisted true, as the browser does
    when it puts the page in that cache and shows it again: the same listeners are
    called, with the same event, and the page is the same live page, its write ending
    after it was shown again. What the browser itself does (freezing the page while
    hidden) is not reproduced."""
    page, signal = phone
    _village, records = fuhai_village
    entry, correction = opened_correction(page, signal, records[0])
    go_offline(page, signal)
    page.evaluate(HOLD_THE_NEXT_OUTBOX_WRITE)
    correct(correction, lambs_born=6, reason="数错了")
    page.wait_for_function("() => window.outboxWriteHeld === true")
    page.evaluate(
        """window.dispatchEvent(new PageTransitionEvent("pagehide", {persisted: true}))"""
    )
    assert page.evaluate(STASHED) == 1  # stashed as the page was hidden
    page.evaluate(
        """window.dispatchEvent(new PageTransitionEvent("pageshow", {persisted: true}))"""
    )
    page.evaluate("window.releaseOutbox()")
    expect(correction.locator("[data-row-status]")).to_contain_text("更正已保存在手机上")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    assert page.evaluate(STASHED) == 0  # kept: out of the stash

    go_online(page, signal)
    expect(correction.locator("[data-row-status]")).to_have_text(
        "更正已上传 · Correction uploaded.", timeout=20_000
    )
    correct(correction, lambs_born=7, reason="又数了一遍")
    wait_until_stored(
        lambda: LambingEntry.objects.get(pk=entry.pk).lambs_born == 7, "the second correction"
    )
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=20_000)

    # The next page: nothing put back, nothing sent again, no conflict.
    page.goto("/field/")
    loaded(page)
    page.wait_for_function("""() => localStorage.getItem("lambing-field-unkept") === null""")
    page.wait_for_timeout(3_000)  # the first sync of the page, had anything been put back
    expect(page.locator("[data-attention]")).to_be_hidden()
    assert outbox_uuids(page) == set()
    page.screenshot(path=results_dir / "no-conflict-with-itself.png")
    entry.refresh_from_db()
    assert (entry.lambs_born, entry.version) == (7, 3)
