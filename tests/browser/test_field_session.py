"""A technician's session ends (it expires, or is ended on the server) while a village's
page is open on a 360 px phone: what the page then says, and the counts typed on it
afterwards, with no signal, kept and uploaded once the technician logs in again."""

import time

from playwright.sync_api import expect

from livestock.models import LambingEntry
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.field_phone import go_offline, go_online
from tests.browser.test_field import enter, outbox_count, row
from tests.browser.test_field_privacy import end_sessions_of, open_and_keep
from tests.conftest import PASSWORD

ENDED = "登录已失效，请重新登录。"
ENDED_BESIDE = "Your session has ended: log in again."


def test_a_page_open_when_the_session_ends_says_so_keeps_counting_and_uploads_after_a_login(
    phone, fuhai_village, results_dir
):
    """With nothing waiting to upload, the page learned that the session had ended
    (its roster's answer) and wrote so in the outbox's line, which was hidden: the
    technician saw nothing. Counts typed next with no signal then said "离线：有信号时
    自动上传 · Offline: they upload when the signal returns", which they would not: the
    upload needs a new login. The page now says the session ended, in Chinese with the
    English beside it, for as long as it has, with a link to log in again that brings
    the technician back to the page, where what was typed is uploaded, once."""
    page, signal = phone
    village, records = fuhai_village
    village_page = f"/field/village/{village.pk}/"
    open_and_keep(page, village_page)
    go_offline(page, signal)
    time.sleep(1)
    end_sessions_of("fuhai-tech")
    with page.expect_response(lambda response: "/field/roster.json" in response.url):
        go_online(page, signal)  # the page refreshes its roster: answered for nobody

    state = page.locator("[data-sync-state]")
    expect(state).to_be_visible()
    expect(state).to_contain_text(ENDED)
    expect(state).to_contain_text(ENDED_BESIDE)
    log_in_again = page.get_by_role("link", name="重新登录 Log in again")
    expect(log_in_again).to_be_visible()
    page.screenshot(path=results_dir / "1-session-ended.png")

    # No signal: the technician goes on counting on the page on screen.
    go_offline(page, signal)
    enter(page, records[0], lambs_born=3)
    enter(page, records[1], ewes_lambed=1, lambs_born=2)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    expect(row(page, records[0]).locator('[name="lambs_born"]')).to_have_value("")
    expect(state).to_contain_text(ENDED)
    expect(state).not_to_contain_text("有信号时自动上传")
    expect(log_in_again).to_be_visible()
    page.screenshot(path=results_dir / "2-counted-after-the-session-ended.png")

    # The signal returns: the upload is refused for want of a login; nothing is lost.
    with page.expect_response(lambda response: "/api/v1/entries/bulk/" in response.url) as upload:
        go_online(page, signal)
    assert upload.value.status == 401
    expect(state).to_contain_text(ENDED)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    assert not LambingEntry.objects.exists()

    log_in_again.click()
    page.wait_for_url("**/admin/login/**")
    page.get_by_label("用户名").fill("fuhai-tech")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation(url=f"**{village_page}"):
        page.get_by_role("button", name="登录").click()
    loaded(page)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=20_000)
    expect(state).not_to_contain_text(ENDED)
    wait_until_stored(lambda: LambingEntry.objects.count() == 2, "the two counts")
    stored = LambingEntry.objects.order_by("record_id")
    assert [(e.record_id, e.lambs_born, e.created_by.username) for e in stored] == [
        (records[0].pk, 3, "fuhai-tech"),
        (records[1].pk, 2, "fuhai-tech"),
    ]
    expect(row(page, records[0]).locator('[data-total="lambs_born"]')).to_have_text("3")
    page.screenshot(path=results_dir / "3-logged-in-again-uploaded.png")


def test_a_page_that_hears_the_technician_logged_in_again_says_what_is_so_now(
    phone, fuhai_village, results_dir
):
    """The session ended while a count waited, its upload refused for want of a login
    (the line had said "正在上传…" before the refusal). The technician logged in again
    in another tab, which uploaded the count. Hearing of the new login, the page put
    back its line of before the session ended: "正在上传… · Uploading…", with nothing
    uploading and nothing waiting. It now says what is so: nothing waits, the line goes,
    and the household's row says the count was uploaded."""
    page, signal = phone
    village, records = fuhai_village
    open_and_keep(page, f"/field/village/{village.pk}/")
    go_offline(page, signal)
    time.sleep(1)
    end_sessions_of("fuhai-tech")
    with page.expect_response(lambda response: "/field/roster.json" in response.url):
        go_online(page, signal)
    state = page.locator("[data-sync-state]")
    expect(state).to_contain_text(ENDED)

    go_offline(page, signal)
    enter(page, records[0], lambs_born=3)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    with page.expect_response(lambda response: "/api/v1/entries/bulk/" in response.url) as upload:
        go_online(page, signal)
    assert upload.value.status == 401
    expect(state).to_contain_text(ENDED)

    # Logged in again in another tab, which uploads the count.
    other = page.context.new_page()
    other.goto("/admin/login/?next=/field/")
    other.get_by_label("用户名").fill("fuhai-tech")
    other.get_by_label("密码").fill(PASSWORD)
    other.get_by_role("button", name="登录").click()
    other.wait_for_url("**/field/")
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count")
    expect(outbox_count(other)).to_have_attribute("data-outbox-count", "0")
    other.close()

    # The page hears of the login with its next refresh.
    go_offline(page, signal)
    with page.expect_response(lambda response: "/field/roster.json" in response.url) as roster:
        go_online(page, signal)
    assert roster.value.ok
    expect(page.locator("[data-outbox]")).to_be_hidden()
    expect(state).not_to_contain_text("正在上传")
    expect(state).not_to_contain_text(ENDED)
    expect(row(page, records[0]).locator("[data-row-status]")).to_have_text(
        "已上传 — 产羔数 3 · Uploaded. Lambs born: 3"
    )
    page.screenshot(path=results_dir / "logged-in-again-elsewhere.png")
