"""What a phone keeps of a technician's for offline work is theirs alone.

The service worker keeps the field pages a technician opened (by URL alone) and the
page keeps their roster in IndexedDB. Logged out, or with a colleague logged in on
the phone after them, those were still shown offline: Today with every household's
name and totals, a household's page with its counts, to nobody logged in. Logging
out now drops them, and so does a page drawn for another user, and a session ended
without a logout once the phone hears of it (the login page, or an answer to the
page's script, drawn for nobody logged in); offline the phone says the page is not
available and to log in. The counts typed and not uploaded stay, and are uploaded
when their technician logs in again.

Offline is made real as in test_field.py: the browser reaches the live server only
through a relay the test cuts (``Signal``), since ``set_offline`` does not reach a
service worker's requests (microsoft/playwright#2311).
"""

import datetime
import json
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import Page, expect

from livestock.models import County, Herder, LambingEntry, LambingRecord, Season, Township, Village
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.field_phone import NAMES, go_offline, go_online
from tests.browser.test_field import (
    enter,
    expect_kept_roster_to_hold,
    log_in_as,
    outbox_count,
)
from tests.conftest import make_user

CHINESE_NAMES = [name for name, _latin in NAMES]


def kept(page: Page, path: str) -> bool:
    """Whether the phone's service worker keeps an answer for ``path``."""
    return page.evaluate(
        f"""caches.open("lambing-field-v1").then(cache =>
              cache.match("{path}", {{ignoreVary: true}})).then(Boolean)"""
    )


def open_and_keep(page: Page, path: str) -> None:
    """Opens ``path`` with a signal and waits until the phone keeps it."""
    page.goto(path)
    loaded(page)
    deadline = time.monotonic() + 20
    while not kept(page, path):
        assert time.monotonic() < deadline, f"{path} was not kept"
        time.sleep(0.2)


def kept_in_indexeddb(page: Page) -> dict:
    """What the phone keeps in IndexedDB: {"kept": the kept store's entries by key,
    "outbox": the outbox's items}."""
    return page.evaluate(
        """() => new Promise(resolve => {
            const open = indexedDB.open("lambing-field");
            open.onsuccess = () => {
                const tx = open.result.transaction(["kept", "outbox"]);
                const keys = tx.objectStore("kept").getAllKeys();
                const values = tx.objectStore("kept").getAll();
                const outbox = tx.objectStore("outbox").getAll();
                tx.oncomplete = () => {
                    const kept = {};
                    keys.result.forEach((key, i) => { kept[key] = values.result[i]; });
                    resolve({kept: kept, outbox: outbox.result});
                };
            };
        })"""
    )


def expect_not_available_offline(page: Page, path: str) -> None:
    """Opened with no signal, ``path`` shows no household of anyone's: the phone says
    the page is not available offline, and to log in."""
    page.goto(path)
    loaded(page)
    shown = page.locator("[data-not-available]")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("离线时不能查看")
    expect(shown).to_contain_text("Not available offline")
    expect(shown.get_by_role("link", name="有信号时请登录")).to_be_visible()
    body = page.locator("body")
    for name in CHINESE_NAMES:
        expect(body).not_to_contain_text(name)


def expect_told_the_phone_was_cleared(page: Page, *, unsent: int):
    """The page drawn for nobody logged in (after a logout, or the login page once
    the session ended) says what the phone kept was cleared, and how many counts
    wait to upload. Returns its box."""
    cleared = page.locator("[data-kept-cleared]")
    expect(cleared).to_have_attribute("data-kept-cleared", "done", timeout=20_000)
    expect(cleared.locator("[data-kept-dropped]")).to_contain_text(
        "这部手机为离线工作保存的页面和牧户已清除"
    )
    expect(cleared.locator("[data-unsent-count]")).to_have_text(str(unsent))
    return cleared


