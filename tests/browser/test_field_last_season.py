"""A household's page of last season's record, opened once the next season began
(winter's records in March, when Today lists spring's): its entries are corrected as
the server allows, within their own season.

The phone checked every correction against the rules of the season counted in today:
a correction of an entry dated last winter was refused on the spot, "2025-02-27 is
outside the season 2026–2027 …", and could not be saved with the script, though the
server takes it (and the page without the script did)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from livestock.models import LambingEntry, Season
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.browser.conftest import loaded, wait_until_stored


@pytest.fixture
def last_winter(fuhai_village):
    """The first household's record of last winter, with a count of its last days: made
    before the phone opens a page (a write while the live server reads SQLite's shared
    in-memory database fails at once, "database table is locked")."""
    _village, records = fuhai_village
    today = timezone.localdate()
    last_season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=310),
    )
    record = record_create(herder=records[0].herder, season=last_season, ewes_at_start=90)
    counted = last_season.end_date - datetime.timedelta(days=1)
    entry, _new = entry_create(record=record, date=counted, ewes_lambed=3, lambs_born=4)
    return record, entry


def test_an_entry_of_last_seasons_record_is_corrected_within_its_own_season(
    last_winter, phone, results_dir
):
    page, _signal = phone
    record, entry = last_winter
    counted = entry.date

    page.goto(f"/field/record/{record.pk}/")
    loaded(page)
    item = page.locator(f'li[data-entry="{entry.pk}"]')
    item.locator("summary").click()
    form = item.locator("form[data-correction-form]")
    expect(form.locator('[name="date"]')).to_have_value(counted.isoformat())
    form.locator('[name="lambs_born"]').fill("5")
    form.locator('[name="reason"]').fill("recounted")
    form.get_by_role("button", name="更正").click()

    expect(form.locator(".field-error")).to_have_count(0)
    wait_until_stored(
        lambda: LambingEntry.objects.get(pk=entry.pk).lambs_born == 5, "the correction"
    )
    entry.refresh_from_db()
    assert (entry.date, entry.lambs_born, entry.version) == (counted, 5, 2)
    item.screenshot(path=results_dir / "last-season-corrected.png")
