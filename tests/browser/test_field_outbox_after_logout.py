"""What waits on the phone, said after a logout and offline as the field pages say it.

A field page says apart how many counts wait to upload ("已保存在手机上，待上传 N 条")
and how many the server answered that wait under 需要处理 (refused, or a conflict),
which no upload sends until the technician corrects or resolves them. The page after
a logout (and the login page) and the page a field page is answered with offline
when the phone may show none it kept counted both as waiting to upload: a technician
read "3 counts waiting to upload" of a phone that would upload 2, and was not told of
the one refused.

Offline is made real as in test_field.py: the browser reaches the live server only
through a relay the test cuts (``Signal``), since ``set_offline`` does not reach a
service worker's requests (microsoft/playwright#2311).
"""

from playwright.sync_api import expect

from livestock.models import LambingEntry
from tests.browser.conftest import wait_until_stored
from tests.browser.field_phone import go_offline, go_online
from tests.browser.test_field import enter, log_in_as, outbox_count
from tests.browser.test_field_privacy import (
    expect_not_available_offline,
    expect_told_the_phone_was_cleared,
    log_out_in_the_field_app,
)


def test_a_count_the_server_refused_is_said_apart_from_those_waiting_to_upload(
    phone, fuhai_village, results_dir
):
    page, signal = phone
    _village, records = fuhai_village
    # One count the server refuses (more lambs lost than born: a running-total rule
    # the phone cannot check), uploaded beside one it stores.
    go_offline(page, signal)
    enter(page, records[0], lambs_lost=5, loss_cause="cold")
    enter(page, records[1], lambs_born=3)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    go_online(page, signal)
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count the server takes")
    attention = page.locator("[data-attention] li[data-uuid]")
    expect(attention).to_have_count(1, timeout=20_000)
    # Two more typed with no signal, and still on the phone at the logout.
    go_offline(page, signal)
    enter(page, records[2], lambs_born=2)
    enter(page, records[3], lambs_born=1)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    page.route("**/api/v1/entries/bulk/", lambda route: route.abort())
    go_online(page, signal)

    log_out_in_the_field_app(page)
    cleared = expect_told_the_phone_was_cleared(page, unsent=2)
    expect(cleared.locator("[data-attention]")).to_have_text(
        "需要处理（服务器拒绝，或别人已改动），仍保存在这部手机上，录入者登录后处理： "
        "Needs attention (refused by the server, or changed by someone else meanwhile), "
        "kept on this phone for whoever typed them to resolve once logged in: 1"
    )
    page.screenshot(path=results_dir / "logged-out-waiting-and-attention.png", full_page=True)
    page.unroute("**/api/v1/entries/bulk/")

    go_offline(page, signal)
    expect_not_available_offline(page, "/field/")
    expect(page.locator("[data-unsent]:visible")).to_have_text(
        [
            "2 条计数保存在手机上，待上传",
            "2 counts saved on this phone, waiting to upload",
            "\u20682\u2069 سان تەلەفوندا ساقتالدى، جۇكتەلۋىن كۇتۋدە",
            "2 сан телефонда сақталды, жүктелуін күтуде",
        ]
    )
    expect(page.locator("[data-attention]:visible")).to_have_text(
        [
            "需要处理：1 条（服务器拒绝，或别人已改动）",
            "Needs attention: 1 (refused by the server, or changed by someone else meanwhile)",
            "نازار اۋدارىڭىز: \u20681\u2069 (سەرۆەر قابىلدامادى، نەمەسە ونى باسقا بىرەۋ وزگەرتتى)",
            "Назар аударыңыз: 1 (сервер қабылдамады, немесе оны басқа біреу өзгертті)",
        ]
    )
    page.screenshot(path=results_dir / "not-available-waiting-and-attention.png", full_page=True)

    # Logged in again: the two upload, and the refused one still waits under 需要处理.
    go_online(page, signal)
    log_in_as(page, "fuhai-tech")
    wait_until_stored(lambda: LambingEntry.objects.count() == 3, "the two counts waiting")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=20_000)
    expect(page.locator("[data-attention] li[data-uuid]")).to_have_count(1)
    assert sorted(LambingEntry.objects.values_list("record_id", "lambs_born")) == [
        (records[1].pk, 3),
        (records[2].pk, 2),
        (records[3].pk, 1),
    ]
