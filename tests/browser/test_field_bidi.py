"""Chinese beside Arabic-script Kazakh on the field app's phone pages: each language's
text in its own language and laid out in its own direction.

On a right-to-left page (kk-arab) the field app shows each text in Kazakh with the
Chinese beside it. The date-outside-season message's Chinese half named the season
in Kazakh (the rules description named it once, in the language it was fetched in,
and the phone kept that copy for pages of every language), and after the Arabic
letters Chromium drew the season's start 2026-12-01 as 01-12-2026. The server's
refusals under 需要处理 were one string of both languages, and a village page's hint
set its Chinese after the Kazakh with nothing isolating it: the Chinese part's
closing bracket and full stop were drawn at its wrong end ("。数）").

What is checked is what a reader sees: the texts, and the order Chromium draws
their characters in (each character's box, left to right).

A household's last count ("上次: 2026-12-06") and Today's date in its heading came
after Arabic letters with nothing isolating them: Chromium took the date's numbers for
Arabic numbers and drew 06-12-2026, the day first, beside the rows' own dates (the
timeline's, the entries') drawn as written.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect

from livestock.models import Season
from livestock.services.entries import entry_create
from tests.browser.conftest import loaded
from tests.browser.field_phone import go_offline, go_online
from tests.browser.test_field import (
    LOSSES_EXCEED_BORN,
    enter,
    in_language,
    row,
    switch_language_and_refresh,
)
from tests.browser.test_field_privacy import open_and_keep

OUTSIDE_SEASON = (
    "%(value)s is outside the season %(season)s, which runs from %(start)s to %(end)s "
    "(rule: entries fall within their season)."
)
ARABIC_LETTERS = re.compile("[\u0600-\u06ff]")


def isolated(text: str) -> str:
    return f"\u2068{text}\u2069"


def outside_season(language: str, season: Season, value: str) -> str:
    """The rule's message for ``value`` in ``language``, as the phone fills it in: the
    season named in that language, the dates and the name isolated."""
    with translation.override(language):
        return translation.gettext(OUTSIDE_SEASON) % {
            "value": isolated(value),
            "season": isolated(season.name),
            "start": isolated(season.start_date.isoformat()),
            "end": isolated(season.end_date.isoformat()),
        }


def drawn_left_to_right(element: Locator, text: str) -> list[str]:
    """The characters of ``text`` (found in one of ``element``'s text nodes) in the
    order Chromium draws them, left to right on their line."""
    return element.evaluate(
        """(element, text) => {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(text);
                if (at < 0) continue;
                const boxes = Array.from(text).map((character, i) => {
                    const range = document.createRange();
                    range.setStart(node, at + i);
                    range.setEnd(node, at + i + 1);
                    const box = range.getBoundingClientRect();
                    return {character, left: box.left, top: Math.round(box.top)};
                });
                if (new Set(boxes.map(box => box.top)).size !== 1) return ["on two lines"];
                return boxes.sort((a, b) => a.left - b.left).map(box => box.character);
            }
            return ["not found"];
        }""",
        text,
    )


def type_a_date_outside_the_season(page: Page, record, value: str) -> Locator:
    """Types a count dated ``value`` in the household's row, saves it, and returns the
    date's error."""
    form = row(page, record)
    form.locator('[name="date"]').fill(value)
    form.locator('[name="lambs_born"]').fill("1")
    form.get_by_role("button", name="保存").click()
    return form.locator('[data-error-for="date"]')


def test_a_date_outside_the_season_is_refused_with_each_languages_own_season_name(
    phone, fuhai_village, results_dir
):
    page, signal = phone
    village, records = fuhai_village
    season = Season.objects.get()
    value = (season.start_date - datetime.timedelta(days=11)).isoformat()
    start = season.start_date.isoformat()
    # The village's page kept in Chinese, before the technician switches to Kazakh.
    open_and_keep(page, f"/field/village/{village.pk}/")
    page.goto("/field/")
    switch_language_and_refresh(page, "kk-arab")
    go_offline(page, signal)

    error = type_a_date_outside_the_season(page, records[0], value)
    # The Chinese half names the season in Chinese ("2026–2027 冬羔"), not in Kazakh.
    expect(error).to_contain_text(outside_season("zh-hans", season, value))
    kazakh = error.locator('bdi[lang="kk-arab"][dir="rtl"]')
    chinese = error.locator('bdi[lang="zh-hans"][dir="ltr"]')
    expect(kazakh).to_have_text(outside_season("kk-arab", season, value))
    expect(chinese).to_have_text(outside_season("zh-hans", season, value))
    assert not ARABIC_LETTERS.search(chinese.text_content())
    # 2026-12-01 drawn as it is written, in either half.
    assert drawn_left_to_right(chinese, start) == list(start)
    assert drawn_left_to_right(kazakh, start) == list(start)
    error.screenshot(path=results_dir / "outside-the-season-kk-arab.png")

    # The village's page kept in Chinese, opened with no signal after the switch: the
    # rules the phone kept since (fetched on the Kazakh page) name the season in
    # Chinese and English too.
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    error = type_a_date_outside_the_season(page, records[0], value)
    expect(error).to_have_text(
        f"{outside_season('zh-hans', season, value)} · {outside_season('en', season, value)}"
    )
    assert not ARABIC_LETTERS.search(error.text_content())
    error.screenshot(path=results_dir / "outside-the-season-zh-hans.png")


