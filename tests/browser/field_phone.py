"""A technician of 福海县's phone for the field app's browser tests: a village of five
households in a season running today, and a 360×740 phone logged in on /field/ that
reaches the live server through a signal the test can cut (``Signal``: Playwright's
``set_offline`` does not reach a service worker's requests, microsoft/playwright#2311).

The fixtures ``fuhai_village`` and ``phone`` are offered to every browser test by
tests/browser/conftest.py.
"""

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from livestock.models import County, Prefecture, Season, Township, Village
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.browser.signal import Signal
from tests.conftest import PASSWORD, made_on, make_user

PHONE = {"width": 360, "height": 740}
NAMES = [
    ("赛力克·屈克木", "Sailike Qukemu"),
    ("阿依古丽·努尔", "Ayiguli Nuer"),
    ("别克·木合亚提", "Bieke Muheyati"),
    ("努尔兰·哈山", "Nurlan Hashan"),
    ("古丽米拉", "Gulimila"),
]


@pytest.fixture
def fuhai_village(transactional_db):
    """福海县's 齐巴尔窝依村 with five households, each with 100 ewes in a season
    running today, recorded since its start a month ago and never counted (so
    each is flagged "no count for more than 7 days", to visit first); and a
    technician of 福海县."""
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=60),
    )
    altay = Prefecture.objects.create(name="阿勒泰地区", name_latin="Altay Prefecture")
    fuhai = County.objects.create(prefecture=altay, name="福海县", name_latin="Fuhai County")
    township = Township.objects.create(
        county=fuhai, name="阔克阿勒什乡", name_latin="Kuokealeshi Township"
    )
    village = Village.objects.create(
        township=township, name="齐巴尔窝依村", name_latin="Qibaerwoyi Village"
    )
    records = []
    for name, latin in NAMES:
        herder = herder_create(village=village, name=name, name_latin=latin)
        records.append(record_create(herder=herder, season=season, ewes_at_start=100))
    made_on(season.start_date, *records)
    make_user("fuhai-tech", "technician", fuhai)
    return village, records


@pytest.fixture
def phone(
    browser: Browser, live_server, server_requests, fuhai_village
) -> Iterator[tuple[Page, Signal]]:
    """A 360×740 phone, logged in as the technician, reaching the server through
    a signal the test can cut; on /field/, its worker installed and the pages
    kept for offline."""
    host, port = live_server.url.removeprefix("http://").split(":")
    signal = Signal((host, int(port)))
    context: BrowserContext = browser.new_context(
        base_url=signal.url,
        locale="zh-CN",
        # A phone in Altay keeps Beijing time, as the server's dates do.
        timezone_id=settings.TIME_ZONE,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
    )
    foreign = []
    context.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((signal.url, "data:", "blob:", "about:"))
            else foreign.append(request.url)
        ),
    )
    page = context.new_page()
    page.goto("/admin/login/?next=/field/")
    page.get_by_label("用户名").fill("fuhai-tech")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/field/")
    village, _records = fuhai_village
    # Once installed, the worker keeps Today (which takes every household's count).
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for url in ("/field/",):
        page.wait_for_function(
            f"""() => caches.open("lambing-field-v1").then(cache =>
                  cache.match("{url}", {{ignoreVary: true}})).then(Boolean)"""
        )
    page.reload()
    yield page, signal
    context.close()
    signal.close()
    server_requests.wait()
    assert not foreign, f"the page reached for other hosts: {foreign}"


def go_offline(page: Page, signal: Signal) -> None:
    signal.go_offline()
    page.context.set_offline(True)


def go_online(page: Page, signal: Signal) -> None:
    signal.go_online()
    page.context.set_offline(False)


@contextmanager
def while_offline(page: Page, signal: Signal) -> Iterator[None]:
    """The block run with the phone cut off from the server, then the signal back:
    the test's own writes to its database made meanwhile are not met half-written by
    the phone's requests (its roster, a kept page refreshed), which on SQLite's shared
    test database would also lock it as they are made. A second first, for what was
    on its way to end."""
    go_offline(page, signal)
    time.sleep(1)
    try:
        yield
    finally:
        go_online(page, signal)
