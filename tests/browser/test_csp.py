"""The pages work under the Content-Security-Policy: Chromium reports no
violation while a technician saves a count and uses the admin's filters, an
official reads a summary, and an integrator reads the API docs."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from livestock.models import County, Prefecture, Township
from tests.conftest import PASSWORD, make_user

# Every violation is also an event on the page; collect them before any script runs.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(new_page):
    """``watched(width)``: a page whose CSP violations, console errors and script
    errors are gathered; the test's end asserts there were none."""
    pages: list[tuple[Page, list[str]]] = []

    def open_page(width: int = 1280) -> Page:
        page = new_page(width=width)
        problems: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" or "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        pages.append((page, problems))
        return page

    yield open_page

    for page, problems in pages:
        violations = page.evaluate("window.cspViolations || []")
        assert (violations, problems) == ([], [])


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.fixture
def seeded(db):
    call_command("seed_reports", verbosity=0)


def test_the_admins_count_form_and_filters_work_under_the_policy(
    seeded, watched, log_in, results_dir
):
    make_user("tech", "technician", Township.objects.get(name="窝依莫克镇"))
    page = watched(1280)
    log_in(page, "tech", PASSWORD)
    page.goto("/admin/livestock/lambingrecord/")
    page.get_by_role("link", name="别克·木合亚提 Bieke Muheyati").click()

    # Today's count, with the browser's own date picker (an <input type="date">:
    # no script of the admin's), saved and shown on the record's page.
    page.locator("#today_date").fill("2025-02-10")
    page.locator("#today_lambs_born").fill("2")
    page.get_by_role("button", name="保存计数").click()
    expect(page.locator(".messagelist")).to_contain_text("2025-02-10")
    page.screenshot(path=results_dir / "admin-todays-count.png", full_page=True)

    # The list's filters, and admin/js/filters.js, which keeps a filter folded
    # across pages once its title is clicked.
    page.goto("/admin/livestock/lambingrecord/")
    page.locator("#changelist-filter a[href='?flag=any']").click()
    expect(page).to_have_url(re.compile(r"flag=any"))
    # The address changes before the new page's deferred scripts have run; a
    # click on a filter's title before filters.js listens is never stored (on
    # a loaded machine this test timed out below, waiting for the stored state).
    page.wait_for_load_state("load")
    flags = page.locator("#changelist-filter details").first
    expect(flags).to_have_attribute("open", "")
    flags.locator("summary").click()
    # filters.js stores the folded state on the "toggle" event, a task after the
    # click: reloading before it has run would find nothing stored.
    page.wait_for_function(
        "() => JSON.parse(sessionStorage.getItem('django.admin.filtersState') || '{}')"
        "['数据质量标记'] === false"
    )
    page.reload()
    expect(page.locator("#changelist-filter details").first).not_to_have_attribute("open", "")
    page.locator("#searchbar").fill("Bieke")
    page.locator("#searchbar").press("Enter")
    expect(page).to_have_url(re.compile(r"q=Bieke"))
    assert violations(page) == []


def test_a_summary_page_works_under_the_policy(seeded, watched, log_in, results_dir):
    make_user("bureau", "official", Prefecture.objects.get(name="阿勒泰地区"))
    page = watched(1280)
    log_in(page, "bureau", PASSWORD)
    page.goto("/")
    burqin = County.objects.get(name="布尔津县")
    page.get_by_role("link", name=str(burqin)).first.click()
    expect(page.locator("h1")).to_contain_text("布尔津县")
    expect(page.locator("svg.chart").first).to_be_visible()
    page.screenshot(path=results_dir / "summary.png", full_page=True)
    assert violations(page) == []


def test_the_api_docs_render_their_operations_under_the_policy(
    seeded, watched, log_in, results_dir
):
    make_user("bureau", "official", Prefecture.objects.get(name="阿勒泰地区"))
    page = watched(1280)
    log_in(page, "bureau", PASSWORD)
    page.goto("/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/v1/")
    # Open one operation: Swagger UI draws its parameters and responses.
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.screenshot(path=results_dir / "api-docs.png", full_page=True)
    assert violations(page) == []
