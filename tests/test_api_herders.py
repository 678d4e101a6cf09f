"""/api/v1/herders/: herder households by place, with their Chinese names as
written and a Latin transliteration; technicians add and rename them within
their scope."""

import pytest
from django.test import Client

from livestock.models import Herder, Village
from livestock.services.places import herder_create, herder_update
from livestock.services.users import user_create
from tests.conftest import PASSWORD
from tests.test_api_base import (
    API,
    ListQueryTests,
    ReadTests,
    VersionedTests,
    WriteTests,
    api,
    ids,
    names,
)

URL = API + "herders/"


class TestHerders(ReadTests, ListQueryTests, WriteTests, VersionedTests):
    url = URL
    model = Herder
    scope_field = "village"

    @pytest.fixture
    def inside(self, sailike):
        return sailike

    @pytest.fixture
    def outside(self, bieke):
        return bieke

    @pytest.fixture
    def make_inside(self, qibaerwoyi):
        def make(n: int) -> None:
            start = Herder.objects.count()
            for number in range(start, start + n):
                herder_create(
                    village=qibaerwoyi, name=f"牧户{number}", name_latin=f"Herder {number}"
                )

        return make

    @pytest.fixture
    def create_data(self, qibaerwoyi):
        return {"village": qibaerwoyi.pk, "name": "哈那提·阿依达尔", "name_latin": "Hanati Ayidaer"}

    @pytest.fixture
    def outside_data(self, create_data, tongke):
        return {**create_data, "village": tongke.pk}

    @pytest.fixture
    def patch_data(self):
        return {"name_latin": "Sailike Qukmu"}

    @pytest.fixture
    def put_data(self, qibaerwoyi):
        return {"village": qibaerwoyi.pk, "name": "赛力克·曲克木", "name_latin": "Sailike Qukemu"}

    def change_elsewhere(self, obj):
        herder_update(obj, name_latin="Changed by a colleague")


@pytest.fixture
def both_counties(bieke, sailike, prefecture_official):
    """别克 in 布尔津县 and 赛力克 in 福海县, read by an official of the prefecture."""
    return api(prefecture_official)


def test_a_fuhai_token_gets_404_for_a_burqin_herder_and_cannot_add_one_there(
    fuhai_technician, bieke, tongke
):
    client = api(fuhai_technician)
    assert client.get(f"{URL}{bieke.pk}/").status_code == 404
    response = client.post(URL, {"village": tongke.pk, "name": "新牧户", "name_latin": "New"})
    assert response.status_code == 400
    assert "village" in response.json()
    assert not Herder.objects.filter(name="新牧户").exists()


def test_a_herder_keeps_the_chinese_name_exactly_as_written(fuhai_technician, sailike):
    herder = api(fuhai_technician).get(f"{URL}{sailike.pk}/").json()
    assert (herder["name"], herder["name_latin"]) == ("赛力克·屈克木", "Sailike Qukemu")


def test_a_herder_names_its_village_township_and_county(
    fuhai_technician, sailike, qibaerwoyi, kokeaheshi, fuhai
):
    herder = api(fuhai_technician).get(f"{URL}{sailike.pk}/").json()
    assert (herder["village"], herder["township"], herder["county"]) == (
        qibaerwoyi.pk,
        kokeaheshi.pk,
        fuhai.pk,
    )


@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_herders_filter_by_place_at_any_level(both_counties, sailike, level):
    place_id = {
        "county": sailike.village.township.county_id,
        "township": sailike.village.township_id,
        "village": sailike.village_id,
    }[level]
    assert ids(both_counties.get(URL, {level: place_id})) == [sailike.pk]


@pytest.mark.parametrize("term", ["别克", "木合亚提", "bieke", "MUHEYATI"])
def test_search_finds_a_herder_by_chinese_or_latin_name_in_part(both_counties, bieke, term):
    assert names(both_counties.get(URL, {"search": term})) == ["别克·木合亚提"]


def test_a_search_that_matches_nothing_is_an_empty_page(both_counties):
    response = both_counties.get(URL, {"search": "努尔兰"})
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_herders_are_ordered_by_the_field_asked_for(both_counties):
    assert names(both_counties.get(URL, {"ordering": "name_latin"})) == [
        "别克·木合亚提",
        "赛力克·屈克木",
    ]
    assert names(both_counties.get(URL, {"ordering": "-name_latin"})) == [
        "赛力克·屈克木",
        "别克·木合亚提",
    ]


