"""Names are stored one way whatever typed them: NFC, never NFKC, and Kazakh in
the Arabic script with the high hamza as Unicode advises; a herder is found by
any of its names, in the field app, the admin and the API."""

import datetime
import re
import unicodedata

import pytest
from django.db import connection
from django.db.models.functions import Collate
from django.test import Client
from django.utils import timezone

from livestock.models import Herder, Season
from livestock.places.names import folded, lookalike_key, normalize_name
from livestock.services.places import herder_create, herder_update
from livestock.services.records import record_create
from tests.conftest import PASSWORD
from tests.test_admin import logged_in
from tests.test_api_base import API, api, names
from tests.test_hostile_input import csv_file, send_file

# Әлия, as Xinjiang writes it: the high hamza (U+0674) once, before the word.
ALIYA = "\u0674\u0627\u0644\u064a\u064a\u0627"  # ٴالييا
# The same name typed with the legacy HIGH HAMZA ALEF (U+0675) of older keyboards.
ALIYA_LEGACY = "\u0675\u0644\u064a\u064a\u0627"  # ٵلييا
# Серік: ە already shows the front vowels, so no hamza is written.
SERIK = "سەرىك"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (ALIYA_LEGACY, ALIYA),
        (ALIYA, ALIYA),
        ("\u0633\u06d5\u0631\u0678\u0643", SERIK),  # ى typed as legacy ٸ: no hamza, ە is there
        ("Бекзат Сері\u0439", "Бекзат Серій"),  # й typed as и + combining breve
        ("Aliya Mukhame\u0301t", "Aliya Mukhamét"),
        ("别克·木合亚提", "别克·木合亚提"),
    ],
)
def test_a_name_is_stored_in_one_spelling(typed, stored):
    assert normalize_name(typed) == stored
    assert unicodedata.is_normalized("NFC", normalize_name(typed))


def test_names_are_never_folded_by_nfkc():
    """NFKC would make full-width letters and ligatures other characters."""
    assert normalize_name("ＡＢ ﬁ") == "ＡＢ ﬁ"


def test_a_herder_saved_with_a_legacy_spelling_is_stored_as_unicode_advises(qibaerwoyi):
    herder = herder_create(
        village=qibaerwoyi, name="阿丽娅", name_latin="Aliya", name_kazakh=ALIYA_LEGACY
    )
    assert Herder.objects.get(pk=herder.pk).name_kazakh == ALIYA
    assert herder.name_kazakh == ALIYA


@pytest.fixture
def aliya(qibaerwoyi) -> Herder:
    return herder_create(village=qibaerwoyi, name="阿丽娅", name_latin="Aliya", name_kazakh=ALIYA)


@pytest.mark.parametrize("search", [ALIYA, ALIYA_LEGACY, "الييا", "阿丽娅", "aliya"])
def test_the_api_finds_a_herder_by_any_of_its_names(fuhai_technician, aliya, sailike, search):
    response = api(fuhai_technician).get(API + "herders/", {"search": search})
    assert names(response) == ["阿丽娅"]
    assert response.json()["results"][0]["name_kazakh"] == ALIYA


def test_the_api_stores_a_herders_kazakh_name(fuhai_technician, qibaerwoyi):
    response = api(fuhai_technician).post(
        API + "herders/",
        {
            "name": "阿丽娅",
            "name_latin": "Aliya",
            "name_kazakh": ALIYA_LEGACY,
            "village": qibaerwoyi.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["name_kazakh"] == ALIYA


def test_the_api_finds_a_herders_records_by_its_kazakh_name(
    fuhai_technician, aliya, sailike_record, winter_2024
):
    record_create(herder=aliya, season=winter_2024)
    response = api(fuhai_technician).get(API + "lambing-records/", {"search": ALIYA_LEGACY})
    assert [record["herder"] for record in response.json()["results"]] == [aliya.pk]


@pytest.mark.parametrize("search", [ALIYA, ALIYA_LEGACY])
def test_the_admin_finds_a_herder_by_its_kazakh_name(fuhai_technician, aliya, sailike, search):
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get("/admin/livestock/herder/", {"q": search}).content.decode()
    assert "阿丽娅" in page
    assert ALIYA in page
    assert "赛力克" not in page


@pytest.mark.parametrize("search", [ALIYA, ALIYA_LEGACY])
def test_the_field_app_finds_a_household_by_its_kazakh_name(fuhai_technician, qibaerwoyi, search):
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=50),
    )
    aliya = herder_create(village=qibaerwoyi, name="阿丽娅", name_latin="Aliya", name_kazakh=ALIYA)
    record = record_create(herder=aliya, season=season, ewes_at_start=50)
    sailike = herder_create(village=qibaerwoyi, name="赛力克", name_latin="Sailike")
    other = record_create(herder=sailike, season=season, ewes_at_start=50)
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get("/field/", {"q": search}).content.decode()
    assert f'data-record="{record.pk}"' in page
    assert f'data-record="{other.pk}"' not in page
    assert f"<bdi>{ALIYA}</bdi>" in page


