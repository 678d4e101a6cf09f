"""The layout checker (layout_problems.js) on small pages of its own: a bar that floats
over rows scrolling under it (the field app's "save all") is a layer, not text over
text, wherever the page is scrolled; text over text inside the bar, the page's text
over the bar where it rests, and a bar that hides a line at every scroll are problems,
wherever the page is scrolled too. Text kept for screen readers only is drawn nowhere;
a page is checked once its stylesheets have arrived, as a phone would draw it."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import layout_problems

LAYOUT_PROBLEMS = (Path(__file__).parent / "layout_problems.js").read_text()

ROWS = "".join(f"<p class=row>Row {number}: lambs born, survival check</p>" for number in range(40))
PAGE = """<!DOCTYPE html><html lang=en><head><meta name=viewport content="width=device-width">
<style>
  * {{ box-sizing: border-box; }}
  body {{ margin: 0; font: 17px/1.45 sans-serif; }}
  .row {{ margin: 0; padding: 10px 12px; border-bottom: 1px solid #ccc; }}
  .bar {{ {bar} width: 100%; font-size: 1.1rem; min-height: 44px; }}
  {extra}
</style></head><body><main>{rows}<button class=bar>{label}</button>{after}</main></body></html>"""
STICKY = "position: sticky; bottom: 8px;"
SAVE_ALL = "Save all"
AFTER = "<p>What follows the rows: a household to add.</p>"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    yield context.new_page()
    context.close()


def problems_at_every_scroll(page: Page, html: str) -> list[str]:
    """The checker's verdict, the same with the page scrolled to its top, two places
    between and its end (and each time the page is left where it was)."""
    page.set_content(html)
    end = page.evaluate("document.documentElement.scrollHeight - innerHeight")
    assert end > 1000  # the rows are taller than the screen
    verdicts = []
    for top in (0, 333, end // 2, end):
        page.evaluate(f"scrollTo(0, {top})")
        verdicts.append(page.evaluate(LAYOUT_PROBLEMS))
        assert page.evaluate("scrollY") == top
    assert all(verdict == verdicts[0] for verdict in verdicts), verdicts
    return verdicts[0]


def test_rows_scrolling_under_a_sticky_bar_are_no_problem(phone):
    html = PAGE.format(bar=STICKY, extra="", rows=ROWS, label=SAVE_ALL, after=AFTER)
    assert problems_at_every_scroll(phone, html) == []
    # Compared where they are drawn, a row and the bar stuck over it would overlap.
    phone.evaluate("scrollTo(0, 0)")
    bar = phone.locator(".bar").bounding_box()
    assert bar["y"] + bar["height"] == 740 - 8


def test_text_over_text_inside_the_bar_is_a_problem(phone):
    label = f"{SAVE_ALL}<span style='margin-inline-start: -3em'>Saved</span>"
    html = PAGE.format(bar=STICKY, extra="", rows=ROWS, label=label, after=AFTER)
    assert problems_at_every_scroll(phone, html) == ['<button> "Save all" overlaps <span> "Saved"']


def test_the_pages_text_over_the_bar_where_it_rests_is_a_problem(phone):
    extra = ".after { margin-top: -44px; }"
    after = '<p class="after">What follows, drawn over the bar.</p>'
    html = PAGE.format(bar=STICKY, extra=extra, rows=ROWS, label=SAVE_ALL, after=after)
    assert problems_at_every_scroll(phone, html) == [
        '<button> "Save all" overlaps <p> "What follows, drawn over the b"',
        '<p> "What follows, drawn over the b" stays under <button> "Save all" at any scroll',
    ]


def test_a_bar_that_hides_the_last_row_at_every_scroll_is_a_problem(phone):
    """A fixed bar with no room left for it at the page's end: the last row never
    scrolls out from under it."""
    fixed = "position: fixed; bottom: 0; inset-inline-start: 0;"
    html = PAGE.format(bar=fixed, extra="", rows=ROWS, label=SAVE_ALL, after="")
    assert problems_at_every_scroll(phone, html) == [
        '<p> "Row 39: lambs born, survival c" stays under <button> "Save all" at any scroll'
    ]


def test_text_for_screen_readers_only_is_no_problem_and_text_cut_off_is(phone):
    """Django's admin labels its theme button for screen readers in a 1 px box clipped
    to nothing (.visually-hidden); the same text in a box too narrow for it is cut off."""
    hidden = (
        "position: absolute; width: 1px; height: 1px; padding: 0; overflow: hidden;"
        " clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;"
    )
    label = "<span class=label>Toggle theme (current theme: auto)</span>"
    html = PAGE.format(bar="", extra=f".label {{ {hidden} }}", rows=ROWS, label=label, after="")
    assert problems_at_every_scroll(phone, html) == []
    narrow = ".label { display: block; width: 40px; overflow: hidden; white-space: nowrap; }"
    html = PAGE.format(bar="", extra=narrow, rows=ROWS, label=label, after="")
    assert problems_at_every_scroll(phone, html) == [
        '<span> "Toggle theme (current theme: a" is cut off'
    ]


WIDE_TABLE = """<!DOCTYPE html><html lang=en><head><meta name=viewport content="width=device-width">
<link rel=stylesheet href=/late.css></head><body><h1>Preview</h1>
<div class=box><table><tr>{cells}</tr></table></div><button>Preview</button></body></html>"""
SCROLLS_IN_ITS_BOX = b".box { overflow-x: auto; max-width: 100%; }"


class _PageWithALateStylesheet(BaseHTTPRequestHandler):
    """A page whose stylesheet, which keeps its wide table scrolling inside its box,
    arrives a second after the page, as on a busy machine."""

    def do_GET(self) -> None:
        if self.path == "/late.css":
            time.sleep(1)
            body, kind = SCROLLS_IN_ITS_BOX, "text/css"
        else:
            cells = "<td>lambs born</td>" * 40
            body, kind = WIDE_TABLE.format(cells=cells).encode(), "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def late_stylesheet() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageWithALateStylesheet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_a_page_is_checked_once_its_stylesheets_have_arrived(phone, late_stylesheet):
    """The table is on the page before the stylesheet that keeps it in its box: laid
    out then, the page is thousands of pixels wide, which a phone never draws (it
    waits for the page's stylesheets); checked, it is the page a phone shows."""
    phone.goto(late_stylesheet, wait_until="commit")
    expect(phone.get_by_role("button", name="Preview")).to_be_visible()
    assert layout_problems(phone) == []
