"""The field app laid out on a 360×740 phone, as a technician reads and types it:
the row being typed is never under the floating "Save all" bar, a label's two
languages are set apart, a Chinese word is never broken across two lines, and
buttons side by side do not touch. In Chinese, and in Kazakh in both scripts
(right to left in the Arabic one)."""

import datetime
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from livestock.models import Season
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.browser.conftest import loaded
from tests.conftest import PASSWORD, made_on

PHONE = {"width": 360, "height": 740}
HOUSEHOLDS = [
    ("赛力克·屈克木", "Sailike Qukemu"),
    ("阿依古丽·努尔", "Ayiguli Nuer"),
    ("别克·木合亚提", "Bieke Muheyati"),
    ("努尔兰·哈山", "Nurlan Hashan"),
    ("古丽米拉", "Gulimila"),
]
LANGUAGES = ["zh-hans", "kk", "kk-arab"]


@pytest.fixture
def households(qibaerwoyi, fuhai_technician) -> list:
    """齐巴尔窝依村's five households, each with a record in a season running today,
    made at its start and never counted: each row shows its flag ("no count for more
    than 7 days"), laid out with the rest."""
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=60),
    )
    records = [
        record_create(
            herder=herder_create(village=qibaerwoyi, name=name, name_latin=latin),
            season=season,
            ewes_at_start=100,
        )
        for name, latin in HOUSEHOLDS
    ]
    made_on(season.start_date, *records)
    return records


