"""The four languages of the service: Chinese (the default), Kazakh in the Arabic
script (right to left), Kazakh in Cyrillic and English, offered on every page,
and spoken by the API by ``Accept-Language``."""

import re

import pytest
from django.test import Client
from django.utils import translation

from livestock.i18n import language_bidi
from tests.conftest import PASSWORD
from tests.test_api_base import api
from tests.test_api_entries import URL as ENTRIES_URL
from tests.test_api_entries import new_entry

LANGUAGES = ["zh-hans", "kk-arab", "kk", "en"]


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group()


def switch_options(page: str) -> list[tuple[str, str]]:
    """The language switch's choices: (code, name shown)."""
    choice = page[page.index('id="language-choice"') : page.index("</select>")]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', choice)


def test_arabic_script_kazakh_is_right_to_left_and_cyrillic_kazakh_is_not():
    assert language_bidi("kk-arab") is True
    assert language_bidi("kk") is False
    assert language_bidi("zh-hans") is False
    assert translation.to_locale("kk-arab") == "kk_Arab"


def test_a_browser_asking_for_kazakh_of_china_gets_the_arabic_script():
    """Browsers send CLDR's kk-Arab-CN; it falls back to kk-arab, not to Cyrillic."""
    assert translation.get_supported_language_variant("kk-Arab-CN".lower()) == "kk-arab"


@pytest.mark.parametrize(
    ("asked", "language", "direction"),
    [("kk-CN", "kk-arab", "rtl"), ("kk-CN,zh;q=0.8", "kk-arab", "rtl"), ("kk-KZ", "kk", "ltr")],
)
def test_a_phone_set_to_kazakh_of_china_is_answered_in_the_arabic_script(
    client, db, asked, language, direction
):
    """A phone set to Kazakh (China) asks for kk-CN, and was answered in Cyrillic,
    Kazakhstan's script, which Altay's herders and technicians do not read."""
    page = client.get("/admin/login/", headers={"accept-language": asked}).content.decode()
    assert html_tag(page) == f'<html lang="{language}" dir="{direction}">'


@pytest.mark.parametrize(
    ("language", "direction", "title"),
    [
        ("kk-arab", "rtl", "قوزى الۋ ماۋسىمىنىڭ ەسەبى"),
        ("kk", "ltr", "Қозы алу маусымының есебі"),
        ("zh-hans", "ltr", "产羔季跟踪"),
        ("en", "ltr", "Lambing-season tracker"),
    ],
)
def test_the_summary_page_is_written_in_the_chosen_language_and_its_direction(
    prefecture_official, language, direction, title
):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.login(username=prefecture_official.username, password=PASSWORD)
    page = client.get("/").content.decode()
    assert html_tag(page) == f'<html lang="{language}" dir="{direction}">'
    assert title in page


def test_every_page_offers_the_four_languages_each_in_its_own_script(prefecture_official):
    client = Client()
    client.login(username=prefecture_official.username, password=PASSWORD)
    expected = [
        ("zh-hans", "简体中文"),
        ("kk-arab", "قازاقشا"),
        ("kk", "Қазақша"),
        ("en", "English"),
    ]
    for url in ("/", "/admin/", "/admin/login/"):
        assert switch_options(client.get(url, follow=True).content.decode()) == expected, url


def test_choosing_arabic_script_kazakh_keeps_it_for_the_next_pages(prefecture_official):
    client = Client()
    client.login(username=prefecture_official.username, password=PASSWORD)
    client.post("/i18n/setlang/", {"language": "kk-arab", "next": "/"})
    assert 'dir="rtl"' in html_tag(client.get("/").content.decode())


