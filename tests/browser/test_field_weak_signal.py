"""A 360 px phone at a pasture where the signal is there but nothing comes through:
connected, every request held with no answer (``Signal.stalled``), as a signal that
comes and goes often is, rather than failing at once as with none."""

import time

from playwright.sync_api import expect

from livestock.models import LambingEntry
from tests.browser.conftest import wait_until_stored
from tests.browser.test_field import enter, outbox_count, row


def test_today_kept_on_the_phone_opens_and_takes_a_count_when_the_signal_answers_nothing(
    phone, fuhai_village, results_dir
):
    """Opened on a signal that answered nothing, Today stayed blank until the browser
    gave up, though the phone kept it: the worker waited for the network as long as
    the network took. And on the page, a count saved meanwhile waited on the rules it
    is checked against, asked for from the same network. The kept page is now shown
    after a few seconds without an answer (the worker's wait, 4 s), and no second wait
    follows: the page's catalog and the rules kept on the phone answer at once (each
    waited for as long again, the households showed 8 s after the tap on Today and a
    count tapped then was kept 4 s later). The count is kept on the phone, and
    uploaded once when the signal carries data again."""
    page, signal = phone
    _village, records = fuhai_village
    signal.stalled = True
    try:
        started = time.monotonic()
        page.goto("/field/", timeout=25_000)
        expect(row(page, records[0])).to_be_visible()
        shown = time.monotonic() - started
        enter(page, records[0], lambs_born=3)
        expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1", timeout=15_000)
        kept = time.monotonic() - started
        page.screenshot(path=results_dir / "no-data-through-the-signal.png")
        assert not LambingEntry.objects.exists()
    finally:
        signal.stalled = False
    assert shown < 7, f"Today's households showed after {shown:.1f} s"
    assert kept - shown < 2.5, f"a count tapped was kept {kept - shown:.1f} s later"
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=60_000)
    assert list(records[0].entries.values_list("lambs_born", flat=True)) == [3]
