"""The rules a count is checked against on the phone, kept there for offline work and
used at once (field.js, loadRules), when the season they describe has changed on the
server since they were kept."""

import datetime

from playwright.sync_api import Page, expect

from livestock.models import LambingEntry, Season
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.test_field import outbox_count, row


def rules_kept(page: Page) -> dict:
    return page.evaluate(
        """new Promise(resolve => {
             const open = indexedDB.open("lambing-field");
             open.onsuccess = () => {
               const got = open.result.transaction("kept").objectStore("kept").get("rules");
               got.onsuccess = () => resolve(got.result || null);
             };
           })"""
    )


def test_a_count_dated_in_the_seasons_new_days_is_kept_on_the_first_page_after_the_change(
    phone, fuhai_village
):
    """The bureau moved the season's start 10 days earlier (lambing began early). The
    page drawn after it offers those days in its date picker, but the phone checked
    its count against the rules it had kept, of the season as it was: a count dated
    in the new days was refused on the phone, "not within the season", and stayed
    refused on that page however often Save was tapped. Rules kept for another season
    than the page's are now not used before the server's: the count is kept and
    uploaded."""
    page, signal = phone
    _village, records = fuhai_village
    season = Season.objects.get()
    page.wait_for_function(
        """() => new Promise(resolve => {
             const open = indexedDB.open("lambing-field");
             open.onsuccess = () => {
               const got = open.result.transaction("kept").objectStore("kept").get("rules");
               got.onsuccess = () => resolve(Boolean(got.result));
             };
           })"""
    )
    assert rules_kept(page)["date"]["season"]["start"] == season.start_date.isoformat()
    early = season.start_date - datetime.timedelta(days=10)
    season.start_date = early
    season.save()

    # The server's rules come slower than the phone's own (as on any mobile signal).
    signal.delayed["/field/rules.json"] = 3
    page.reload()
    loaded(page)
    counted_on = early + datetime.timedelta(days=2)
    form = row(page, records[0])
    assert form.locator('input[type="date"]').get_attribute("min") == early.isoformat()
    form.locator('input[type="date"]').fill(counted_on.isoformat())
    form.locator('[name="lambs_born"]').fill("2")
    form.get_by_role("button", name="保存").click()

    expect(form.locator(".field-error")).to_have_count(0)
    wait_until_stored(lambda: LambingEntry.objects.count() == 1, "the count")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=30_000)
    entry = LambingEntry.objects.get()
    assert (entry.record_id, entry.date, entry.lambs_born) == (records[0].pk, counted_on, 2)