def test_a_refusal_under_needs_attention_keeps_the_chinese_punctuation_at_its_end(
    phone, fuhai_village, results_dir
):
    page, signal = phone
    _village, records = fuhai_village
    today = timezone.localdate().isoformat()
    switch_language_and_refresh(page, "kk-arab")

    # A loss with no lamb born, refused by the server once uploaded.
    go_offline(page, signal)
    enter(page, records[1], lambs_lost=5, loss_cause="cold")
    go_online(page, signal)
    refused = page.locator(f'[data-attention] li[data-outbox-record="{records[1].pk}"]')
    message = refused.locator("[data-server-message]")
    rule = {
        language: in_language(language, LOSSES_EXCEED_BORN, date=today, losses=5, born=0)
        for language in ("kk-arab", "zh-hans")
    }
    expect(message).to_contain_text(rule["zh-hans"], timeout=20_000)
    # Its bracket and full stop drawn at the end of the Chinese, not "。数）".
    assert rule["zh-hans"].endswith("数）。")
    assert drawn_left_to_right(message, "数）。") == list("数）。")
    chinese = message.locator('bdi[lang="zh-hans"][dir="ltr"]')
    expect(chinese).to_have_text(f"死亡羔羊：{rule['zh-hans']}")
    expect(message.locator('bdi[lang="kk-arab"][dir="rtl"]')).to_contain_text(rule["kk-arab"])
    refused.screenshot(path=results_dir / "refused-kk-arab.png")


def test_a_village_pages_hint_keeps_its_chinese_full_stop_at_its_end(
    phone, fuhai_village, results_dir
):
    """The hint at the top of a village's page, Kazakh with the Chinese beside it."""
    page, _signal = phone
    village, _records = fuhai_village
    switch_language_and_refresh(page, "kk-arab")
    page.goto(f"/field/village/{village.pk}/")
    loaded(page)
    hint = page.locator("p.hint")
    assert drawn_left_to_right(hint, "全部保存。") == list("全部保存。")
    expect(hint.locator('bdi[lang="zh-hans"][dir="ltr"]')).to_have_text(
        "每户一行，填今日计数后保存；也可全部保存。"
    )
    page.evaluate("scrollTo(0, 0)")
    page.screenshot(path=results_dir / "village-hint-kk-arab.png")


@pytest.fixture
def counted_two_days_ago(fuhai_village) -> str:
    """The first household counted two days ago: made before the phone opens a page (a
    write while the live server reads SQLite's shared in-memory database fails at once,
    "database table is locked")."""
    _village, records = fuhai_village
    counted = timezone.localdate() - datetime.timedelta(days=2)
    entry_create(record=records[0], date=counted, lambs_born=3)
    return counted.isoformat()


def test_a_households_last_count_and_todays_date_are_drawn_as_written_on_a_kazakh_page(
    counted_two_days_ago, phone, fuhai_village, results_dir
):
    page, _signal = phone
    village, records = fuhai_village
    today = timezone.localdate().isoformat()
    counted = counted_two_days_ago
    switch_language_and_refresh(page, "kk-arab")
    for url in ("/field/", f"/field/village/{village.pk}/", f"/field/record/{records[0].pk}/"):
        page.goto(url)
        loaded(page)
        last = page.locator(f'form[data-record="{records[0].pk}"] [data-last-count]')
        expect(last).to_have_text(counted)
        assert drawn_left_to_right(last.locator("xpath=.."), counted) == list(counted), url
    page.goto("/field/")
    loaded(page)
    heading = page.locator("h1")
    expect(heading.locator("[data-today-shown]")).to_have_text(today)
    assert drawn_left_to_right(heading, today) == list(today)
    page.locator(f'form[data-record="{records[0].pk}"]').screenshot(
        path=results_dir / "last-count-kk-arab.png"
    )