@pytest.fixture
def field_phone(
    browser: Browser, live_server, server_requests, fuhai_technician
) -> Iterator[Callable[[str], Page]]:
    """``field_phone(language)``: a 360×740 phone with the 福海县 technician logged
    in, the field app in ``language`` (chosen with the switch on the page)."""
    contexts = []

    def open_phone(language: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/?next=/field/")
        page.get_by_label("用户名").fill(fuhai_technician.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/field/")
        if language != "zh-hans":
            page.locator("#language-choice").select_option(language)
            with page.expect_navigation():
                page.locator(".language-choice button").click()
        return page

    yield open_phone
    for context in contexts:
        context.close()
    server_requests.wait()


# Where the focused field, its row and the row's Save button are on the screen, and
# the top of the "Save all" bar floating over the rows.
FOCUSED = """() => {
  const field = document.activeElement;
  const row = field.closest("form[data-entry-form]");
  if (!row || !field.matches("input, select, button")) return null;
  const box = (element) => element.getBoundingClientRect();
  return {
    field: field.name || field.textContent.trim(), record: row.dataset.record,
    field_bottom: box(field).bottom, save_bottom: box(row.querySelector("button.save")).bottom,
    row_top: box(row).top, bar_top: box(document.querySelector("[data-save-all]")).top,
  };
}"""


@pytest.mark.parametrize("language", ["zh-hans", "kk-arab"])
def test_the_row_being_typed_stays_above_the_save_all_bar(
    field_phone, households, qibaerwoyi, results_dir, language
):
    """Typed field by field with the keyboard's Next (Tab), each field came into view
    at the screen's foot, under "全部保存 Save all", with its row's 保存 Save button
    half under the bar: now the field, its whole row and the row's Save are above it."""
    page = field_phone(language)
    page.goto(f"/field/village/{qibaerwoyi.pk}/")
    loaded(page)
    expect(page.locator("[data-save-all]")).to_be_visible()
    page.locator(".crumbs a").focus()  # the link above the first row
    covered, typed = [], set()
    for _press in range(80):
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUSED)
        if where is None:
            continue
        typed.add(where["record"])
        if (
            max(where["field_bottom"], where["save_bottom"]) > where["bar_top"]
            or where["row_top"] < 0
        ):
            covered.append(where)
    page.screenshot(path=results_dir / f"village-typed-{language}-360px.png")
    assert typed == {str(record.pk) for record in households}
    assert covered == []


@pytest.mark.parametrize("language", ["zh-hans", "kk-arab"])
def test_a_field_tapped_just_above_save_all_brings_its_rows_save_above_the_bar(
    field_phone, households, qibaerwoyi, results_dir, language
):
    """A row's first field tapped where it showed, just above "全部保存 Save all",
    with the rest of its row under the bar: the browser left the page where it was,
    and the row's 保存 Save stayed under the bar. The page now moves it above."""
    page = field_phone(language)
    page.goto(f"/field/village/{qibaerwoyi.pk}/")
    loaded(page)
    bar = page.locator("[data-save-all]")
    expect(bar).to_be_visible()
    rows = page.locator("form[data-entry-form]")
    row = rows.nth(rows.count() - 1)
    field = row.locator(".counts input").first
    # The row's first field shown above the bar (clear of the scroll padding that
    # brings a field from elsewhere into view with its row), the row's Save under it.
    page.evaluate(
        """([field, bar]) => {
            const gap = bar.getBoundingClientRect().top - field.getBoundingClientRect().bottom;
            window.scrollBy(0, 60 - gap);
        }""",
        [field.element_handle(), bar.element_handle()],
    )
    save = row.locator("button.save")
    assert save.bounding_box()["y"] + save.bounding_box()["height"] > bar.bounding_box()["y"]
    # Tapped where it is: the mouse, as a finger, moves nothing first (a locator's
    # click scrolls its element into view, which a tap does not).
    spot = field.bounding_box()
    page.mouse.click(spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
    page.wait_for_timeout(300)
    where = page.evaluate(FOCUSED)
    page.screenshot(path=results_dir / f"village-tapped-{language}-360px.png")
    assert where["save_bottom"] <= where["bar_top"], where
    assert where["field_bottom"] <= where["bar_top"] and where["row_top"] >= 0, where


def test_a_field_left_before_the_next_frame_does_not_move_the_page(
    field_phone, households, qibaerwoyi, results_dir
):
    """The keyboard's Next pressed twice within one frame (a slow phone): the first
    field's "keep the row above Save all" ran after the focus had moved on, measured
    the row it had left, now far down the page, and scrolled the page by as much:
    the field being typed went 1,700 px above the screen."""
    page = field_phone("zh-hans")
    page.goto(f"/field/village/{qibaerwoyi.pk}/")
    loaded(page)
    expect(page.locator("[data-save-all]")).to_be_visible()
    rows = page.locator("form[data-entry-form]")
    last = rows.nth(rows.count() - 1).locator(".counts input").first
    first = rows.first.locator(".counts input").first
    # The last row's field focused, then the first row's, before the page draws again.
    page.evaluate(
        "([last, first]) => { last.focus(); first.focus(); }",
        [last.element_handle(), first.element_handle()],
    )
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    where = page.evaluate(FOCUSED)
    page.screenshot(path=results_dir / "village-focus-moved-on-360px.png")
    assert where["record"] == rows.first.get_attribute("data-record")
    assert where["row_top"] >= 0 and where["field_bottom"] <= where["bar_top"], where


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_headers_two_languages_are_set_apart(field_phone, households, language):
    """The bar's 今日 link read Бүгін今日 and بۇگىن今日: its flex box dropped the space
    between the two languages."""
    page = field_phone(language)
    loaded(page)
    gap = page.locator(".bar .home").evaluate(
        """(link) => {
          const range = document.createRange();
          range.selectNodeContents(link.firstChild);
          const first = range.getBoundingClientRect();
          const beside = link.querySelector("small").getBoundingClientRect();
          return Math.max(beside.left - first.right, first.left - beside.right);
        }"""
    )
    font_size = page.locator(".bar .home").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert gap >= 0.25 * font_size


# Every run of Chinese characters in the page's labels, names, buttons and headings
# drawn on more than one line.
CHINESE_BROKEN = """() => {
  const broken = [];
  const holders = "label, button, .bar, h1, h2, h3, summary, .flag, .totals, .last, .count";
  for (const holder of document.querySelectorAll(holders)) {
    const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("select") || !node.parentElement.checkVisibility()) continue;
      for (const word of node.textContent.matchAll(/[\\u3400-\\u9fff]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_chinese_labels_are_never_broken_inside_a_word(
    field_phone, households, qibaerwoyi, results_dir, language
):
    """Beside Kazakh at 360 px, 成活检查 was drawn 成活检 / 查 and 死亡羔羊 死亡羔 / 羊."""
    page = field_phone(language)
    for name, url in (("village", f"/field/village/{qibaerwoyi.pk}/"), ("today", "/field/")):
        page.goto(url)
        loaded(page)
        page.screenshot(path=results_dir / f"{name}-{language}-360px.png", full_page=True)
        assert page.evaluate(CHINESE_BROKEN) == [], name


@pytest.mark.parametrize("language", ["zh-hans", "kk-arab"])
def test_the_buttons_of_what_needs_attention_do_not_touch(
    field_phone, households, qibaerwoyi, results_dir, language
):
    """A count the server refused waits under 需要处理 with two buttons, drawn with no
    gap between them."""
    page = field_phone(language)
    page.goto(f"/field/village/{qibaerwoyi.pk}/")
    row = page.locator(f'form[data-record="{households[1].pk}"]')
    row.locator('[name="lambs_lost"]').fill("5")
    row.locator('[name="loss_cause"]').select_option("cold")
    row.locator("button.save").click()
    buttons = page.locator(f'[data-attention] li[data-outbox-record="{households[1].pk}"] button')
    expect(buttons).to_have_count(2, timeout=20_000)
    page.screenshot(path=results_dir / f"needs-attention-{language}-360px.png")
    first, second = (buttons.nth(index).bounding_box() for index in (0, 1))
    apart_across = max(
        second["x"] - (first["x"] + first["width"]), first["x"] - (second["x"] + second["width"])
    )
    apart_down = second["y"] - (first["y"] + first["height"])
    assert max(apart_across, apart_down) >= 8
