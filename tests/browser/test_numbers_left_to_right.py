"""Numbers and the divisions between them read left to right on a right-to-left
page. In Arabic-script Kazakh a rate's "= 56 ÷ 40" was drawn "40 ÷ 56 =" (the
signs between the numbers took the page's direction), and an official checking
it with a calculator could divide the wrong way round; so were "12 / 40"
households, the bulletin's divisions, the outliers' losses ÷ lambs born, and the
dates after a Kazakh label (the bulletin's figures on a phone: 11-02-2025)."""

import datetime

import pytest

from tests.browser.conftest import loaded
from tests.browser.test_kazakh import switch_language
from tests.conftest import PASSWORD
from tests.test_outliers_forecast import household

PHONE = 360
AS_OF = "2025-02-11"

# Each division of two numbers drawn on the page ("= 56 ÷ 40", "12 / 40", "(33 ÷ 100)")
# and each date (2025-02-11), with where each of its parts is drawn (line, then left edge),
# in the order they are read: the "=" when it is the formula's own (in the bulletin's
# "产羔数 ÷ 产羔母羊 = 56 ÷ 40" it joins the sentence's words, in their direction, to the
# numbers), the numerator, the sign, the denominator; a date's year, month and day.
READ_LEFT_TO_RIGHT = r"""() => {
  const isolates = "[\u2066-\u2069]*";
  const kinds = [
    [new RegExp(`(=\\s*)?(\\d[\\d,.]*)(${isolates}\\s*(?:÷|/)\\s*${isolates})(\\d[\\d,.]*)`, "g"),
     (part, index) => (index === 0 ? "=" : index === 2 ? part.match(/[÷/]/)[0] : part)],
    [/(\d{4})(-)(\d{2})(-)(\d{2})/g, (part) => part],
  ];
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.checkVisibility()) continue;
    for (const [pattern, drawnOf] of kinds) {
      for (const match of node.textContent.matchAll(pattern)) {
        const drawn = [];
        let at = match.index;
        match.slice(1).forEach((part, index) => {
          if (part === undefined) return;
          const shown = drawnOf(part, index);
          const start = at + part.indexOf(shown);
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, start + shown.length);
          const box = range.getBoundingClientRect();
          drawn.push([Math.round(box.top), box.left]);
          at += part.length;
        });
        found.push({text: match[0], drawn});
      }
    }
  }
  return found;
}"""


@pytest.fixture
def burqin_counted(tongke, winter_2024):
    """Seven households of 窝依莫克镇, one of which lost a third of its lambs (an
    outlier), and one with losses in the last days (a spike)."""
    for number, lost in enumerate((2, 3, 2, 4, 3, 2, 33)):
        household(tongke, number, winter_2024, lost=lost)
    household(tongke, 7, winter_2024, born=20, lost=6, on=datetime.date(2025, 2, 10))


def reversed_numbers(page) -> list[str]:
    """The divisions and dates on the page drawn other than left to right, line after line."""
    return [
        found["text"]
        for found in page.evaluate(READ_LEFT_TO_RIGHT)
        if found["drawn"] != sorted(found["drawn"])
    ]


@pytest.mark.parametrize("language", ["kk-arab", "zh-hans"])
def test_divisions_and_dates_read_left_to_right_in_a_right_to_left_page(
    new_page, log_in, burqin_official, burqin, winter_2024, burqin_counted, results_dir, language
):
    page = new_page(width=PHONE)
    log_in(page, burqin_official.username, PASSWORD)
    page.goto("/")
    if language != "zh-hans":
        switch_language(page, language)
    query = f"season={winter_2024.pk}&as_of={AS_OF}&place=county:{burqin.pk}"
    reversed_on = {}
    for name in ("summary", "bulletin", "reporting", "outliers"):
        page.goto(f"/{'' if name == 'summary' else name + '/'}?{query}")
        loaded(page)
        page.screenshot(path=results_dir / f"{name}-{language}-{PHONE}px.png", full_page=True)
        shown = [found["text"] for found in page.evaluate(READ_LEFT_TO_RIGHT)]
        assert any("÷" in text or "/" in text for text in shown), f"{name}: no division shown"
        reversed_on[name] = reversed_numbers(page)
    assert reversed_on == {"summary": [], "bulletin": [], "reporting": [], "outliers": []}
