"""A technician, on a phone, imports a township's spreadsheet: the template is
one link away, the preview says what will be stored, confirming stores it. Each
page is looked at and clicked once it has loaded: on a busy machine the next page's
text is there before its stylesheets, and a page laid out without them (the preview's
table as wide as its columns, over 900 px) is none a phone shows."""

from pathlib import Path

from playwright.sync_api import expect

from livestock.models import Herder, LambingEntry
from tests.browser.conftest import layout_problems, loaded, page_width
from tests.conftest import PASSWORD, make_user

DATA = Path(__file__).parent.parent / "data"


def test_a_technician_on_a_phone_previews_and_confirms_an_import(
    new_page, log_in, results_dir, fuhai, sailike, winter_2024
):
    make_user("tech", "technician", fuhai)
    page = new_page(width=390)
    log_in(page, "tech", PASSWORD)
    page.goto("/admin/livestock/lambingrecord/")
    page.get_by_role("link", name="导入表格").click()
    # The blank template (the list's own exports are named "…（XLSX）").
    expect(page.get_by_role("link", name="XLSX", exact=True)).to_be_visible()
    loaded(page)
    page.locator("input[type=file]").set_input_files(DATA / "counts_bad_rows.csv")
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#import-errors")).to_contain_text("死亡羔羊")
    expect(page.get_by_role("button", name="确认并导入")).to_have_count(0)
    assert page_width(page) <= 390
    problems = layout_problems(page)
    assert problems == [], "\n".join(problems)
    page.screenshot(path=results_dir / "import-refused-phone.png", full_page=True)

    page.locator("input[type=file]").set_input_files(DATA / "counts_good.csv")
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#import-preview")).to_contain_text("产羔登记")
    problems = layout_problems(page)
    assert problems == [], "\n".join(problems)
    page.screenshot(path=results_dir / "import-preview-phone.png", full_page=True)
    assert LambingEntry.objects.count() == 0
    page.get_by_role("button", name="确认并导入").click()

    expect(page.locator(".messagelist")).to_contain_text("已导入 5 行")
    assert LambingEntry.objects.count() == 4 and Herder.objects.count() == 3
