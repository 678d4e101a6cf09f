"""The bureau's bulletin: written from the data, each figure recorded or
reported, in officials' style, printable and as a PDF, within the reader's
places, in a constant number of queries."""

import datetime
import html
import logging
import os
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from livestock.choices import Qualifier
from livestock.counting import quality
from livestock.models import (
    County,
    Herder,
    Report,
    ReportedFigure,
    Season,
    Township,
    Village,
)
from livestock.monitoring import bulletin, official_numbers, pdf
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from tests.conftest import PASSWORD, make_user
from tests.test_completeness import entered_on


def pdftotext_or_skip() -> str:
    """Debian's pdftotext (poppler-utils, which ``make test`` installs when it
    can): missing on a developer's machine, the test is skipped; in CI (``CI``
    set) it fails, as the browser tests do without Chromium."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        reason = "pdftotext not found: apt-get install poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return pdftotext


@pytest.fixture(autouse=True)
def default_language():
    """The bulletin is written in the active language; a request in Kazakh leaves
    Kazakh active in the thread, so each test starts (and ends) in the default."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def seeded(db):
    call_command("seed_reports", verbosity=0)
    return Season.objects.get()


@pytest.fixture
def burqin_seeded(seeded):
    return County.objects.get(name="布尔津县")


@pytest.fixture
def official(burqin_seeded):
    return make_user("burqin-official", "official", burqin_seeded)


def get(user, path, **params):
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client.get(path, params)


def test_the_bulletin_of_burqin_holds_the_reported_and_the_recorded_numbers(
    seeded, burqin_seeded, official
):
    response = get(
        official,
        "/bulletin/",
        season=seeded.pk,
        as_of="2025-02-11",
        place=f"county:{burqin_seeded.pk}",
    )
    assert response.status_code == 200
    page = response.content.decode()
    text = bulletin.write_bulletin(
        season=seeded, as_of=datetime.date(2025, 2, 11), place=burqin_seeded, user=official
    ).text()
    # The sentence as the bureau writes it: recorded 50 (别克's), reported 1.2万.
    assert text.startswith("截至2月11日，布尔津县已产羔50只（报道1.2万只，2月11日）")
    assert "季初能繁母羊150只（按全部1户计算；报道18.6万余只）" in text
    # 别克's record was counted (seeded) as of 7 February: within the 7 days.
    assert "布尔津县已建档牧户1户，其中近7日有计数的1户（报告完整率100.0%）" in text
    # Each figure marked, and listed with its exact value, qualifier, date and sentence.
    assert '<span class="figure reported" title="报道">1.2万只' in page
    assert '<span class="figure reported" title="报道">18.6万余只' in page
    assert '<span class="figure recorded" title="记录">50只' in page
    assert "12,000" in page
    assert '<bdi dir="ltr">186,000</bdi> <span class="qualifier">多/余（以上）</span>' in page
    assert "越冬母羊18.6万余只，截至2月11日，已产羔1.2万只" in page


def test_the_bulletin_names_the_ewes_at_the_seasons_start_as_the_app_does(
    seeded, burqin_seeded, official
):
    """The records' ewes at the season's start were 季初越冬母羊 in the bulletin's
    sentence and 越冬母羊 in its list of figures, where the summary and the field
    app say 季初能繁母羊 (docs/glossary.md). The reported figure keeps the report's
    own word, 越冬母羊, as quoted."""
    page = bulletin_in("zh-hans", official, seeded, burqin_seeded).content.decode()
    said = sentences(page)
    assert "季初能繁母羊150只" in said
    assert "越冬母羊" not in said
    written = bulletin.write_bulletin(
        season=seeded, as_of=datetime.date(2025, 2, 11), place=burqin_seeded, user=official
    )
    whats = {figure.what for figure in written.figures}
    assert "季初能繁母羊" in whats and "越冬母羊（报道）" in whats
    assert not any("越冬" in what for what in whats - {"越冬母羊（报道）"})
    assert "季初越冬母羊" not in page