@pytest.fixture
def erlan(qibaerwoyi) -> Herder:
    """A household whose Kazakh name is written in Cyrillic, as in Kazakhstan."""
    return herder_create(
        village=qibaerwoyi,
        name="叶尔兰·哈布都",
        name_latin="Ärlan Habdu",
        name_kazakh="Ерлан Хабду",
    )


# A part of a name typed in any case, in Cyrillic and in Latin beyond ASCII.
ANY_CASE = ["ерлан", "хабду", "ЕРЛАН ХАБДУ", "еРЛАн", "ärlan", "ÄRLAN", "habdu"]


@pytest.mark.parametrize("search", ANY_CASE)
def test_the_api_finds_a_herder_by_its_name_in_any_case_and_script(
    fuhai_technician, erlan, sailike, search
):
    """SQLite's LIKE folds only ASCII: "ерлан" found nothing where "Ерлан" found him."""
    response = api(fuhai_technician).get(API + "herders/", {"search": search})
    assert names(response) == ["叶尔兰·哈布都"]


@pytest.mark.parametrize("search", ["ерлан", "ÄRLAN"])
def test_the_api_finds_a_herders_records_by_its_name_in_any_case(
    fuhai_technician, erlan, sailike_record, winter_2024, search
):
    record_create(herder=erlan, season=winter_2024)
    response = api(fuhai_technician).get(API + "lambing-records/", {"search": search})
    assert [record["herder"] for record in response.json()["results"]] == [erlan.pk]


@pytest.mark.parametrize("search", ANY_CASE)
def test_the_admin_finds_a_herder_by_its_name_in_any_case_and_script(
    fuhai_technician, erlan, sailike, search
):
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get("/admin/livestock/herder/", {"q": search}).content.decode()
    assert "叶尔兰·哈布都" in page
    assert "赛力克" not in page


@pytest.mark.parametrize("search", ANY_CASE)
def test_the_field_app_finds_a_household_by_its_name_in_any_case_and_script(
    fuhai_technician, erlan, qibaerwoyi, search
):
    today = timezone.localdate()
    season = Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=50),
    )
    record = record_create(herder=erlan, season=season, ewes_at_start=50)
    sailike = herder_create(village=qibaerwoyi, name="赛力克", name_latin="Sailike")
    other = record_create(herder=sailike, season=season, ewes_at_start=50)
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get("/field/", {"q": search}).content.decode()
    assert f'data-record="{record.pk}"' in page
    assert f'data-record="{other.pk}"' not in page


@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Ерлан", "ерлан"), ("Äigül İsa", "äigül i̇sa"), ("ΣΟΦΊΑ", "σοφία"), ("Qazaq", "QAZAQ")],
)
def test_a_name_is_matched_in_the_database_as_python_folds_it(qibaerwoyi, stored, typed):
    """The one rule of a name's case (places/names.py ``folded``), the same in the
    database (``Folded``) on SQLite and PostgreSQL: lookups of either case find it."""
    herder = herder_create(village=qibaerwoyi, name="某", name_latin=stored)
    assert folded(stored) == folded(typed)
    for lookup in ("iexact", "icontains", "istartswith", "iendswith"):
        found = Herder.objects.filter(**{f"name_latin__{lookup}": typed})
        assert list(found) == [herder], lookup
    assert not Herder.objects.filter(name_latin__icontains=typed + "x").exists()


