"""Kazakh on a 360 px phone: in the Arabic script the pages are right to left and
mirrored, in Cyrillic left to right; in both no text overlaps other text or is
cut off, the page never scrolls sideways, digits stay Western, and the Arabic
script is drawn with the app's own font."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import Page, expect

from livestock.models import County, Prefecture, Season
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.browser.conftest import layout_problems, loaded
from tests.conftest import PASSWORD, make_user

PHONE = 360

# Arabic-Indic and Extended Arabic-Indic digits: a locale must not switch to them.
EASTERN_DIGITS = "[\u0660-\u0669\u06f0-\u06f9]"


def switch_language(page: Page, language: str) -> None:
    """Choose a language with the switch at the top of the page, as a user does."""
    page.locator("#language-choice").select_option(language)
    with page.expect_navigation():
        page.locator(".language-choice button").click()
    loaded(page)


def check_layout(page: Page, *, language: str, direction: str) -> None:
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.locator("html")).to_have_attribute("lang", language)
    loaded(page)
    if direction == "rtl":
        naskh_faces = page.evaluate(
            "[...document.fonts].filter(f => f.family.includes('Noto Naskh Arabic Kazakh')"
            " && f.status === 'loaded').length"
        )
        assert naskh_faces >= 1, "the Arabic script is not drawn with the app's own font"
        for text in ("h1", "svg.chart text"):
            if page.locator(text).count():
                family = page.locator(text).first.evaluate("e => getComputedStyle(e).fontFamily")
                assert family.startswith('"Noto Naskh Arabic Kazakh"'), (text, family)
    problems = layout_problems(page)
    assert problems == [], "\n".join(problems)
    expect(page.locator("body")).not_to_contain_text(re.compile(EASTERN_DIGITS))


@pytest.mark.parametrize(
    ("language", "direction", "as_of", "lambs_born"),
    [
        ("kk-arab", "rtl", "\u20682025-02-11\u2069 بويىنشا", "تۋعان قوزىلار"),
        ("kk", "ltr", "2025-02-11 бойынша", "туған қозылар"),
    ],
)
def test_a_county_summary_reads_in_kazakh_on_a_360_px_phone(
    new_page, log_in, results_dir, language, direction, as_of, lambs_born
):
    call_command("seed_reports", verbosity=0)
    make_user("altay-official", "official", Prefecture.objects.get())
    burqin = County.objects.get(name="布尔津县")
    page = new_page(width=PHONE)
    log_in(page, "altay-official", PASSWORD)
    page.goto("/")
    switch_language(page, language)
    page.goto(f"/?season={Season.objects.get().pk}&as_of=2025-02-11&place=county:{burqin.pk}")

    expect(page.locator("h1")).to_have_text("布尔津县 Burqin County")
    expect(page.locator("h1 bdi")).to_have_text("布尔津县 Burqin County")
    expect(page.locator("p.as-of")).to_contain_text(as_of)
    expect(page.locator("table.summary thead")).to_contain_text(lambs_born)
    page.screenshot(path=results_dir / f"county-summary-{language}-{PHONE}px.png", full_page=True)
    check_layout(page, language=language, direction=direction)

    # Mirrored: the place names' column starts at the side the language starts.
    table = page.locator("table.summary").bounding_box()
    first_column = page.locator("table.summary tbody th").first.bounding_box()
    if direction == "rtl":
        assert first_column["x"] + first_column["width"] >= table["x"] + table["width"] - 1
    else:
        assert first_column["x"] <= table["x"] + 1


# Two households of a Fuhai village, with their names as the families write them in Kazakh.
HOUSEHOLDS = [
    ("赛力克·屈克木", "Sailike Qukemu", "سەرىك قۇقىم"),
    ("阿依古丽·努尔", "Ayiguli Nuer", "ايگۇل نۇر"),
]
# A loss typed without its cause, refused on the phone by the rule the server describes.
LOSS_NEEDS_CAUSE = "Lambs lost need a cause, and a cause needs lambs lost."
# A loss with no lamb born, refused by the server's running-total rule once uploaded.
LOSSES_EXCEED_BORN = (
    "By %(date)s the lamb losses would total %(losses)s, more than the "
    "%(born)s lambs born (rule: losses ≤ lambs born)."
)


def in_language(language: str, msgid: str, **params) -> str:
    """What the server says for ``msgid`` in ``language``."""
    with translation.override(language):
        return translation.gettext(msgid) % params if params else translation.gettext(msgid)


def in_script_catalog(language: str, msgid: str) -> str:
    """What the field app's script writes for ``msgid`` in ``language`` (djangojs)."""
    found = DjangoTranslation(language, domain="djangojs", localedirs=settings.LOCALE_PATHS)
    return found.gettext(msgid)


