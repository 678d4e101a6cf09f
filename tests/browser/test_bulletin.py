"""An official opens the bulletin of 布尔津县 and prints it: the printed page
holds the bulletin alone, with the reported and recorded numbers."""

from django.core.management import call_command
from playwright.sync_api import expect

from livestock.models import County, Season
from tests.browser.conftest import page_width
from tests.browser.test_kazakh import switch_language
from tests.conftest import PASSWORD, make_user


def test_an_official_prints_the_bulletin_of_burqin(new_page, log_in, results_dir):
    call_command("seed_reports", verbosity=0)
    burqin = County.objects.get(name="布尔津县")
    season = Season.objects.get()
    make_user("burqin-official", "official", burqin)

    page = new_page(width=1280)
    log_in(page, "burqin-official", PASSWORD)
    page.goto(f"/bulletin/?season={season.pk}&as_of=2025-02-11&place=county:{burqin.pk}")
    bulletin = page.locator("article.bulletin")
    # Each figure carries its number in the list of sources (a superscript).
    expect(bulletin).to_contain_text("截至2月11日，布尔津县已产羔50只1（报道1.2万只2，2月11日）")
    expect(bulletin).to_contain_text("18.6万余只")
    expect(bulletin.locator(".bulletin-text .figure.reported")).to_have_count(2)
    page.screenshot(path=results_dir / "bulletin-screen.png", full_page=True)

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("form.summary-query")).to_be_hidden()
    expect(bulletin).to_be_visible()
    page.screenshot(path=results_dir / "bulletin-printed.png", full_page=True)
    printed = page.pdf(format="A4")
    (results_dir / "bulletin-printed.pdf").write_bytes(printed)
    assert printed.startswith(b"%PDF")

    phone = new_page(width=390)
    log_in(phone, "burqin-official", PASSWORD)
    phone.goto(f"/bulletin/?season={season.pk}&as_of=2025-02-11&place=county:{burqin.pk}")
    expect(phone.locator("article.bulletin")).to_contain_text("1.2万只")
    phone.screenshot(path=results_dir / "bulletin-phone.png", full_page=True)
    assert page_width(phone) <= 390
    # On a phone each figure is a block: its name on one line (the table's name
    # column was squeezed to one character, 产/羔/数 down the cell), and its value,
    # source, date and basis within the screen, each named.
    figures = phone.locator(".bulletin-figures tbody tr")
    expect(figures.first).to_be_visible()
    read = figures.evaluate_all(
        """rows => rows.map(row => {
            const name = row.querySelector(".what");
            const range = document.createRange();
            range.selectNodeContents(name);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            const cells = [...row.cells];
            const right = Math.max(...cells.map(cell => cell.getBoundingClientRect().right));
            const labels = cells.map(cell => getComputedStyle(cell, "::before").content);
            return [name.textContent.trim(), lines, right, labels.join(" ")];
        })"""
    )
    assert all(lines == 1 for _name, lines, _right, _text in read), read
    assert all(right <= 390 for _name, _lines, right, _text in read), read
    labels = read[0][3]
    assert all(label in labels for label in ("数值", "来源", "日期", "依据")), labels


# Where the report's quote in the list of figures draws its first and last
# characters (《 and ”) and the characters beside them: line, then left edge.
QUOTE_ENDS = r"""() => {
  const cell = [...document.querySelectorAll(".bulletin-figures tr.reported td")]
    .find(td => td.textContent.includes("据了解"));
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  const boxes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let at = 0; at < node.textContent.length; at++) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const box = range.getBoundingClientRect();
      if (node.textContent[at].trim()) boxes.push([Math.round(box.top), box.left]);
    }
  }
  return [boxes[0], boxes[1], boxes.at(-2), boxes.at(-1)];
}"""


def test_the_reports_own_sentence_reads_in_its_order_in_arabic_script_kazakh(
    new_page, log_in, results_dir
):
    """The list of figures quotes the report in Chinese: in a right-to-left page
    its 《title》：“…” came apart (据了解，今“：《”接羔育幼忙… on a phone, the closing
    ”。 at the start of the last line) unless it is isolated, left to right."""
    call_command("seed_reports", verbosity=0)
    burqin = County.objects.get(name="布尔津县")
    season = Season.objects.get()
    make_user("burqin-official", "official", burqin)
    phone = new_page(width=360)
    log_in(phone, "burqin-official", PASSWORD)
    phone.goto("/")
    switch_language(phone, "kk-arab")
    phone.goto(f"/bulletin/?season={season.pk}&as_of=2025-02-11&place=county:{burqin.pk}")
    expect(phone.locator("article.bulletin")).to_have_attribute("dir", "rtl")
    phone.screenshot(path=results_dir / "bulletin-kk-arab-quote-360px.png", full_page=True)
    first, second, before_last, last = phone.evaluate(QUOTE_ENDS)
    # 《 begins the quote: on its first line, left of the character after it; ” ends
    # it, on the last line, right of the character before it.
    assert first[0] <= second[0] and (first[0] < second[0] or first[1] < second[1]), (first, second)
    assert last[0] >= before_last[0] and (last[0] > before_last[0] or last[1] > before_last[1])