def assert_only_the_outbox_is_kept(page: Page, lambs_born: list[int]) -> None:
    """Nothing of the technician's is kept for offline work but their counts not
    yet uploaded (``lambs_born``: each one's)."""
    stored = kept_in_indexeddb(page)
    assert "roster" not in stored["kept"]
    assert [item["body"]["lambs_born"] for item in stored["outbox"]] == lambs_born


def log_in_again_and_expect_the_count_stored(page: Page, signal, record, lambs_born: int) -> None:
    """With a signal, the technician logs in again: the count they typed before is
    uploaded, once, as theirs."""
    go_online(page, signal)
    log_in_as(page, "fuhai-tech")
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count typed before")
    entry = LambingEntry.objects.get()
    assert (entry.record, entry.lambs_born, entry.created_by.username) == (
        record,
        lambs_born,
        "fuhai-tech",
    )


def keep_the_pages_and_count_offline(page: Page, signal, records, lambs_born: int) -> str:
    """The technician's household page and Today kept for offline work, then a count
    typed with no signal for another household, waiting on the phone. Returns the
    household page's path."""
    record_page = f"/field/record/{records[0].pk}/"
    open_and_keep(page, record_page)
    open_and_keep(page, "/field/")
    go_offline(page, signal)
    enter(page, records[1], lambs_born=lambs_born)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    return record_page


def wait_until_dropped(page: Page, *paths: str) -> None:
    """The phone drops its kept copies of ``paths`` (within 20 s)."""
    deadline = time.monotonic() + 20
    while any(kept(page, path) for path in paths):
        assert time.monotonic() < deadline, "the kept pages were not dropped"
        time.sleep(0.2)


def expect_told_the_session_ended(page: Page) -> None:
    """The page says, where it says what the phone is doing, that the session has
    ended, in Chinese and in English."""
    state = page.locator("[data-sync-state]")
    expect(state).to_contain_text(
        "登录已失效，请重新登录。这部手机为离线工作保存的页面已清除，尚未上传的计数仍保存在手机上。"
    )
    expect(state).to_contain_text("Your session has ended: log in again.")


def log_out_in_the_field_app(page: Page) -> None:
    page.goto("/field/")
    loaded(page)
    with page.expect_navigation(url="**/admin/logout/"):
        page.get_by_role("button", name="退出 Log out").click()


def log_out_in_the_admin(page: Page) -> None:
    page.goto("/admin/")
    loaded(page)
    with page.expect_navigation(url="**/admin/logout/"):
        page.locator("#logout-form button").click()


@pytest.mark.parametrize(
    "log_out",
    [log_out_in_the_field_app, log_out_in_the_admin],
    ids=["field-app", "admin"],
)
def test_a_technician_logged_out_leaves_no_household_to_read_offline_and_no_count_lost(
    phone, fuhai_village, results_dir, log_out
):
    page, signal = phone
    _village, records = fuhai_village
    # A count typed with no signal, still on the phone when the technician logs out
    # (its upload refused on the way until then).
    record_page = keep_the_pages_and_count_offline(page, signal, records, lambs_born=3)
    page.route("**/api/v1/entries/bulk/", lambda route: route.abort())
    go_online(page, signal)

    log_out(page)
    cleared = expect_told_the_phone_was_cleared(page, unsent=1)
    expect(cleared.locator("[data-unsent]")).to_contain_text("尚未上传的计数仍保存在这部手机上")
    page.screenshot(path=results_dir / "logged-out.png", full_page=True)
    assert not kept(page, record_page) and not kept(page, "/field/")
    assert_only_the_outbox_is_kept(page, [3])

    # The login page shown next, with nothing left to clear, does not say it again;
    # the count still waiting is still said.
    page.goto("/admin/login/")
    loaded(page)
    cleared = page.locator("[data-kept-cleared]")
    expect(cleared).to_have_attribute("data-kept-cleared", "done", timeout=20_000)
    expect(cleared.locator("[data-kept-dropped]")).to_be_hidden()
    expect(cleared.locator("[data-unsent-count]")).to_have_text("1")
    page.unroute("**/api/v1/entries/bulk/")

    go_offline(page, signal)
    expect_not_available_offline(page, "/field/")
    page.screenshot(path=results_dir / "today-offline-logged-out.png", full_page=True)
    expect_not_available_offline(page, record_page)
    assert not LambingEntry.objects.exists()

    # The same technician logs in again: the count typed before is uploaded, once.
    log_in_again_and_expect_the_count_stored(page, signal, records[1], 3)
    # And Today is kept for them again.
    deadline = time.monotonic() + 20
    while not kept(page, "/field/"):
        assert time.monotonic() < deadline, "Today was not kept again"
        time.sleep(0.2)
    go_offline(page, signal)
    page.goto("/field/")
    loaded(page)
    expect(page.locator("body")).to_contain_text(CHINESE_NAMES[0])