def test_the_bulletins_pdf_holds_the_same_numbers_as_text(
    seeded, burqin_seeded, official, tmp_path
):
    response = get(
        official,
        "/bulletin/",
        season=seeded.pk,
        as_of="2025-02-11",
        place=f"county:{burqin_seeded.pk}",
        format="pdf",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(response.content)
    pdftotext = pdftotext_or_skip()
    text = subprocess.run(  # noqa: S603 (the test's own arguments)
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for expected in (
        "截至2月11日，布尔津县已产羔50只",
        "1.2万只",
        "18.6万余只",
        "12,000",
        "186,000",
    ):
        assert expected in flat, expected
    assert "150只" in flat


def test_a_place_outside_the_readers_places_is_refused_like_the_summary_refuses_it(seeded):
    fuhai = County.objects.get(name="福海县")
    burqin = County.objects.get(name="布尔津县")
    fuhai_official = make_user("fuhai-official", "official", fuhai)
    for path in ("/bulletin/", "/outliers/", "/reporting/"):
        response = get(
            fuhai_official, path, season=seeded.pk, as_of="2025-02-11", place=f"county:{burqin.pk}"
        )
        summary = get(
            fuhai_official, "/", season=seeded.pk, as_of="2025-02-11", place=f"county:{burqin.pk}"
        )
        assert response.status_code == summary.status_code == 404  # the out-of-scope page
        page = response.content.decode()
        assert f"县（市） {burqin.pk}" in page
        assert "1.2万" not in page and "布尔津县已产羔" not in page


def test_a_process_loads_weasyprint_with_its_first_pdf_not_with_its_urls():
    """Every process's first request loads the URLs, and with them the bulletin's
    views: WeasyPrint (0.6 s, about 5 s under load) waits for the first PDF."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup(); import config.urls;"
            " print('weasyprint' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert loaded.stdout.strip() == "False", loaded.stderr


def test_a_pdf_is_made_without_fetching_anything_but_the_apps_static_files():
    fetcher = pdf.static_files_only()
    served = fetcher.fetch(pdf.BASE_URL + "static/livestock/bulletin.css")
    assert b"@media print" in served.read()
    for url in (
        "http://example.com/static/livestock/bulletin.css",
        "file:///etc/passwd",
        pdf.BASE_URL + "static/../config/settings.py",
        pdf.BASE_URL + "admin/",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


@pytest.mark.parametrize(
    ("value", "qualifier", "quote", "written"),
    [
        (12000, Qualifier.EXACT, "截至2月11日，已产羔1.2万只", "1.2万只"),
        (186000, Qualifier.MORE_THAN, "共有越冬母羊18.6万余只", "18.6万余只"),
        (50, Qualifier.MORE_THAN, "已产羔50多只", "50多只"),
        (50000, Qualifier.EXACT, "截至2月5日，福海县已产羔50000只。", "50000只"),
        (20, Qualifier.ABOUT, "每天产奶量在20公斤左右", "20只左右"),
        (12345, Qualifier.EXACT, "", "12,345只"),
    ],
)
def test_reported_numbers_are_written_as_the_report_wrote_them(value, qualifier, quote, written):
    assert official_numbers.reported(Decimal(value), qualifier=qualifier, quote=quote) == written


@pytest.fixture
def two_townships(burqin, winter_2024):
    """Two townships of 布尔津县, one well ahead, counted through February."""
    households = []
    for name, born_early, born_late in (("快乡", 80, 10), ("慢乡", 10, 5)):
        township = Township.objects.create(county=burqin, name=name, name_latin=name)
        village = Village.objects.create(township=township, name=f"{name}村", name_latin=name)
        herder = Herder.objects.create(village=village, name=f"{name}牧户", name_latin=name)
        with entered_on(datetime.date(2025, 1, 1)):
            record = record_create(herder=herder, season=winter_2024, ewes_at_start=100)
        with entered_on(datetime.date(2025, 2, 1)):
            entry_create(
                record=record,
                date=datetime.date(2025, 2, 1),
                ewes_lambed=born_early,
                lambs_born=born_early,
            )
        with entered_on(datetime.date(2025, 2, 9)):
            entry_create(
                record=record,
                date=datetime.date(2025, 2, 9),
                ewes_lambed=born_late,
                lambs_born=born_late,
            )
        households.append(township)
    return households


def test_the_bulletin_says_the_weeks_increase_and_the_slowest_township(
    two_townships, burqin, winter_2024, burqin_official
):
    written = bulletin.write_bulletin(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), place=burqin, user=burqin_official
    )
    text = written.text()
    assert "已产羔105只" in text
    assert "较上周增加15只" in text  # 10 + 5 born on 9 February
    assert "进度最慢的乡镇为慢乡（已完成15.0%）" in text
    assert "进度落后于布尔津县整体的乡镇有：慢乡" in text
    assert "本季预计产羔200只，已完成52.5%" in text


def test_the_bulletin_takes_the_same_number_of_queries_for_more_townships(
    two_townships, burqin, winter_2024, burqin_official, django_assert_num_queries
):
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    params = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        assert client.get("/bulletin/", params).status_code == 200
    for number in range(5):
        township = Township.objects.create(county=burqin, name=f"乡{number}", name_latin="T")
        village = Village.objects.create(township=township, name="村", name_latin="V")
        herder = Herder.objects.create(village=village, name="户", name_latin="H")
        record_create(herder=herder, season=winter_2024, ewes_at_start=10)
    with django_assert_num_queries(len(two.captured_queries)):
        assert client.get("/bulletin/", params).status_code == 200


def test_the_bulletin_of_all_of_a_readers_places_and_of_a_township(
    two_townships, burqin, winter_2024, prefecture_official
):
    overview = get(prefecture_official, "/bulletin/", season=winter_2024.pk, as_of="2025-02-11")
    assert overview.status_code == 200
    assert "截至2月11日，所辖各地已产羔" in overview.content.decode()
    slow = two_townships[1]
    township = get(
        prefecture_official,
        "/bulletin/",
        season=winter_2024.pk,
        as_of="2025-02-11",
        place=f"township:{slow.pk}",
    )
    assert township.status_code == 200
    text = bulletin.write_bulletin(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), place=slow, user=prefecture_official
    ).text()
    assert text.startswith("截至2月11日，慢乡已产羔15只")
    assert '<span class="figure recorded" title="记录">15只' in township.content.decode()


@pytest.fixture
def two_households(burqin, winter_2024):
    """A village of 布尔津县 with two households, one well ahead, counted through February."""
    township = Township.objects.create(county=burqin, name="一乡", name_latin="Yi")
    village = Village.objects.create(township=township, name="一村", name_latin="Yi")
    for name, born_early, born_late in (("快户", 80, 10), ("慢户", 10, 5)):
        herder = Herder.objects.create(village=village, name=name, name_latin=name)
        with entered_on(datetime.date(2025, 1, 1)):
            record = record_create(herder=herder, season=winter_2024, ewes_at_start=100)
        for date, born in (
            (datetime.date(2025, 2, 1), born_early),
            (datetime.date(2025, 2, 9), born_late),
        ):
            with entered_on(date):
                entry_create(record=record, date=date, ewes_lambed=born, lambs_born=born)
    return village


def test_the_bulletin_of_a_village_names_its_slowest_household(
    two_households, winter_2024, burqin_official
):
    """A village's places below are its households: its bulletin ranks them as a
    county's ranks its townships (it was a server error, HTML and PDF alike)."""
    params = {
        "season": winter_2024.pk,
        "as_of": "2025-02-11",
        "place": f"village:{two_households.pk}",
    }
    page = get(burqin_official, "/bulletin/", **params)
    assert page.status_code == 200
    assert "进度最慢的牧户为" in page.content.decode()
    text = bulletin.write_bulletin(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        place=two_households,
        user=burqin_official,
    ).text()
    assert "截至2月11日，一村已产羔105只" in text
    assert "进度最慢的牧户为慢户（已完成15.0%）" in text
    assert "进度落后于一村整体的牧户有：慢户" in text
    assert get(burqin_official, "/bulletin/", format="pdf", **params).status_code == 200


def test_the_bulletin_says_how_many_households_the_ewes_cover(
    two_households, winter_2024, burqin_official
):
    """A third household of 一村 has a record but gave no ewes: the 200 ewes are
    2 households' of 3, beside the figure and in its basis, as the summary's
    cell says it."""
    herder = Herder.objects.create(village=two_households, name="新户", name_latin="Xin")
    with entered_on(datetime.date(2025, 1, 1)):
        record_create(herder=herder, season=winter_2024, ewes_at_start=None)
    asked = {
        "season": winter_2024,
        "as_of": datetime.date(2025, 2, 11),
        "place": two_households,
        "user": burqin_official,
    }
    written = bulletin.write_bulletin(**asked)
    assert "季初能繁母羊200只（按3户中的2户计算）" in written.text()
    [ewes] = [figure for figure in written.figures if figure.what == "季初能繁母羊"]
    assert ewes.basis == "3户中已填季初能繁母羊数的2户之和"
    with translation.override("en"):
        english = bulletin.write_bulletin(**asked).text()
    assert "ewes at the season's start 200 (from 2 of 3 households)" in english


def test_a_herder_has_no_bulletin_of_its_own(bieke_record, bieke, winter_2024, burqin_official):
    response = get(burqin_official, "/bulletin/", season=winter_2024.pk, place=f"herder:{bieke.pk}")
    assert response.status_code == 400
    assert "已产羔" not in response.content.decode()


def test_the_pdf_of_a_place_outside_the_readers_places_is_refused_as_one_that_does_not_exist(
    seeded,
):
    fuhai = County.objects.get(name="福海县")
    burqin = County.objects.get(name="布尔津县")
    fuhai_official = make_user("fuhai-official", "official", fuhai)
    asked = {"season": seeded.pk, "as_of": "2025-02-11", "format": "pdf"}
    theirs = get(fuhai_official, "/bulletin/", place=f"county:{burqin.pk}", **asked)
    nowhere = get(fuhai_official, "/bulletin/", place="county:999999", **asked)
    assert theirs.status_code == nowhere.status_code != 200
    assert theirs["Content-Type"] == nowhere["Content-Type"] != "application/pdf"
    assert "布尔津县" not in theirs.content.decode()


def bulletin_in(language, user, season, county, **params):
    client = Client(headers={"accept-language": language})
    client.login(username=user.username, password=PASSWORD)
    query = {"season": season.pk, "as_of": "2025-02-11", "place": f"county:{county.pk}"}
    return client.get("/bulletin/", {**query, **params})


def sentences(page: str) -> str:
    """The bulletin's sentences as a reader sees them (tags and isolates taken out)."""
    text = "".join(re.findall(r'<p class="bulletin-text">(.*?)</p>', page, re.S))
    text = re.sub(r"<sup>\d+</sup>", "", text)
    return html.unescape(re.sub(r"<[^>]+>|[\u2066-\u2069]", "", text))


def test_the_bulletin_in_arabic_script_kazakh_is_right_to_left_with_its_figures(
    seeded, burqin_seeded, official
):
    response = bulletin_in("kk-arab", official, seeded, burqin_seeded)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'dir="rtl"' in page and '<article class="bulletin" lang="kk-Arab" dir="rtl">' in page
    text = sentences(page)
    # "As of 2025-02-11 布尔津县: lambs born 50 (reported 12 thousand, 2025-02-11)"
    assert "2025-02-11 بويىنشا" in text
    assert "تۋعان قوزىلار 50" in text
    assert "حابارلانعان سان 12 مىڭ، 2025-02-11" in text
    assert "186 مىڭ استام" in text  # the ewes: 18.6万余 in Chinese
    assert "ماۋسىم باسىنداعى ساۋلىقتار 150" in text
    # The Chinese place name is isolated inside the right-to-left sentence.
    assert "<bdi>布尔津县</bdi>" in page and "<bdi>2025-02-11</bdi>" in page
    assert not any("\u4e00" <= char <= "\u9fff" for char in text.replace("布尔津县", ""))
    assert "1.2万只" not in text  # the report's own sentence stays quoted, below, in Chinese


def test_the_bulletin_in_cyrillic_kazakh_and_in_english(seeded, burqin_seeded, official):
    kazakh = bulletin_in("kk", official, seeded, burqin_seeded)
    page = kazakh.content.decode()
    assert '<article class="bulletin" lang="kk" dir="ltr">' in page
    text = sentences(page)
    assert text.startswith("2025-02-11 бойынша 布尔津县: туған қозылар 50")
    assert "(хабарланған сан 12 мың, 2025-02-11)" in text
    assert (
        "маусым басындағы саулықтар 150 (1 отбасы бойынша; хабарланған сан 186 мың астам)" in text
    )
    assert "<bdi>布尔津县" not in page  # isolated only in right-to-left text
    english = sentences(bulletin_in("en", official, seeded, burqin_seeded).content.decode())
    assert english.startswith(
        "As of 11 February, 布尔津县 had 50 lambs born (reported 12 thousand, 11 February)"
    )
    assert (
        "ewes at the season's start 150 (from the 1 household; reported more than 186 thousand)"
        in english
    )
    assert english.endswith(".") and "。" not in english


def test_the_bulletins_pdf_in_kazakh_holds_the_figures(seeded, burqin_seeded, official, tmp_path):
    pdftotext = pdftotext_or_skip()
    for language, expected in (
        ("kk", ["туғанқозылар50", "12мың", "186мыңастам", "150"]),
        # pdftotext writes right-to-left lines in visual order: words, not sentences.
        ("kk-arab", ["تۋعانقوزىلار", "12مىڭ", "186مىڭ", "2025-02-11بويىنشا", "150"]),
    ):
        response = bulletin_in(language, official, seeded, burqin_seeded, format="pdf")
        assert response.status_code == 200
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(  # noqa: S603 (the test's own arguments)
            [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = re.sub(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", "".join(text.split()))
        for figure in expected:
            assert figure in flat, (language, figure, flat[:400])
        if language == "kk-arab":  # set in the app's own Noto Naskh Arabic, embedded
            fonts = subprocess.run(  # noqa: S603 (the test's own arguments)
                [shutil.which("pdffonts"), str(path)], capture_output=True, text=True, check=True
            ).stdout
            assert "Noto-Naskh-Arabic-Kazakh" in fonts


def test_the_bulletin_of_a_county_with_no_household_says_so_in_a_sentence(seeded, tmp_path):
    """阿勒泰市 has no herder household on file: the bulletin says so in a
    sentence, in Chinese with the English beside it (Kazakh with the Chinese on
    a Kazakh page), in the page and in the PDF, where it gave a "—" for every
    count and rate and "0户"; its report's figure stays, with its source."""
    city = County.objects.get(name="阿勒泰市")
    report = Report.objects.create(slug="city", title="阿勒泰市简报", source="test")
    ReportedFigure.objects.create(
        key="city-lambs",
        report=report,
        prefecture=city.prefecture,
        county=city,
        season=seeded,
        as_of=datetime.date(2025, 2, 10),
        metric="lambs_born",
        value=3000,
        qualifier="more_than",
        quote="阿勒泰市已产羔3000多只",
    )
    user = make_user("altay-official", "official", city.prefecture)
    params = {"season": seeded.pk, "as_of": "2025-02-11", "place": f"county:{city.pk}"}
    written = bulletin.write_bulletin(
        season=seeded, as_of=datetime.date(2025, 2, 11), place=city, user=user
    )
    said = (
        "截至2月11日，阿勒泰市尚无建档牧户，没有记录的数字。 As of 11 February, no herder"
        " household is registered in 阿勒泰市, so nothing is recorded there."
    )
    assert written.text() == said + "\n报道：已产羔3000多只（2月10日）。"
    assert "—" not in written.text() and "0户" not in written.text()
    assert [(figure.what, figure.source) for figure in written.figures] == [
        ("产羔数（报道）", bulletin.REPORTED)
    ]
    page = get(user, "/bulletin/", **params).content.decode()
    assert said in sentences(page) and "—" not in sentences(page)
    kazakh = sentences(bulletin_in("kk", user, seeded, city).content.decode())
    assert kazakh.startswith(
        "2025-02-11 бойынша 阿勒泰市: тіркелген малшы отбасы жоқ, сондықтан жазылған сан жоқ."
        " 截至2月11日，阿勒泰市尚无建档牧户"
    )
    assert "Хабарламалар бойынша: туған қозылар 3,000 астам (2025-02-10)." in kazakh
    # Right to left, the Chinese beside keeps its own direction (its 。 at its end).
    arabic = bulletin_in("kk-arab", user, seeded, city).content.decode()
    assert '<span lang="zh-Hans" dir="ltr">截至2月11日，阿勒泰市尚无建档牧户' in arabic
    response = get(user, "/bulletin/", **params, format="pdf")
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 (the test's own arguments)
        [pdftotext_or_skip(), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "阿勒泰市尚无建档牧户，没有记录的数字。" in "".join(text.split())


def test_a_village_with_no_household_and_no_report_has_no_table_of_figures(
    two_households, winter_2024, burqin_official
):
    empty = Village.objects.create(township=two_households.township, name="空村", name_latin="K")
    page = get(
        burqin_official,
        "/bulletin/",
        season=winter_2024.pk,
        as_of="2025-02-11",
        place=f"village:{empty.pk}",
    ).content.decode()
    assert sentences(page).startswith("截至2月11日，空村尚无建档牧户")
    assert '<table class="bulletin-figures">' not in page


# A4 in points, less the bulletin's 16 mm margins at either side (bulletin.css, @page).
PAGE_WIDTH, SIDE_MARGIN = 595.28, 16 / 25.4 * 72


def word_boxes(pdftotext: str, path) -> list[tuple[int, float, float, float, float, str]]:
    """Each word of the PDF as pdftotext -bbox finds it: page, x0, y0, x1, y1, text."""
    found = subprocess.run(  # noqa: S603 (the test's own arguments)
        [pdftotext, "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    boxes = []
    for page, text in enumerate(found.split("<page ")[1:], start=1):
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            text,
        ):
            x0, y0, x1, y1 = (float(value) for value in match.groups()[:4])
            boxes.append((page, x0, y0, x1, y1, html.unescape(match.group(5))))
    return boxes


def words_over_one_another(boxes) -> list[tuple[str, str]]:
    """The pairs of words drawn over each other (by more than half a point each way)."""
    overlapping = []
    for index, (page, x0, y0, x1, y1, text) in enumerate(boxes):
        for other_page, ox0, oy0, ox1, oy1, other in boxes[index + 1 :]:
            if page != other_page:
                continue
            if min(x1, ox1) - max(x0, ox0) > 0.5 and min(y1, oy1) - max(y0, oy0) > 0.5:
                overlapping.append((text, other))
    return overlapping


def test_the_bulletins_pdf_in_arabic_script_kazakh_sets_no_word_over_another(
    seeded, burqin_seeded, official, tmp_path, caplog
):
    """The figures' table in Kazakh (Arabic script) had words of one cell drawn
    over the next cell's, and its last paragraph off the page: the app's Noto
    Naskh Arabic had no space, Pango (which never changes font for a space) set
    the spaces between Arabic words as .notdef, and WeasyPrint drew them at one
    width per PDF font, whatever the size each was laid out at."""
    pdftotext = pdftotext_or_skip()
    altay_official = make_user("altay-official", "official", burqin_seeded.prefecture)
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addHandler(caplog.handler)
    try:
        for name, user, params in (
            ("county", official, {}),
            ("prefecture", altay_official, {"place": ""}),
        ):
            response = bulletin_in("kk-arab", user, seeded, burqin_seeded, format="pdf", **params)
            assert response.status_code == 200
            path = tmp_path / f"{name}.pdf"
            path.write_bytes(response.content)
            boxes = word_boxes(pdftotext, path)
            assert len(boxes) > 300, name  # the sentences and a table of several rows
            assert words_over_one_another(boxes) == [], name
            off_the_page = [
                text
                for _page, x0, _y0, x1, _y1, text in boxes
                if x0 < SIDE_MARGIN - 1 or x1 > PAGE_WIDTH - SIDE_MARGIN + 1
            ]
            assert off_the_page == [], name
    finally:
        weasyprint_log.removeHandler(caplog.handler)
    assert ".notdef" not in caplog.text


def test_the_list_of_figures_is_in_the_pages_language_beside_the_reports_own_words(
    seeded, burqin_seeded, official
):
    page = bulletin_in("en", official, seeded, burqin_seeded).content.decode()
    figures = html.unescape(page[page.index('<section class="bulletin-sources">') :])
    for words in ("Figure", "Basis", "lambs born (reported)", "the record of 1 household"):
        assert words in figures, words
    assert "1 households" not in figures
    assert '"Source">reported</td>' in figures and "报道 reported" not in figures
    # The report's own sentence stays quoted as the report wrote it.
    assert "越冬母羊18.6万余只，截至2月11日，已产羔1.2万只" in figures
    arabic = bulletin_in("kk-arab", official, seeded, burqin_seeded).content.decode()
    figures = arabic[arabic.index('<section class="bulletin-sources">') :]
    assert "تۋعان قوزىلار (حابارلانعان)" in figures
    assert "产羔数" not in figures.replace("已产羔", "")


def test_a_figures_basis_names_its_households_in_the_number_the_language_uses():
    """English says "1 household" and "2 households'"; Chinese and Kazakh put the
    number before the noun, which does not change."""
    with translation.override("en"):
        assert bulletin.records_of(1) == "the record of 1 household"
        assert bulletin.records_of(2) == "the sum of 2 households' records"
    with translation.override("zh-hans"):
        assert [bulletin.records_of(n) for n in (1, 2)] == ["1户的记录之和", "2户的记录之和"]
    with translation.override("kk"):
        assert bulletin.records_of(2) == "2 отбасы жазбаларының қосындысы"


def first_two_lines(boxes, word: str) -> tuple[list, list]:
    """The words of the line where ``word`` first stands and of the line below it
    (a figure's raised number, a few points lower, is of its own line). pdftotext
    writes an Arabic-script word's letters in the order they are drawn, reversed."""
    page, _x0, y0, *_ = next(box for box in boxes if word in box[5] + " " + box[5][::-1])
    below = min(box[2] for box in boxes if box[0] == page and box[2] > y0 + 10)
    line = [box for box in boxes if box[0] == page and abs(box[2] - y0) < 5]
    next_line = [box for box in boxes if box[0] == page and abs(box[2] - below) < 5]
    return line, next_line


def test_the_pdfs_paragraphs_are_indented_at_their_start_in_either_direction(
    seeded, burqin_seeded, official, tmp_path
):
    """The second paragraph (布尔津县已建档牧户…) starts 2em in from the side its
    language starts at: the left in Chinese, the right in Kazakh's Arabic script,
    where WeasyPrint had put the indent at the first line's end, on the left."""
    pdftotext = pdftotext_or_skip()
    indent = 2 * 1.1 * 12  # 2em of the paragraphs' 1.1rem, in points
    for language, first_word in (("zh-hans", "已建档牧户"), ("kk-arab", "تىركەلگەن")):
        response = bulletin_in(language, official, seeded, burqin_seeded, format="pdf")
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(response.content)
        line, next_line = first_two_lines(word_boxes(pdftotext, path), first_word)
        if language == "zh-hans":
            start, next_start = min(b[1] for b in line), min(b[1] for b in next_line)
            assert start - next_start == pytest.approx(indent, abs=3), language
        else:
            start, next_start = max(b[3] for b in line), max(b[3] for b in next_line)
            assert next_start - start == pytest.approx(indent, abs=3), language


def test_the_lambs_expected_are_the_ewes_times_the_rate_rounded_as_a_calculator_rounds(
    bieke, winter_2024, burqin_official
):
    """407 ewes × 111.3 % (433 lambs of 389 ewes lambed) = 452.99: the bulletin
    said 452 lambs expected beside that very product (the fraction was cut off)."""
    with entered_on(datetime.date(2025, 1, 1)):
        record = record_create(herder=bieke, season=winter_2024, ewes_at_start=407)
    with entered_on(datetime.date(2025, 2, 9)):
        entry_create(record=record, date=datetime.date(2025, 2, 9), ewes_lambed=389, lambs_born=433)
    written = bulletin.write_bulletin(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        place=bieke.village,
        user=burqin_official,
    )
    assert "本季预计产羔453只，已完成95.6%" in written.text()  # 433 ÷ 453
    [expected] = [figure for figure in written.figures if figure.what == "预计产羔数"]
    assert expected.basis == "季初能繁母羊407 × 产羔率111.3%"


def test_every_rate_of_the_bulletin_shows_the_numbers_it_divides(
    two_townships, burqin, winter_2024, burqin_official
):
    """An official checks each rate of the list with a calculator: each share
    done said only "lambs born ÷ lambs expected", with no number to divide."""
    written = bulletin.write_bulletin(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), place=burqin, user=burqin_official
    )
    rates = rates_checked_with_a_calculator(written)
    assert len(rates) >= 6  # lambing, mortality, completeness, three shares done
    slowest = next(figure for figure in rates if figure.what == "慢乡完成比例")
    assert slowest.basis == "已填母羊数的户的产羔数15 ÷ 预计产羔数100"


def rates_checked_with_a_calculator(written: bulletin.Bulletin) -> list[bulletin.Figure]:
    """The bulletin's rates, each found equal to the division its basis shows."""
    rates = [figure for figure in written.figures if figure.text.endswith("%")]
    for figure in rates:
        division = re.search(r"(\d[\d,]*) ÷ \D*?(\d[\d,]*)", figure.basis)
        assert division, (figure.what, figure.basis)
        numerator, denominator = (Decimal(number.replace(",", "")) for number in division.groups())
        shown = (numerator * 100 / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
        assert figure.text == f"{shown}%", (figure.what, figure.basis)
    return rates


def test_the_share_done_by_the_same_day_last_season_shows_the_numbers_it_divides(
    two_townships, burqin, winter_2024, burqin_official
):
    """It said only "上季同一天的产羔数 ÷ 上季全季产羔数"."""
    previous = Season.objects.create(
        kind="winter", start_date=datetime.date(2023, 12, 1), end_date=datetime.date(2024, 2, 28)
    )
    village = Village.objects.get(name="慢乡村")
    with entered_on(datetime.date(2024, 2, 28)):
        herder = Herder.objects.create(village=village, name="老户", name_latin="Old")
        record = record_create(herder=herder, season=previous, ewes_at_start=150)
        # 72 days into the season (2024-02-11): 30 of the season's 120 lambs.
        for date, born in ((datetime.date(2024, 2, 1), 30), (datetime.date(2024, 2, 20), 90)):
            entry_create(record=record, date=date, ewes_lambed=born, lambs_born=born)
    written = bulletin.write_bulletin(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), place=burqin, user=burqin_official
    )
    assert "上一季（2023–2024 冬羔）同期已完成全季产羔的25.0%" in written.text()
    rates = rates_checked_with_a_calculator(written)
    assert "上季同一天的产羔数30 ÷ 上季全季产羔数120" in [figure.basis for figure in rates]


def test_a_place_with_one_place_below_it_names_none_the_slowest(
    two_townships, burqin, winter_2024, burqin_official
):
    """慢乡 has one village: "进度最慢的村为慢乡村" named the only one the slowest."""
    written = bulletin.write_bulletin(
        season=winter_2024,
        as_of=datetime.date(2025, 2, 11),
        place=two_townships[1],
        user=burqin_official,
    )
    assert written.text().startswith("截至2月11日，慢乡已产羔15只")
    assert "进度最慢" not in written.text()
    county = bulletin.write_bulletin(
        season=winter_2024, as_of=datetime.date(2025, 2, 11), place=burqin, user=burqin_official
    )
    assert "进度最慢的乡镇为慢乡（已完成15.0%）" in county.text()


def bulletin_text(place, season, user, language: str = "en") -> str:
    """The bulletin's text as of 11 February 2025, in ``language``."""
    with translation.override(language):
        return bulletin.write_bulletin(
            season=season, as_of=datetime.date(2025, 2, 11), place=place, user=user
        ).text()


def test_the_bulletin_in_english_writes_one_household_and_one_lamb_in_the_singular(
    bieke, winter_2024, burqin_official
):
    """It said "has 1 herder households on file", "had 1 lambs born" and "1 lambs
    are expected". Chinese and Kazakh put the number after the noun or with a
    measure word (牧户1户, малшы отбасы 1), which does not change."""
    with entered_on(datetime.date(2025, 2, 9)):
        record = record_create(herder=bieke, season=winter_2024, ewes_at_start=1)
        entry_create(record=record, date=datetime.date(2025, 2, 9), ewes_lambed=1, lambs_born=1)
    village = bieke.village
    one = bulletin_text(village, winter_2024, burqin_official)
    assert f"As of 11 February, {village.name} had 1 lamb born" in one
    assert f"{village.name} has 1 herder household on file, 1 with counts in the last 7 days" in one
    assert "At the present lambing rate, 1 lamb is expected this season" in one
    kazakh = bulletin_text(village, winter_2024, burqin_official, "kk")
    assert "тіркелген малшы отбасы 1, оның соңғы 7 күнде санақ бергені 1" in kazakh
    with entered_on(datetime.date(2025, 2, 9)):
        other = Herder.objects.create(village=village, name="新户", name_latin="Xin")
        record = record_create(herder=other, season=winter_2024, ewes_at_start=1)
        entry_create(record=record, date=datetime.date(2025, 2, 9), ewes_lambed=1, lambs_born=1)
    two = bulletin_text(village, winter_2024, burqin_official)
    assert f"{village.name} had 2 lambs born" in two
    assert "has 2 herder households on file, 2 of them with counts in the last 7 days" in two
    assert "2 lambs are expected this season" in two
    chinese = bulletin_text(village, winter_2024, burqin_official, "zh-hans")
    assert f"{village.name}已建档牧户2户，其中近7日有计数的2户" in chinese


def test_households_reporting_are_those_counted_in_the_last_7_days_not_those_not_late(
    bieke, sailike, winter_2024, burqin_official
):
    """别克 was counted on 9 February; 赛力克's household was added that day and not
    counted since. As of 11 February neither is late ("no count for more than 7
    days" counts from the day a household is added), but only 别克 reports: the
    figure's basis says what it counts, not "the households without that flag",
    which would be both."""
    with entered_on(datetime.date(2025, 2, 9)):
        record = record_create(herder=bieke, season=winter_2024, ewes_at_start=10)
        entry_create(record=record, date=datetime.date(2025, 2, 9), ewes_lambed=1, lambs_born=1)
        record_create(herder=sailike, season=winter_2024, ewes_at_start=10)
    altay = bieke.village.township.county.prefecture
    as_of = datetime.date(2025, 2, 11)
    assert quality.flag_counts(season=winter_2024, as_of=as_of, place=altay).by_flag["stale"] == 0
    with translation.override("zh-hans"):
        written = bulletin.write_bulletin(
            season=winter_2024, as_of=as_of, place=altay, user=make_user("altay", "official", altay)
        )
    assert "阿勒泰地区已建档牧户2户，其中近7日有计数的1户（报告完整率50.0%）" in written.text()
    [reporting] = [figure for figure in written.figures if figure.what == "近7日有计数的户"]
    assert reporting.basis == "建档户中计数日期在近7日内的户"


def figures_listed(page: str) -> str:
    """The list of figures below the bulletin's text, as a reader sees it."""
    listed = page[page.index('<section class="bulletin-sources">') :]
    return html.unescape(re.sub(r"<[^>]+>|[\u2066-\u2069]", "", listed))


def test_a_rate_with_nothing_to_divide_by_says_why_it_is_unknown(
    seeded, burqin_seeded, official, tmp_path
):
    """布尔津县's one household has no survival check and no ewes lambed counted:
    its survival rate's basis read "… = 0 ÷ 0", a division by zero, where the
    rate is unknown (—) because no household has been checked."""
    for language, survival, lambing in (
        (
            "zh-hans",
            "最近一次检查的成活羔羊 ÷ 截至当时的产羔数：尚无成活检查",
            "产羔数 ÷ 产羔母羊：尚未登记产羔母羊",
        ),
        (
            "en",
            "lambs alive at the latest check ÷ lambs born by then: no survival checks yet",
            "lambs born ÷ ewes lambed: no ewes lambed counted yet",
        ),
        ("kk", "сақталу тексерісі әлі болған жоқ", "қоздаған саулықтар әлі саналмаған"),
        ("kk-arab", "ساقتالۋ تەكسەرىسى ٴالى بولعان جوق", "قوزداعان ساۋلىقتار ٴالى سانالماعان"),
    ):
        listed = figures_listed(
            bulletin_in(language, official, seeded, burqin_seeded).content.decode()
        )
        assert survival in listed, language
        assert lambing in listed, language
        assert "0 ÷ 0" not in listed, language
    # The PDF lists the same figures.
    pdftotext = pdftotext_or_skip()
    response = bulletin_in("zh-hans", official, seeded, burqin_seeded, format="pdf")
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 (the test's own arguments)
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "尚无成活检查" in flat and "尚未登记产羔母羊" in flat
    assert "0÷0" not in flat


# A household's counts past a thousand, and each figure of the bulletin they make.
THOUSANDS = ("1397", "1200", "2400", "2794")


def ungrouped(text: str) -> list[str]:
    """The numbers of ``THOUSANDS`` written without their thousands separator."""
    numbers = "|".join(THOUSANDS)
    return re.findall(rf"(?<![\d,])(?:{numbers})(?![\d,])", text)


def test_the_bulletin_groups_its_thousands_as_the_summarys_table_does(
    burqin, tongke, winter_2024, burqin_official, tmp_path
):
    """The summary's table writes 1,397 lambs born; the bulletin wrote 已产羔1397只,
    its lambing rate's basis 1397 ÷ 1200 and its lambs expected 2400 × …, beside
    the list of figures' 1,397: two ways in one document. Every figure and basis
    is grouped now, in each language, on the page and in its PDF."""
    with entered_on(datetime.date(2025, 1, 1)):
        record = record_create(
            herder=Herder.objects.create(village=tongke, name="大户", name_latin="Big"),
            season=winter_2024,
            ewes_at_start=2400,
        )
    on = datetime.date(2025, 2, 5)
    with entered_on(on):
        entry_create(record=record, date=on, ewes_lambed=1200, lambs_born=1397)
    client = Client()
    client.login(username=burqin_official.username, password=PASSWORD)
    query = {"season": winter_2024.pk, "as_of": "2025-02-11", "place": f"county:{burqin.pk}"}
    assert "1,397" in client.get("/", query).content.decode()
    for language, first in (
        ("zh-hans", "截至2月11日，布尔津县已产羔1,397只"),
        ("en", "As of 11 February, 布尔津县 had 1,397 lambs born"),
        ("kk", "2025-02-11 бойынша 布尔津县: туған қозылар 1,397"),
        ("kk-arab", "1,397"),
    ):
        page = bulletin_in(language, burqin_official, winter_2024, burqin).content.decode()
        said, listed = sentences(page), figures_listed(page)
        assert first in said, (language, said)
        assert "2,794" in said and "1,397 ÷ 1,200" in listed and "2,400 ×" in listed
        assert ungrouped(said + listed) == [], language
    pdftotext = pdftotext_or_skip()
    for language in ("zh-hans", "kk"):
        path = tmp_path / f"{language}.pdf"
        path.write_bytes(
            bulletin_in(language, burqin_official, winter_2024, burqin, format="pdf").content
        )
        text = subprocess.run(  # noqa: S603 (the test's own arguments)
            [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = "".join(text.split())
        assert "1,397" in flat and "2,794" in flat, language
        assert ungrouped(flat) == [], language
