"""The admin's header on a 360 px phone in every language: the site's name and the
language switch share the header's width, wrapping, and the page never scrolls
sideways. In Cyrillic Kazakh the name (Қозы алу маусымының есебі) beside the switch
was 379 px wide: every admin page of a technician's phone scrolled by 10 px."""

import pytest

from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user

PHONE = 360


@pytest.mark.parametrize("language", ["zh-hans", "kk-arab", "kk", "en"])
def test_the_admin_pages_fit_a_360_px_phone_in_every_language(
    woyimoke_technician, live_server, new_page, log_in, language
):
    page = new_page(width=PHONE)
    log_in(page, woyimoke_technician.username, PASSWORD)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )

    for url in ("/admin/", "/admin/livestock/lambingrecord/"):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        assert page_width(page) <= PHONE, url


@pytest.mark.parametrize("language", ["en", "kk"])
def test_a_record_s_history_fits_a_360_px_phone(
    woyimoke_technician, bieke_record, live_server, new_page, log_in, language
):
    """django-simple-history's list of changes (who, when, what, why) was a table as
    wide as its columns: the page scrolled sideways by 89 px (121 px in Kazakh).
    It scrolls inside its own box now, like the record's other tables."""
    page = new_page(width=PHONE)
    log_in(page, woyimoke_technician.username, PASSWORD)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )

    page.goto(f"/admin/livestock/lambingrecord/{bieke_record.pk}/history/")

    assert page.locator("#change-history").is_visible()
    assert page_width(page) <= PHONE


def test_the_audit_trail_fits_a_360_px_phone_in_kazakh(
    bieke_record, kokeaheshi, live_server, new_page, log_in
):
    """The trail's filters: the place select, as wide as its longest choice
    (ауыл (қалашық) · 阔克阿勒什乡 Kuokealeshi Township), pushed the page 36 px past
    a 360 px screen."""
    make_user("auditor", None, superuser=True)
    page = new_page(width=PHONE)
    log_in(page, "auditor", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": "kk", "url": live_server.url}])

    page.goto("/admin/audit/")

    assert page.locator("#audit-trail").is_visible()
    assert page_width(page) <= PHONE