@pytest.mark.parametrize(
    ("language", "direction", "save"),
    [("kk-arab", "rtl", "ساقتاۋ"), ("kk", "ltr", "Сақтау")],
    ids=["kk-arab", "kk"],
)
def test_a_village_entry_reads_in_kazakh_on_a_360_px_phone_offline_too(
    new_page, log_in, results_dir, qibaerwoyi, fuhai_technician, language, direction, save
):
    """The village's batch entry, its rows saved with no signal, then uploaded: every
    line the field app's script writes (the rule refusing a row on the spot, the
    rows and the outbox waiting, the sync's state, what the server refused and the
    buttons beside it) is in Kazakh with the Chinese beside it, on a page laid out
    in the language's direction."""
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=60),
    )
    records = []
    for name, latin, kazakh in HOUSEHOLDS:
        herder = herder_create(village=qibaerwoyi, name=name, name_latin=latin, name_kazakh=kazakh)
        records.append(record_create(herder=herder, season=season, ewes_at_start=100))
    page = new_page(width=PHONE)
    log_in(page, fuhai_technician.username, PASSWORD)
    page.goto("/field/")
    switch_language(page, language)
    page.goto(f"/field/village/{qibaerwoyi.pk}/")
    expect(page).to_have_title(re.compile(in_language(language, "Lambing-season tracker")))

    expect(page.locator("h1 bdi")).to_contain_text(qibaerwoyi.name)
    first, second = (page.locator(f'form[data-record="{record.pk}"]') for record in records)
    expect(first.locator("h3")).to_contain_text(HOUSEHOLDS[0][2])
    expect(first.locator("button.save")).to_contain_text(save)

    # No signal (the page sees navigator.onLine false and keeps everything).
    page.context.set_offline(True)
    second.locator("input[name=lambs_lost]").fill("3")
    second.locator("button.save").click()
    refused = second.locator('[data-error-for="loss_cause"]')
    expect(refused).to_have_text(
        f"{in_language(language, LOSS_NEEDS_CAUSE)} · {in_language('zh-hans', LOSS_NEEDS_CAUSE)}"
    )
    second.locator("select[name=loss_cause]").select_option("cold")
    second.locator("button.save").click()
    first.locator("input[name=lambs_born]").fill("12")
    first.locator("button.save").click()
    outbox = page.locator("[data-outbox]")
    expect(outbox).to_have_attribute("data-outbox-count", "2")
    waiting = in_script_catalog(language, "Saved on this phone, waiting to upload: %(count)s")
    expect(outbox).to_contain_text(f"{waiting % {'count': 2}} · 已保存在手机上，待上传 2 条")
    expect(first.locator("[data-row-status]")).to_have_text(
        f"{waiting % {'count': 1}} · 已保存在手机上，待上传 1 条"
    )
    offline = in_script_catalog(language, "Offline: they upload when the signal returns.")
    expect(page.locator("[data-sync-state]")).to_have_text(f"{offline} · 离线：有信号时自动上传")
    page.screenshot(path=results_dir / f"village-entry-{language}-{PHONE}px.png", full_page=True)
    check_layout(page, language=language, direction=direction)

    # The signal returns: one row is stored, the other refused by the server's rule,
    # in the page's language, with its choices in Kazakh.
    page.context.set_offline(False)
    expect(outbox).to_have_attribute("data-outbox-count", "0", timeout=20_000)
    # The sync's line says one waits under 需要处理, not that all were uploaded.
    needs = in_script_catalog(language, "Needs attention: %(count)s, listed below.")
    expect(page.locator("[data-sync-state]")).to_have_text(
        f"{needs % {'count': 1}} · 需要处理：1 条，见下方", timeout=20_000
    )
    uploaded = in_script_catalog(language, "Uploaded. Lambs born: %(lambs_born)s")
    expect(first.locator("[data-row-status]")).to_have_text(
        f"{uploaded % {'lambs_born': 12}} · 已上传 — 产羔数 12"
    )
    attention = page.locator(f'[data-attention] li[data-outbox-record="{records[1].pk}"]')
    rule = in_language(language, LOSSES_EXCEED_BORN, date=today.isoformat(), losses=3, born=0)
    beside = in_language("zh-hans", LOSSES_EXCEED_BORN, date=today.isoformat(), losses=3, born=0)
    # Each language's part in its own <bdi>, in its own direction.
    message = attention.locator("[data-server-message]")
    expect(message.locator(f'bdi[lang="{language}"][dir="{direction}"]')).to_contain_text(rule)
    expect(message.locator('bdi[lang="zh-hans"][dir="ltr"]')).to_have_text(f"死亡羔羊：{beside}")
    expect(attention.get_by_role("button")).to_have_text(
        [
            f"{in_script_catalog(language, 'Correct')} 改正",
            f"{in_script_catalog(language, 'Discard')} 放弃",
        ]
    )
    expect(page.locator("[data-attention] h2")).to_contain_text("需要处理")
    page.screenshot(
        path=results_dir / f"village-entry-uploaded-{language}-{PHONE}px.png", full_page=True
    )
    check_layout(page, language=language, direction=direction)

    # Today and the household's page, as the technician goes on.
    for url, name in (("/field/", "today"), (f"/field/record/{records[0].pk}/", "household")):
        page.goto(url)
        expect(page.locator("h1")).to_contain_text(
            in_language(language, "Today") if name == "today" else HOUSEHOLDS[0][0]
        )
        page.screenshot(path=results_dir / f"{name}-{language}-{PHONE}px.png", full_page=True)
        check_layout(page, language=language, direction=direction)


