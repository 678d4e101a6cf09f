"""Fixtures for tests that drive a real Chromium through Playwright.

The browser is Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``);
Playwright never downloads one. Each test gets pages on the live server,
in Chinese, at a phone's or a desktop's width, and fails if the page reached
for anything outside that server.
"""

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import OperationalError
from playwright.sync_api import Browser, Page, Route, sync_playwright

# The field app's phone (a village, a technician logged in, a signal to cut), for the
# field app's tests in more than one module.
from tests.browser.field_phone import fuhai_village, phone  # noqa: F401

# Playwright's sync API runs its asyncio event loop on the test thread, and the
# session-wide browser keeps it there until the run ends. Django then sees a
# running loop and refuses every ORM call with SynchronousOnlyOperation, in
# these tests and in any test that runs after them. No Django code is called
# from a coroutine here, so lifting that guard for the run is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_WIDTH = 390
# Below Django admin's responsive breakpoint (767 px) a page is a phone's.
PHONE_MAX_WIDTH = 767
# Schemes that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about"}

BROWSER_TESTS = Path(__file__).parent


# Overlapping or clipped text, and a page that scrolls sideways (layout_problems.js).
LAYOUT_PROBLEMS = (Path(__file__).parent / "layout_problems.js").read_text()


def loaded(page: Page) -> None:
    """Returns once the page has loaded what it is laid out with: its stylesheets,
    scripts and fonts. A click or an expectation goes on as soon as the next page's
    text is there; on a busy machine its stylesheets may still be on their way, and
    the page is then laid out without them (a table as wide as its columns, the page
    980 px wide before its viewport's width applies), which a phone never paints: a
    page measured, or a button aimed at, then is one no user sees. ``document.fonts.ready``
    alone is no wait: it is ready before a late stylesheet has asked for its fonts."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => null)")


def wait_until_stored(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    """Waits until ``check()``, a read of the test's database, is true: what the
    page sent has reached the server. The live server may be writing as it is
    read; on SQLite's in-memory test database (one cache shared by the server's
    thread and the test's) the read then fails at once with "database table is
    locked", a lock of the shared cache that waits for no timeout, and is tried
    again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OperationalError as error:
            if "locked" not in str(error):
                raise
        assert time.monotonic() < deadline, f"not stored within {timeout} s: {what}"
        time.sleep(0.2)


def page_width(page: Page) -> int:
    """How wide the page lays out once it has loaded (to compare with a phone's
    width): what the phone's user sees, not a page still loading on a busy machine."""
    loaded(page)
    return page.evaluate("document.documentElement.scrollWidth")