def test_herders_come_in_pages_with_count_and_links(fuhai_technician, qibaerwoyi):
    for number in range(3):
        herder_create(village=qibaerwoyi, name=f"牧户{number}", name_latin=f"H{number}")
    client = api(fuhai_technician)
    first = client.get(URL, {"page_size": 2, "ordering": "name"}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    second = client.get(first["next"]).json()
    assert [herder["name"] for herder in second["results"]] == ["牧户2"]
    assert second["next"] is None


def test_moving_a_herder_into_another_county_is_refused(fuhai_technician, sailike, tongke):
    response = api(fuhai_technician).patch(f"{URL}{sailike.pk}/", {"village": tongke.pk})
    assert response.status_code == 400
    assert "village" in response.json()
    sailike.refresh_from_db()
    assert sailike.village.township.county.name == "福海县"


def test_a_herder_cannot_be_deleted_through_the_api(fuhai_technician, sailike):
    response = api(fuhai_technician).delete(f"{URL}{sailike.pk}/")
    assert response.status_code in (403, 405)
    assert Herder.objects.filter(pk=sailike.pk).exists()


def test_an_integration_token_without_write_reads_but_cannot_add(fuhai, qibaerwoyi, sailike):
    created = user_create(
        username="stats-platform", role="integration", places=[fuhai], password=PASSWORD
    )
    client = api(created.user)
    assert ids(client.get(URL)) == [sailike.pk]
    response = client.post(URL, {"village": qibaerwoyi.pk, "name": "新", "name_latin": "New"})
    assert response.status_code == 403
    assert Herder.objects.count() == 1


def test_an_integration_token_granted_write_adds_a_herder_in_its_scope(fuhai, qibaerwoyi):
    created = user_create(
        username="mobile-app", role="integration", places=[fuhai], password=PASSWORD, write=True
    )
    response = api(created.user).post(
        URL, {"village": qibaerwoyi.pk, "name": "新牧户", "name_latin": "New Herder"}
    )
    assert response.status_code == 201, response.content
    assert Herder.objects.get(pk=response.json()["id"]).village == qibaerwoyi


def test_a_technician_logged_in_to_the_admin_reads_the_api_with_the_session(
    fuhai_technician, sailike
):
    client = Client()
    assert client.login(username=fuhai_technician.username, password=PASSWORD)
    response = client.get(URL)
    assert [herder["id"] for herder in response.json()["results"]] == [sailike.pk]


def test_a_write_with_the_session_needs_the_csrf_token(fuhai_technician, qibaerwoyi):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=fuhai_technician.username, password=PASSWORD)
    response = client.post(
        URL,
        {"village": qibaerwoyi.pk, "name": "新牧户", "name_latin": "New"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Herder.objects.filter(name="新牧户").exists()


def test_an_unknown_token_is_a_401(sailike):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(URL).status_code == 401


def test_a_new_household_whose_name_looks_like_one_of_its_village_is_refused_naming_it(
    fuhai_technician, qibaerwoyi, sailike
):
    """Spaces typed around the middle dot: a second 赛力克 would split the
    season's counts between two households."""
    response = api(fuhai_technician).post(
        URL, {"village": qibaerwoyi.pk, "name": "赛力克 · 屈克木", "name_latin": "Sailike"}
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["name"]
    chinese, english = message.split(" · ", 1)
    assert chinese.startswith(
        f"与本村牧户赛力克·屈克木 Sailike Qukemu（id {sailike.pk}）的名字相似"
    )
    assert "U+0020 SPACE" in chinese
    assert english.startswith(
        f"looks like the name of the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk}) "
        "of this village; they differ in: U+0020 SPACE. "
    )
    assert "confirm_distinct: true" in english
    assert list(Herder.objects.values_list("name", flat=True)) == ["赛力克·屈克木"]


def test_the_very_same_name_in_the_village_is_refused_and_latin_look_alikes_too(
    fuhai_technician, woyimoke_technician, qibaerwoyi, tongke, sailike, bieke
):
    client = api(fuhai_technician)
    same = client.post(URL, {"village": qibaerwoyi.pk, "name": "赛力克·屈克木", "name_latin": "S"})
    assert same.status_code == 400
    assert "nothing, the same name" in same.json()["name"][0]
    # the Latin name typed as the name, a Cyrillic а in it: found by any of its names
    latin = client.post(
        URL, {"village": qibaerwoyi.pk, "name": "Sаilike Qukemu", "name_latin": "S"}
    )
    assert latin.status_code == 400
    assert f"(id {sailike.pk})" in latin.json()["name"][0]
    assert "U+0430 CYRILLIC SMALL LETTER A; U+0061 LATIN SMALL LETTER A" in latin.json()["name"][0]
    # the same name in another village is another household
    elsewhere = api(woyimoke_technician).post(
        URL, {"village": tongke.pk, "name": "赛力克·屈克木", "name_latin": "Sailike Qukemu"}
    )
    assert elsewhere.status_code == 201, elsewhere.content


def test_a_household_confirmed_distinct_is_added_beside_the_look_alike(
    fuhai_technician, qibaerwoyi, sailike
):
    client = api(fuhai_technician)
    data = {"village": qibaerwoyi.pk, "name": "赛力克·屈克木", "name_latin": "Sailike Qukemu"}
    response = client.post(URL, {**data, "confirm_distinct": True})
    assert response.status_code == 201, response.content
    assert "confirm_distinct" not in response.json()
    assert Herder.objects.filter(village=qibaerwoyi, name="赛力克·屈克木").count() == 2
    # and a rename of either is not asked to confirm again
    renamed = client.patch(f"{URL}{response.json()['id']}/", {"name_latin": "Sailike Qukemu II"})
    assert renamed.status_code == 200, renamed.content


def test_a_new_household_named_in_traditional_characters_is_refused_as_a_look_alike(
    fuhai_technician, qibaerwoyi, sailike, english
):
    """賽 is 赛 in traditional characters: the same household, typed on a phone
    set to traditional characters."""
    response = api(fuhai_technician).post(
        URL, {"village": qibaerwoyi.pk, "name": "賽力克·屈克木", "name_latin": "Sailike"}
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["name"]
    assert f"赛力克·屈克木 Sailike Qukemu (id {sailike.pk})" in message
    assert "U+8CFD CJK UNIFIED IDEOGRAPH-8CFD; U+8D5B CJK UNIFIED IDEOGRAPH-8D5B" in message


def test_a_household_renamed_like_another_of_its_village_is_refused_until_confirmed(
    fuhai_technician, qibaerwoyi, sailike
):
    """哈力木·别克 renamed with a Cyrillic а in 赛力克's Latin name: it would be
    taken for 赛力克 by every file and search after. Refused naming him and the
    character, in Chinese with English beside it; nothing changes. Confirmed,
    the rename is saved."""
    halimu = herder_create(village=qibaerwoyi, name="哈力木·别克", name_latin="Halimu Bieke")
    client = api(fuhai_technician)
    url = f"{URL}{halimu.pk}/"

    response = client.patch(url, {"name": "S\u0430ilike Qukemu"})

    assert response.status_code == 400, response.content
    [message] = response.json()["name"]
    chinese, english = message.split(" · ")
    assert chinese == (
        f"与本村牧户赛力克·屈克木 Sailike Qukemu（id {sailike.pk}）的名字相似，不同之处："
        "U+0430 CYRILLIC SMALL LETTER A; U+0061 LATIN SMALL LETTER A。"
        "如确为另一户，请勾选“确为另一户”（API 中：confirm_distinct: true）后再保存。"
    )
    assert english.startswith(
        f"looks like the name of the household 赛力克·屈克木 Sailike Qukemu (id {sailike.pk}) "
        "of this village; they differ in: U+0430 CYRILLIC SMALL LETTER A; "
        "U+0061 LATIN SMALL LETTER A. "
    )
    halimu.refresh_from_db()
    assert (halimu.name, halimu.version, halimu.history.count()) == ("哈力木·别克", 1, 1)
    assert client.get(url).json()["name"] == "哈力木·别克"

    confirmed = client.patch(url, {"name": "S\u0430ilike Qukemu", "confirm_distinct": True})

    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["name"], confirmed.json()["version"]) == ("S\u0430ilike Qukemu", 2)
    assert "confirm_distinct" not in confirmed.json()


def test_a_household_moved_to_a_village_with_one_of_its_name_is_refused_until_confirmed(
    fuhai_technician, kokeaheshi, qibaerwoyi, sailike
):
    other = Village.objects.create(township=kokeaheshi, name="1号村", name_latin="Cun 1")
    namesake = herder_create(village=other, name="赛力克·屈克木", name_latin="Sailike 2")
    client = api(fuhai_technician)
    url = f"{URL}{namesake.pk}/"

    response = client.patch(url, {"village": qibaerwoyi.pk})

    assert response.status_code == 400, response.content
    [message] = response.json()["name"]
    assert f"（id {sailike.pk}）的名字相似，不同之处：无，名字相同。" in message
    assert f"(id {sailike.pk}) of this village; they differ in: nothing, the same name." in message
    namesake.refresh_from_db()
    assert (namesake.village, namesake.version) == (other, 1)

    confirmed = client.patch(url, {"village": qibaerwoyi.pk, "confirm_distinct": True})
    assert confirmed.status_code == 200, confirmed.content
    assert Herder.objects.filter(village=qibaerwoyi, name="赛力克·屈克木").count() == 2


def test_a_household_is_not_its_own_look_alike_nor_asked_again_for_names_it_keeps(
    fuhai_technician, qibaerwoyi, sailike
):
    """赛力克·屈克木 renamed 賽力克·屈克木 (traditional characters) looks like
    itself alone; and a household confirmed distinct before is sent whole again
    (PUT) with the name it has, unchanged."""
    client = api(fuhai_technician)
    renamed = client.patch(f"{URL}{sailike.pk}/", {"name": "賽力克·屈克木"})
    assert renamed.status_code == 200, renamed.content
    namesake = herder_create(
        village=qibaerwoyi, name="赛力克·屈克木", name_latin="Sailike 2", confirm_distinct=True
    )
    whole = {"village": qibaerwoyi.pk, "name": "赛力克·屈克木", "name_latin": "Sailike II"}

    sent_again = client.put(f"{URL}{namesake.pk}/", whole)

    assert sent_again.status_code == 200, sent_again.content
    assert list(Herder.objects.order_by("pk").values_list("name", "name_latin")) == [
        ("賽力克·屈克木", "Sailike Qukemu"),
        ("赛力克·屈克木", "Sailike II"),
    ]