def test_a_colleague_logged_in_on_the_phone_sees_none_of_the_first_technicians_pages_offline(
    phone, fuhai_village, results_dir
):
    """The first technician's session ended without a logout (it expired, or the
    phone's cookies were cleared), and a colleague of another county logged in: the
    phone then showed the first one's household pages offline, to the colleague."""
    page, signal = phone
    village, records = fuhai_village
    record_page = f"/field/record/{records[0].pk}/"
    open_and_keep(page, record_page)
    open_and_keep(page, "/field/")
    expect_kept_roster_to_hold(page, CHINESE_NAMES[0])
    # The test's own writes wait until the phone's requests cannot reach the server:
    # the live server's SQLite test database takes one writer at a time.
    go_offline(page, signal)
    time.sleep(1)
    burqin = County.objects.create(
        prefecture=village.township.county.prefecture, name="布尔津县", name_latin="Burqin County"
    )
    tongke = Village.objects.create(
        township=Township.objects.create(county=burqin, name="窝依莫克镇", name_latin="Woyimoke"),
        name="通克村",
        name_latin="Tongke Village",
    )
    herder = herder_create(village=tongke, name="巴合提别克", name_latin="Bahetibieke")
    record_create(herder=herder, season=Season.objects.get(), ewes_at_start=60)
    long_ago = timezone.now() - datetime.timedelta(days=1)
    LambingRecord.objects.update(updated_at=long_ago)
    Herder.history.update(history_date=long_ago)
    make_user("burqin-tech", "technician", burqin)

    page.context.clear_cookies()  # the first technician's session has ended
    go_online(page, signal)
    log_in_as(page, "burqin-tech")
    expect_kept_roster_to_hold(page, "巴合提别克")
    indexed = json.dumps(kept_in_indexeddb(page)["kept"], ensure_ascii=False)
    for name in CHINESE_NAMES:
        assert name not in indexed, f"{name} is still kept on the colleague's phone"

    go_offline(page, signal)
    page.goto(record_page)
    loaded(page)
    body = page.locator("body")
    expect(page.locator(".bar .user")).to_have_text("burqin-tech")
    for name in CHINESE_NAMES:
        expect(body).not_to_contain_text(name)
    page.screenshot(path=results_dir / "first-technicians-page-offline.png", full_page=True)
    page.goto("/field/")
    loaded(page)
    expect(body).to_contain_text("巴合提别克")
    for name in CHINESE_NAMES:
        expect(body).not_to_contain_text(name)


def end_sessions_of(username: str) -> None:
    """Ends ``username``'s sessions on the server, as an expiry or a password change
    does (and an administrator ending them): their rows are gone, the phone is not
    told. Called while the phone cannot reach the server (the live server's SQLite
    test database takes one writer at a time)."""
    user = get_user_model().objects.get(username=username)

    def ended() -> bool:
        for session in Session.objects.all():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
        return True

    wait_until_stored(ended, f"{username}'s sessions ended")


