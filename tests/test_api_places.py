"""/api/v1/prefectures/, counties/, townships/, villages/: the places of a
user's scope (and those above it, by name), read-only, with Chinese and Latin
names."""

import pytest

from livestock.models import County, Township, Village
from tests.test_api_base import (
    API,
    ListQueryTests,
    ReadTests,
    api,
    ids,
    names,
)


class TestCounties(ReadTests):
    url = API + "counties/"

    @pytest.fixture
    def inside(self, fuhai):
        return fuhai

    @pytest.fixture
    def outside(self, burqin):
        return burqin


class TestTownships(ReadTests):
    url = API + "townships/"

    @pytest.fixture
    def inside(self, kokeaheshi):
        return kokeaheshi

    @pytest.fixture
    def outside(self, woyimoke):
        return woyimoke


class TestVillages(ReadTests, ListQueryTests):
    url = API + "villages/"

    @pytest.fixture
    def inside(self, qibaerwoyi):
        return qibaerwoyi

    @pytest.fixture
    def outside(self, tongke):
        return tongke

    @pytest.fixture
    def make_inside(self, kokeaheshi):
        def make(n: int) -> None:
            start = Village.objects.count()
            for number in range(start, start + n):
                Village.objects.create(
                    township=kokeaheshi, name=f"村{number}", name_latin=f"Village {number}"
                )

        return make


def test_a_county_technician_sees_the_prefecture_above_by_name(fuhai_technician, altay):
    assert names(api(fuhai_technician).get(API + "prefectures/")) == ["阿勒泰地区"]


def test_a_township_technician_sees_their_county_but_not_the_next(
    woyimoke_technician, burqin, fuhai
):
    assert names(api(woyimoke_technician).get(API + "counties/")) == ["布尔津县"]


def test_a_place_carries_its_chinese_and_latin_names(fuhai_technician, kokeaheshi, fuhai):
    body = api(fuhai_technician).get(f"{API}townships/{kokeaheshi.pk}/").json()
    assert body == {
        "id": kokeaheshi.pk,
        "name": "阔克阿勒什乡",
        "name_latin": "Kuokealeshi Township",
        "county": fuhai.pk,
    }


@pytest.fixture
def official(prefecture_official, kokeaheshi, qibaerwoyi, woyimoke, tongke):
    """An official of the prefecture, reading both counties' places."""
    return api(prefecture_official)


def test_townships_filter_by_county(official, fuhai, burqin):
    assert names(official.get(API + "townships/", {"county": fuhai.pk})) == ["阔克阿勒什乡"]
    assert names(official.get(API + "townships/", {"county": burqin.pk})) == ["窝依莫克镇"]


def test_villages_filter_by_township_and_by_county(official, woyimoke, fuhai):
    assert names(official.get(API + "villages/", {"township": woyimoke.pk})) == ["通克村"]
    assert names(official.get(API + "villages/", {"county": fuhai.pk})) == ["齐巴尔窝依村"]


def test_a_village_names_its_county(official, tongke, burqin):
    assert official.get(f"{API}villages/{tongke.pk}/").json()["county"] == burqin.pk


def test_counties_filter_by_prefecture(official, altay):
    assert len(ids(official.get(API + "counties/", {"prefecture": altay.pk}))) == 2


@pytest.mark.parametrize(
    ("term", "found"),
    [("布尔津", "布尔津县"), ("福海", "福海县"), ("burqin", "布尔津县"), ("FUHAI", "福海县")],
)
def test_search_finds_a_county_by_chinese_or_latin_name(official, term, found):
    assert names(official.get(API + "counties/", {"search": term})) == [found]


def test_search_finds_a_village_by_latin_name_in_part(official):
    assert names(official.get(API + "villages/", {"search": "qibaer"})) == ["齐巴尔窝依村"]


def test_places_are_ordered_by_the_field_asked_for(official):
    by_latin = names(official.get(API + "counties/", {"ordering": "name_latin"}))
    assert by_latin == ["布尔津县", "福海县"]  # Burqin before Fuhai
    assert names(official.get(API + "counties/", {"ordering": "-name_latin"})) == by_latin[::-1]


@pytest.mark.parametrize(
    ("path", "model"), [("counties/", County), ("townships/", Township), ("villages/", Village)]
)
def test_places_cannot_be_added_through_the_api(fuhai_technician, fuhai, kokeaheshi, path, model):
    before = model.objects.count()
    data = {"name": "新地方", "name_latin": "New Place", "prefecture": fuhai.prefecture_id}
    response = api(fuhai_technician).post(API + path, data)
    assert response.status_code in (403, 405)
    assert model.objects.count() == before