@pytest.mark.parametrize(("language", "direction"), [("kk-arab", "rtl"), ("kk", "ltr")])
def test_the_admin_is_laid_out_in_the_languages_direction(prefecture_official, language, direction):
    """Django's own admin templates ask the same question (their {% load i18n %} is ours)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.login(username=prefecture_official.username, password=PASSWORD)
    page = client.get("/admin/").content.decode()
    assert f'dir="{direction}"' in html_tag(page)
    assert ("admin/css/rtl.css" in page) is (direction == "rtl")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "kk-arab",
            # What stands for a placeholder is isolated (U+2068 … U+2069), so that the
            # date keeps its order beside Arabic-script words wherever it is shown.
            "\u20682024-12-12\u2069 بويىنشا قوزى شىعىنى \u20686\u2069 بولار ەدى، "
            "بۇل تۋعان \u20685\u2069 قوزىدان كوپ (ەرەجە: شىعىن ≤ تۋعان قوزىلار).",
        ),
        (
            "kk",
            "2024-12-12 бойынша қозы шығыны 6 болар еді, бұл туған 5 қозыдан көп "
            "(ереже: шығын ≤ туған қозылар).",
        ),
    ],
)
def test_a_rule_broken_through_the_api_is_answered_in_kazakh_at_the_field(
    fuhai_technician, sailike_record, language, message
):
    data = new_entry(sailike_record, lambs_born=5, lambs_lost=6, loss_cause="cold")
    response = api(fuhai_technician, language=language).post(ENTRIES_URL, data)
    assert response.status_code == 400
    assert response.json() == {"lambs_lost": [message]}
    assert response.headers["Content-Language"] == language
    assert not sailike_record.entries.exists()


CYRILLIC = re.compile(r"[^<>]*[\u0400-\u04ff][^<>]*")


def cyrillic_outside_the_switch(page: str) -> list[str]:
    """Text in Cyrillic on a page, leaving out the switch (it names Қазақша)."""
    page = re.sub(r'<select id="language-choice".*?</select>', "", page, flags=re.S)
    return [text.strip() for text in CYRILLIC.findall(page)]


def test_the_admin_in_arabic_script_kazakh_shows_no_cyrillic(fuhai_technician):
    """Django's own messages fall back from kk_Arab to its Cyrillic kk catalog unless
    the project gives them in the Arabic script (livestock/locale_packages)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="kk-arab")
    assert cyrillic_outside_the_switch(client.get("/admin/login/").content.decode()) == []
    client.login(username=fuhai_technician.username, password=PASSWORD)
    for url in ("/admin/", "/admin/livestock/herder/", "/admin/livestock/herder/add/"):
        page = client.get(url).content.decode()
        assert 'dir="rtl"' in html_tag(page)
        assert cyrillic_outside_the_switch(page) == [], url


def test_the_apis_own_errors_are_in_arabic_script_kazakh(fuhai_technician, sailike_record):
    response = api(fuhai_technician, language="kk-arab").post(ENTRIES_URL, {"date": "2024-12-12"})
    assert response.status_code == 400
    assert response.json()["record"] == ["بۇل ٴمان مىندەتتى."]


@pytest.mark.parametrize(
    ("language", "skip_link"),
    [("kk-arab", "نەگىزگى مازمۇنعا ٴوتۋ"), ("kk", "Негізгі мазмұнға өту")],
)
def test_the_admins_own_words_are_kazakh_not_the_chinese_fallback(
    prefecture_official, language, skip_link
):
    """Django's Kazakh leaves some of the admin's words untranslated, and a missing
    word falls back to the default language, Chinese: ours fill them in
    (livestock/locale_packages/kk, written in the Arabic script by the script)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.login(username=prefecture_official.username, password=PASSWORD)
    page = client.get("/admin/livestock/herder/").content.decode()
    assert skip_link in page
    for chinese in ("跳到主要内容", "切换主题", "认证和授权", "侧边栏", "开始输入以筛选"):
        assert chinese not in page


@pytest.mark.parametrize(
    ("language", "start"),
    [
        ("kk-arab", "سۇراۋدىڭ"),
        ("kk", "Сұраудың"),
        ("zh-hans", "请求内容在第 1 行第 14 列处不是有效的 JSON"),
    ],
)
def test_a_body_that_is_not_json_is_refused_in_the_requests_language(
    fuhai_technician, language, start
):
    """DRF writes its JSON parse error without gettext; ours is translated."""
    response = api(fuhai_technician, language=language).post(
        ENTRIES_URL, '{"record": 1,', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(start)


@pytest.mark.parametrize("url", ["/", "/outliers/", "/reporting/", "/bulletin/"])
def test_a_seasons_name_keeps_its_years_in_order_in_arabic_script_kazakh(
    prefecture_official, winter_2024, url
):
    """ "2024–2025 …" set in a right-to-left line reads 2025–2024 unless it is
    isolated: ``<bdi>`` in the page's text, the isolate characters where no tag
    can go (the season picker's options). A left-to-right page shows the name as
    it is."""
    with translation.override("kk-arab"):
        name = str(winter_2024.name)
    assert name.startswith("\u20662024–2025\u2069 ")
    client = Client(HTTP_ACCEPT_LANGUAGE="kk-arab")
    client.login(username=prefecture_official.username, password=PASSWORD)
    page = client.get(url).content.decode()
    assert f">\u2068{name}\u2069</option>" in page
    if url != "/bulletin/":
        assert f"<bdi>{name}</bdi>" in page
    with translation.override("zh-hans"):
        name = str(winter_2024.name)
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.login(username=prefecture_official.username, password=PASSWORD)
    assert f">{name}</option>" in chinese.get(url).content.decode()