def test_a_session_ended_on_the_server_leaves_no_household_to_read_offline_and_no_count_lost(
    phone, fuhai_village, results_dir
):
    """The technician's session ended without a logout (it expired, or their password
    was changed): the phone never learned it, and offline still showed their kept
    pages "to their owner logged in" to whoever held it next. The login page the
    server answers a field page with, drawn for nobody logged in, now tells the
    phone: what was kept is dropped as at a logout, and the count typed and not yet
    uploaded stays, uploaded once the technician logs in again. No signal, and an
    answer cut short, tell it nothing of the kind."""
    page, signal = phone
    _village, records = fuhai_village
    # A count typed with no signal, its upload refused on the way until the end.
    record_page = keep_the_pages_and_count_offline(page, signal, records, lambs_born=3)
    page.route("**/api/v1/entries/bulk/", lambda route: route.abort())
    # No signal, or an answer cut short as the signal goes, is no ended session: the
    # household's page is still shown, from what the phone kept.
    page.goto(record_page)
    loaded(page)
    expect(page.locator("body")).to_contain_text(CHINESE_NAMES[0])
    go_online(page, signal)
    signal.cut_heads = {record_page}
    page.goto(record_page)
    loaded(page)
    assert signal.heads_cut == 1
    expect(page.locator("body")).to_contain_text(CHINESE_NAMES[0])
    signal.cut_heads = set()
    assert kept(page, record_page) and kept(page, "/field/")

    # The phone put away with no field page open; meanwhile the session ends.
    go_offline(page, signal)
    page.goto("about:blank")
    time.sleep(1)
    end_sessions_of("fuhai-tech")
    go_online(page, signal)

    # Taken out again with a signal: a field page answers with the login page.
    page.goto(record_page)
    expect(page).to_have_url(re.compile(rf"/admin/login/\?next={record_page}$"))
    loaded(page)
    expect_told_the_phone_was_cleared(page, unsent=1)
    page.screenshot(path=results_dir / "login-page-after-the-session-ended.png", full_page=True)
    assert not kept(page, record_page) and not kept(page, "/field/")
    assert_only_the_outbox_is_kept(page, [3])
    page.unroute("**/api/v1/entries/bulk/")

    go_offline(page, signal)
    expect_not_available_offline(page, record_page)
    page.screenshot(path=results_dir / "household-offline-after-the-session-ended.png")
    expect_not_available_offline(page, "/field/")
    assert not LambingEntry.objects.exists()

    # The technician logs in again: the count typed before is uploaded, once, as
    # theirs, and their pages are kept again.
    log_in_again_and_expect_the_count_stored(page, signal, records[1], 3)
    open_and_keep(page, record_page)
    go_offline(page, signal)
    page.goto(record_page)
    loaded(page)
    expect(page.locator("body")).to_contain_text(CHINESE_NAMES[0])


def test_a_page_left_open_learns_that_its_session_ended_when_the_signal_returns(
    phone, fuhai_village, results_dir
):
    """A household's page opened from what the phone kept, with no signal, after the
    technician's session ended on the server: when the signal returns, the page's
    own requests (its roster) are answered as for nobody logged in, and the phone
    drops what it kept, with no login page opened. The count typed offline stays."""
    page, signal = phone
    _village, records = fuhai_village
    record_page = keep_the_pages_and_count_offline(page, signal, records, lambs_born=4)
    time.sleep(1)
    end_sessions_of("fuhai-tech")
    page.goto(record_page)
    loaded(page)
    expect(page.locator("body")).to_contain_text(CHINESE_NAMES[0])

    with page.expect_response(lambda response: "/field/roster.json" in response.url):
        go_online(page, signal)  # the page sends its outbox, then refreshes its roster
    wait_until_dropped(page, record_page, "/field/")
    assert page.url.endswith(record_page)
    expect_told_the_session_ended(page)
    assert_only_the_outbox_is_kept(page, [4])

    go_offline(page, signal)
    expect_not_available_offline(page, record_page)
    page.screenshot(path=results_dir / "household-offline-after-the-page-learned.png")
    expect_not_available_offline(page, "/field/")
    assert not LambingEntry.objects.exists()