@pytest.mark.parametrize(
    ("language", "direction", "lambs_born"),
    [("kk-arab", "rtl", "تۋعان قوزىلار"), ("kk", "ltr", "туған қозылар")],
)
def test_the_bulletin_reads_in_kazakh_on_a_360_px_phone(
    new_page, log_in, results_dir, language, direction, lambs_born
):
    call_command("seed_reports", verbosity=0)
    burqin = County.objects.get(name="布尔津县")
    make_user("burqin-official", "official", burqin)
    page = new_page(width=PHONE)
    log_in(page, "burqin-official", PASSWORD)
    page.goto("/")
    switch_language(page, language)
    page.goto(
        f"/bulletin/?season={Season.objects.get().pk}&as_of=2025-02-11&place=county:{burqin.pk}"
    )
    text = page.locator("article.bulletin .bulletin-text").first
    expect(text).to_contain_text(lambs_born)
    expect(page.locator("article.bulletin")).to_have_attribute("dir", direction)
    if direction == "rtl":
        # The Chinese name and the date keep their own order inside the Arabic script.
        expect(text.locator("bdi", has_text="布尔津县").first).to_be_visible()
        expect(text.locator("bdi", has_text="2025-02-11").first).to_be_visible()
    page.screenshot(path=results_dir / f"bulletin-{language}-{PHONE}px.png", full_page=True)
    check_layout(page, language=language, direction=direction)