def layout_problems(page: Page) -> list[str]:
    """What layout_problems.js finds on the page once it has loaded, the same wherever
    it is scrolled (its top, a third of the way, its end and where it was, a bar
    floating over the rows covers other rows at each): a sentence for each problem,
    with the scroll it was found at. The page is left where it was."""
    loaded(page)
    scrolled = page.evaluate("scrollY")
    end = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    problems = []
    for top in sorted({scrolled, 0, end // 3, end}):
        page.evaluate(f"scrollTo(0, {top})")
        found = page.evaluate(LAYOUT_PROBLEMS)
        problems += [f"scrolled to {top} px: {problem}" for problem in found]
    page.evaluate(f"scrollTo(0, {scrolled})")
    return problems


# Where ``new_page`` leaves the URLs of other hosts a test's pages asked for.
FOREIGN_REQUESTS = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser ``browser``, so ``-m "not browser"``
    leaves them out. The hook sees the whole session's items, hence the path test."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test itself (not its teardown) when its pages reached for another host.
    A test that fails leaves what its pages showed then (``keep_pages_shown``)."""
    try:
        result = yield
    except (Exception, pytest.fail.Exception):  # a failure; not a skip or an interrupt
        keep_pages_shown(item)
        raise
    foreign = item.stash.get(FOREIGN_REQUESTS, [])
    if foreign:
        pytest.fail(
            "the page requested hosts other than the live server:\n" + "\n".join(foreign),
            pytrace=False,
        )
    return result


def results_folder(item: pytest.Item) -> Path:
    """``test-results/<test name>/``: where a test's screenshots go (git-ignored; CI
    can keep it as an artifact)."""
    return item.config.rootpath / "test-results" / re.sub(r"[^\w.-]+", "_", item.name).strip("_")


# The browser of the run, once started (``browser``).
LAUNCHED: list[Browser] = []


def keep_pages_shown(item: pytest.Item) -> None:
    """What each open page showed as its test failed, for a failure seen only on a
    busy machine: its address and its first lines in the test's report, and a
    screenshot in ``test-results/<test name>/failed-<n>.png``."""
    pages = [page for browser in LAUNCHED for context in browser.contexts for page in context.pages]
    if not pages:
        return
    folder = results_folder(item)
    folder.mkdir(parents=True, exist_ok=True)
    shown = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.locator("body").inner_text(timeout=5_000)[:600]
            page.screenshot(path=folder / f"failed-{number}.png", timeout=5_000)
        except Exception as error:  # a page closing or navigating: say so, keep the rest
            text = f"(not read: {error})"
        shown.append(f"page {number}: {page.url}\n{text}")
    item.add_report_section("call", "pages shown at the failure", "\n\n".join(shown))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, started once for the run.

    Missing on a developer's machine, the tests are skipped; missing in CI
    (``CI`` set), they fail, since ``.ci/run`` should have installed it."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} not found: install Debian's chromium and fonts-noto-cjk "
            "(apt-get install --no-install-recommends chromium fonts-noto-cjk)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    LAUNCHED.append(chromium)
    yield chromium
    LAUNCHED.remove(chromium)
    chromium.close()
    playwright.stop()


class RequestsInFlight:
    """The live server's application, counting the requests it has not finished
    answering (an answer is finished once closed: Django's request_finished has run).

    A page closed at a test's end may leave a request of its own (the field app's
    roster, asked for as each page loads) still running on the server. The test's
    database is emptied as the test ends, from the test's thread, and a request
    reading it meanwhile makes that fail ("database table is locked", SQLite) or fails
    itself; so a test's pages are closed, then the server is waited for."""

    def __init__(self, application):
        self.application = application
        self.running = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        with self.changed:
            self.running += 1
        try:
            answer = self.application(environ, start_response)
        except BaseException:
            self.finished()
            raise
        return _Answer(answer, self.finished)

    def finished(self) -> None:
        with self.changed:
            self.running -= 1
            self.changed.notify_all()

    def wait(self, timeout: float = 60) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.running == 0, timeout):
                raise AssertionError(f"the live server still answers {self.running} requests")


class _Answer:
    """An answer's body, as the server sends it, that says when it is closed."""

    def __init__(self, body: Iterable[bytes], closed: Callable[[], None]):
        self.body = body
        self.closed = closed

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.closed()


@pytest.fixture(scope="session")
def server_requests(live_server) -> RequestsInFlight:
    """The live server's requests in flight (``RequestsInFlight``), counted for the run."""
    server = live_server.thread.httpd
    counted = RequestsInFlight(server.get_app())
    server.set_app(counted)
    return counted


@pytest.fixture
def new_page(
    browser: Browser, live_server, server_requests, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Opens pages on the live server: ``new_page(width=390)``.

    Each page has its own context (cookies, storage), the locale zh-CN, a
    base URL so that ``page.goto("/admin/")`` works, and a phone's touch
    screen below 768 px. Requests to any other host are aborted, and fail
    the test with the list of what was reached for."""
    own_host = urlsplit(live_server.url).netloc
    foreign = request.node.stash.setdefault(FOREIGN_REQUESTS, [])
    contexts = []

    def is_foreign(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme not in LOCAL_SCHEMES and parts.netloc != own_host

    def record(url: str) -> None:
        if is_foreign(url):
            foreign.append(url)

    def keep_local(route: Route) -> None:
        if is_foreign(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def open_page(width: int = PHONE_WIDTH) -> Page:
        phone_width = width <= PHONE_MAX_WIDTH
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            viewport={"width": width, "height": 844 if phone_width else 800},
            is_mobile=phone_width,
            has_touch=phone_width,
        )
        contexts.append(context)
        context.on("request", lambda browser_request: record(browser_request.url))
        context.route("**/*", keep_local)
        return context.new_page()

    yield open_page

    for context in contexts:
        context.close()
    server_requests.wait()


@pytest.fixture
def log_in() -> Callable[[Page, str, str], None]:
    """Logs in through the admin's login page, as a technician would:
    ``log_in(page, username, password)``. Returns once the next page has
    loaded, whether the login was accepted or not."""

    def submit_login_form(page: Page, username: str, password: str) -> None:
        page.goto("/admin/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return submit_login_form


@pytest.fixture
def results_dir(request: pytest.FixtureRequest) -> Path:
    """An empty folder for this test's screenshots (``results_folder``)."""
    folder = results_folder(request.node)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