def test_a_name_is_matched_in_any_case_whatever_the_databases_locale(qibaerwoyi):
    """On PostgreSQL, LOWER and ILIKE fold by the database's locale: in the C locale
    ASCII only, as SQLite. A name under the C collation is still found in any case."""
    herder = herder_create(village=qibaerwoyi, name="某", name_latin="Ерлан")
    if connection.vendor != "postgresql":
        pytest.skip("collations are PostgreSQL's")
    in_c = Herder.objects.annotate(latin_c=Collate("name_latin", "C"))
    assert not in_c.filter(latin_c__contains="ерлан").exists()
    assert list(in_c.filter(latin_c__icontains="ерлан")) == [herder]


def test_a_search_for_a_like_wildcard_finds_only_names_holding_it(qibaerwoyi, sailike):
    """Folding both sides keeps LIKE's % and _ typed in a search as the characters."""
    percent = herder_create(village=qibaerwoyi, name="百分", name_latin="Fifty%Fifty")
    assert list(Herder.objects.filter(name_latin__icontains="%")) == [percent]
    assert list(Herder.objects.filter(name_latin__icontains="y%f")) == [percent]
    assert not Herder.objects.filter(name_latin__icontains="_").exists()


def test_a_household_met_in_the_field_keeps_its_kazakh_name(fuhai_technician, qibaerwoyi):
    today = timezone.localdate()
    Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=50),
    )
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {
            "action": "new_household",
            "name": "阿丽娅",
            "name_latin": "",
            "name_kazakh": ALIYA_LEGACY,
            "ewes_at_start": 80,
        },
    )
    assert Herder.objects.get(name="阿丽娅").name_kazakh == ALIYA


def test_a_name_box_takes_the_direction_of_what_is_typed(fuhai_technician):
    """A Kazakh name in the Arabic script is typed right to left even on a Chinese page."""
    client = Client()
    client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get("/admin/livestock/herder/add/").content.decode()
    kazakh_box = re.search(r'<input[^>]*name="name_kazakh"[^>]*>', page).group()
    assert 'dir="auto"' in kazakh_box


# A name needs a visible character

INVISIBLE = ["\u200b", "\u200c\u200d", "\ufeff", " \u200b ", "\u2060", "\u3164", "\u200b\u00a0"]


def code_points(text: str) -> str:
    return ", ".join(dict.fromkeys(f"U+{ord(character):04X}" for character in text))


def invisible_message(text: str) -> str:
    return (
        "A name needs a visible character (a letter, digit or sign); "
        f"this one holds only {code_points(text)}."
    )


@pytest.mark.parametrize("name", INVISIBLE, ids=ascii)
@pytest.mark.parametrize("field", ["name", "name_latin", "name_kazakh"])
def test_the_api_refuses_a_name_of_invisible_characters_naming_them(
    fuhai_technician, qibaerwoyi, field, name, english
):
    """A zero-width space alone was stored: a household listed with no name, which
    no search finds and nobody can tell from another."""
    herder = {"name": "阿丽娅", "name_latin": "Aliya", "village": qibaerwoyi.pk}

    response = api(fuhai_technician).post(API + "herders/", {**herder, field: name})

    assert response.status_code == 400
    assert response.json() == {field: [invisible_message(name.strip())]}
    assert not Herder.objects.exists()


def test_the_api_refuses_a_rename_to_invisible_characters(fuhai_technician, sailike, english):
    response = api(fuhai_technician).patch(f"{API}herders/{sailike.pk}/", {"name": "\u200b"})

    assert response.status_code == 400
    assert response.json() == {"name": [invisible_message("\u200b")]}
    assert Herder.objects.get(pk=sailike.pk).name == sailike.name


def test_a_name_of_invisible_characters_is_refused_in_chinese(fuhai_technician, qibaerwoyi):
    response = api(fuhai_technician, language="zh-hans").post(
        API + "herders/", {"name": "\ufeff", "name_latin": "Aliya", "village": qibaerwoyi.pk}
    )
    assert response.json() == {"name": ["名称须含可见字符（字母、数字或符号）；此名称只含U+FEFF。"]}


