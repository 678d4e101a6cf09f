"""A household's page on a 360 px phone once its record holds a season of counts
(150 entries, one a day): what the technician comes for is within reach."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from livestock.audit.attribution import acting_as
from livestock.models import LambingEntry
from livestock.services.entries import entry_create
from livestock.services.seasons import season_update
from tests.browser.conftest import loaded, wait_until_stored
from tests.browser.field_phone import PHONE

ENTRIES = 150


@pytest.fixture
def season_long_record(fuhai_village):
    """The first household's record with a count a day for 150 days, the last today
    (its season started 160 days ago)."""
    _village, records = fuhai_village
    record = records[0]
    today = timezone.localdate()
    season_update(record.season, start_date=today - datetime.timedelta(days=160))
    technician = get_user_model().objects.get(username="fuhai-tech")
    with acting_as(technician):
        for days_ago in range(ENTRIES - 1, -1, -1):
            entry_create(
                record=record,
                date=today - datetime.timedelta(days=days_ago),
                created_by=technician,
                ewes_lambed=days_ago % 2,  # 75 of the record's 100 ewes
                lambs_born=2,
            )
    return record


def test_a_households_page_of_a_season_of_counts_keeps_its_latest_counts_within_reach(
    season_long_record, phone, results_dir
):
    """With 150 counts, the household's page was 23,700 px tall: its totals for each
    of 150 dates, then 150 entries each with its correction form; the latest count's
    "更正或删除 Correct or delete" was seven screens down, past every date of the
    season. The page now shows the last 14 dates and the last 14 counts, the earlier
    ones each behind a line saying how many there are, which opens them; an earlier
    count is corrected there as any other."""
    page, _signal = phone
    record = season_long_record
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=ENTRIES - 1)
    page.goto(f"/field/record/{record.pk}/")
    loaded(page)

    newest = LambingEntry.objects.get(record=record, date=today)
    correct_newest = page.locator(f"#entry-{newest.pk} summary")
    expect(correct_newest).to_have_text("更正或删除 Correct or delete")
    top = page.evaluate(
        f"document.querySelector('#entry-{newest.pk} summary').getBoundingClientRect().top"
        " + scrollY"
    )
    assert top < 3 * PHONE["height"], f"the latest count's correction is at {top:.0f} px"
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 8 * PHONE["height"], f"the page is {height} px tall"
    timeline = page.locator("table.timeline").first
    expect(timeline.locator("tbody tr")).to_have_count(14)
    expect(timeline.locator("tbody tr").first.locator("th")).to_have_text(today.isoformat())
    expect(timeline.locator("tbody tr").first.locator("td").nth(1)).to_have_text(str(2 * ENTRIES))
    page.screenshot(path=results_dir / "season-long-record.png", full_page=True)

    # The earlier dates and counts, opened.
    earlier_dates = page.get_by_text("更早的日期 Earlier dates (136)")
    earlier_dates.click()
    first_date = page.get_by_role("row", name=first_day.isoformat())
    expect(first_date).to_be_visible()
    expect(first_date.locator("td").nth(1)).to_have_text("2")
    page.get_by_text("更早的计数 Earlier entries (136)").click()
    oldest = LambingEntry.objects.get(record=record, date=first_day)
    item = page.locator(f"#entry-{oldest.pk}")
    item.locator("summary").click()
    form = item.locator("form[data-correction-form]")
    form.locator('[name="lambs_born"]').fill("3")
    form.locator('[name="reason"]').fill("数错了")
    form.get_by_role("button", name="更正").click()
    expect(form.locator("[data-row-status]")).to_have_text(
        "更正已上传 · Correction uploaded.", timeout=20_000
    )
    wait_until_stored(
        lambda: LambingEntry.objects.get(pk=oldest.pk).lambs_born == 3, "the correction"
    )
    expect(timeline.locator("tbody tr").first.locator("td").nth(1)).to_have_text(
        str(2 * ENTRIES + 1), timeout=20_000
    )
    expect(first_date.locator("td").nth(1)).to_have_text("3", timeout=20_000)
