"""scoping.visible: who sees which places, herders, records, entries and figures."""

import pytest

from livestock.models import County, Herder, LambingEntry, LambingRecord, Township, Village
from livestock.places import scoping
from tests.conftest import make_user


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


@pytest.fixture
def two_counties(bieke_record, sailike_record):
    """别克 in 布尔津县 and 赛力克 in 福海县, each with a winter record."""


def test_a_county_technician_sees_only_that_countys_herders(two_counties, fuhai_technician):
    assert names(scoping.visible(fuhai_technician, Herder.objects.all())) == {"赛力克·屈克木"}


def test_a_township_technician_sees_the_herders_of_that_township(two_counties, woyimoke_technician):
    assert names(scoping.visible(woyimoke_technician, Herder.objects.all())) == {"别克·木合亚提"}


def test_records_and_entries_follow_their_herders(two_counties, fuhai_technician, sailike_record):
    records = scoping.visible(fuhai_technician, LambingRecord.objects.all())
    assert list(records) == [sailike_record]
    assert not scoping.visible(
        fuhai_technician, LambingEntry.objects.exclude(record=sailike_record)
    ).exists()


def test_places_above_a_grant_are_visible_and_places_beside_it_are_not(
    two_counties, woyimoke_technician
):
    assert names(scoping.visible(woyimoke_technician, County.objects.all())) == {"布尔津县"}
    assert names(scoping.visible(woyimoke_technician, Township.objects.all())) == {"窝依莫克镇"}
    assert names(scoping.visible(woyimoke_technician, Village.objects.all())) == {"通克村"}


def test_a_county_grant_sees_each_village_below_once(two_counties, burqin, woyimoke):
    Village.objects.create(township=woyimoke, name="第二村", name_latin="Second Village")
    official = make_user("official", "official", burqin)
    villages = list(scoping.visible(official, Village.objects.all()))
    assert len(villages) == len(set(villages)) == 2
    assert len(scoping.visible(official, County.objects.all())) == 1


def test_a_prefecture_official_sees_every_county(two_counties, prefecture_official):
    assert names(scoping.visible(prefecture_official, Herder.objects.all())) == {
        "别克·木合亚提",
        "赛力克·屈克木",
    }


def test_a_user_with_no_grant_sees_nothing(two_counties, unscoped_technician):
    for model in (County, Herder, LambingRecord):
        assert not scoping.visible(unscoped_technician, model.objects.all()).exists()


def test_an_anonymous_user_sees_nothing(two_counties):
    from django.contrib.auth.models import AnonymousUser

    assert not scoping.visible(AnonymousUser(), Herder.objects.all()).exists()


def test_a_superuser_sees_everything(two_counties):
    chief = make_user("chief", None, superuser=True)
    assert scoping.visible(chief, Herder.objects.all()).count() == 2