@pytest.mark.parametrize(
    "name", ["别克·木合亚提", "\u200bАлия", "ئالييا\u200c", "Aliya\ufeff", "阿丽娅 2"], ids=ascii
)
def test_a_name_with_a_visible_character_is_stored_as_written(qibaerwoyi, name):
    herder = herder_create(village=qibaerwoyi, name=name, name_latin="Aliya")
    assert Herder.objects.get(pk=herder.pk).name == normalize_name(name)


def test_the_admin_refuses_a_name_of_invisible_characters_at_its_field(
    fuhai_technician, qibaerwoyi
):
    response = logged_in(fuhai_technician, "en").post(
        "/admin/livestock/herder/add/",
        {"name": "\u200b\u200c", "name_latin": "Aliya", "village": qibaerwoyi.pk},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == [invisible_message("\u200b\u200c")]
    assert not Herder.objects.exists()


def test_the_field_app_refuses_a_household_named_with_invisible_characters(
    fuhai_technician, qibaerwoyi
):
    today = timezone.localdate()
    Season.objects.create(
        kind="winter",
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=50),
    )
    client = logged_in(fuhai_technician, "en")

    response = client.post(
        f"/field/village/{qibaerwoyi.pk}/",
        {"action": "new_household", "name": "\ufeff", "name_latin": "", "ewes_at_start": 80},
    )

    assert response.status_code == 400
    assert response.context["new_household"].errors["name"] == [invisible_message("\ufeff")]
    assert invisible_message("\ufeff") in response.content.decode()
    assert not Herder.objects.exists()


def test_an_import_refuses_a_household_named_with_invisible_characters_at_its_cell(
    fuhai_technician, winter_2024, qibaerwoyi, english
):
    response = send_file(fuhai_technician, csv_file(herder="\u200b\u200b"))

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["line"], error["column"], error["value"]) == (2, "牧户 herder", "\u200b\u200b")
    assert error["errors"] == {"牧户 herder": [invisible_message("\u200b")]}
    assert not Herder.objects.exists()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Sailike Qukemu", "S\u0430ilike Qukemu"),  # a Cyrillic а typed for a Latin a
        ("Сайлау", "C\u0430\u0439\u043bay"),  # Cyrillic, with Latin C, a, y typed in it
        ("牧户12", "牧户１２"),  # full-width digits
        ("别克·木合亚提", "别克·木合亚提\u200b"),  # a trailing zero-width space
        ("别克·木合亚提", "别克・木合亚提"),  # a katakana middle dot
        ("别克·木合亚提", "别克 • 木合亚提"),  # a bullet, with spaces around it
        ("Bieke Muheyati", "Bieke  MUHEYATI "),  # spaces, letter case
        (ALIYA, ALIYA_LEGACY),
        ("赛力克·马尔", "賽力克·馬爾"),  # traditional characters for the simplified ones
        ("阿尔达克", "阿爾達克"),
        ("苎", "薴"),  # 薴 is 苧 in the table, and 苧 is 苎
    ],
)
def test_names_that_look_alike_have_one_key(one, other):
    assert one != other
    assert lookalike_key(one) == lookalike_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("别克", "别克·木合亚提"),
        ("Asan", "Hasan"),
        ("牧户1", "牧户2"),
        ("Серік", "Серіk2"),
        ("马", "乌"),  # near in their strokes, not one character in two forms
    ],
)
def test_names_that_differ_keep_their_own_keys(one, other):
    assert lookalike_key(one) != lookalike_key(other)


def test_a_households_look_alike_keys_are_written_by_every_save(qibaerwoyi):
    herder = herder_create(village=qibaerwoyi, name="别克・木合亚提", name_latin="B\u0435k")

    herder.refresh_from_db()
    assert herder.name == "别克・木合亚提"  # the name itself as written
    assert (herder.name_key, herder.name_latin_key, herder.name_kazakh_key) == (
        "别克·木合亚提",
        "bek",
        "",
    )
    herder_update(herder, name_kazakh="Бек")
    herder.refresh_from_db()
    assert herder.name_kazakh_key == "бek"
    assert "name_key" not in {field.name for field in Herder.history.model._meta.fields}