def test_an_upload_refused_because_the_session_ended_tells_the_phone(
    phone, fuhai_village, results_dir
):
    """The technician's session ended on the server while a count typed with no signal
    waited on the phone. When the signal returned, the upload was refused (401) and
    the page said to log in again, but the phone learned the session had ended only
    from another request of the page's (its roster) answered as for nobody logged in:
    a technician whose upload was the only answer to reach the phone kept their pages
    readable offline. The upload's refusal now says so too: the kept pages are
    dropped, the page says the session ended, and the count stays, uploaded once when
    the technician logs in again."""
    page, signal = phone
    _village, records = fuhai_village
    record_page = keep_the_pages_and_count_offline(page, signal, records, lambs_born=5)
    time.sleep(1)
    end_sessions_of("fuhai-tech")

    # The signal returns for the upload alone: the roster asked next gets no answer.
    signal.cut_heads = {"/field/roster.json"}
    with page.expect_response(lambda response: "/api/v1/entries/bulk/" in response.url) as upload:
        go_online(page, signal)  # the page sends its outbox
    assert upload.value.status == 401
    wait_until_dropped(page, record_page, "/field/")
    expect_told_the_session_ended(page)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    page.screenshot(path=results_dir / "upload-refused-after-the-session-ended.png")
    assert_only_the_outbox_is_kept(page, [5])

    go_offline(page, signal)
    expect_not_available_offline(page, record_page)
    expect_not_available_offline(page, "/field/")
    assert not LambingEntry.objects.exists()
    signal.cut_heads = set()
    log_in_again_and_expect_the_count_stored(page, signal, records[1], 5)


def test_the_page_not_available_offline_says_how_many_counts_wait_on_the_phone(
    phone, fuhai_village, results_dir
):
    """Logged out with two counts typed with no signal and not yet uploaded, the
    technician opened a field page with no signal: "离线时不能查看 · Not available
    offline", and not a word of the two counts, which are never dropped with the pages
    and upload at the next login. The page now says how many wait, in each of its
    languages; with none waiting, it says nothing of them."""
    page, signal = phone
    _village, records = fuhai_village
    keep_the_pages_and_count_offline(page, signal, records, lambs_born=3)
    enter(page, records[2], lambs_born=1)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    page.route("**/api/v1/entries/bulk/", lambda route: route.abort())
    go_online(page, signal)
    log_out_in_the_field_app(page)
    expect_told_the_phone_was_cleared(page, unsent=2)
    page.unroute("**/api/v1/entries/bulk/")

    go_offline(page, signal)
    expect_not_available_offline(page, "/field/")
    unsent = page.locator("[data-unsent]:visible")
    expect(unsent).to_have_text(
        [
            "2 条计数保存在手机上，待上传",
            "2 counts saved on this phone, waiting to upload",
            "\u20682\u2069 سان تەلەفوندا ساقتالدى، جۇكتەلۋىن كۇتۋدە",
            "2 сан телефонда сақталды, жүктелуін күтуде",
        ]
    )
    page.screenshot(path=results_dir / "not-available-two-waiting.png", full_page=True)

    # Logged in again, the counts upload; the page then says nothing of counts waiting.
    go_online(page, signal)
    log_in_as(page, "fuhai-tech")
    wait_until_stored(lambda: LambingEntry.objects.count() == 2, "the two counts")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=20_000)
    log_out_in_the_field_app(page)
    expect_told_the_phone_was_cleared(page, unsent=0)
    go_offline(page, signal)
    expect_not_available_offline(page, "/field/")
    expect(page.locator("[data-unsent]:visible")).to_have_count(0)
