"""A household is found by its name alike on every surface that searches one: the
API's ``search=`` (households, records, entries), the admin's search box and the
field app's Today (``names.names_matching``, the one rule). Typed as a phone's
keyboard types it (another dot, none, full-width letters), it was found on the
field app's Today alone."""

import pytest
from django.test import Client

from livestock.services.entries import entry_create
from livestock.services.places import herder_create
from livestock.services.records import record_create
from tests.conftest import PASSWORD
from tests.test_api_base import API, api

TYPED = ["赛力克・屈克木", "赛力克屈克木", "赛力克 · 屈克木", "ＳＡＩＬＩＫＥ", "sailike  qukemu"]


@pytest.fixture
def two_households(qibaerwoyi, winter_2024):
    """赛力克·屈克木 and another household of the village, each with a record and a count."""
    records = []
    for name, latin in [("赛力克·屈克木", "Sailike Qukemu"), ("阿依古丽·努尔", "Ayiguli Nuer")]:
        herder = herder_create(village=qibaerwoyi, name=name, name_latin=latin)
        record = record_create(herder=herder, season=winter_2024, ewes_at_start=100)
        entry_create(record=record, date=winter_2024.start_date, lambs_born=2)
        records.append(record)
    return records


# Each list's rows, by what names the household: a household's id, a record's, an entry's record.
HOUSEHOLD_OF = {
    "herders/": ("id", lambda record: record.herder_id),
    "lambing-records/": ("id", lambda record: record.pk),
    "entries/": ("record", lambda record: record.pk),
}


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("path", HOUSEHOLD_OF)
def test_the_api_finds_a_household_typed_as_a_phone_types_it(
    fuhai_technician, two_households, path, typed
):
    sailike, _ayiguli = two_households
    answer = api(fuhai_technician).get(API + path, {"search": typed})
    assert answer.status_code == 200, answer.content
    column, household_of = HOUSEHOLD_OF[path]
    assert [row[column] for row in answer.json()["results"]] == [household_of(sailike)]


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("changelist", ["herder", "lambingrecord"])
def test_the_admin_finds_a_household_typed_as_a_phone_types_it(
    fuhai_technician, two_households, changelist, typed
):
    sailike, ayiguli = two_households
    client = Client(headers={"accept-language": "zh-hans"})
    assert client.login(username=fuhai_technician.username, password=PASSWORD)
    page = client.get(f"/admin/livestock/{changelist}/", {"q": typed}).content.decode()
    found = {"herder": sailike.herder_id, "lambingrecord": sailike.pk}[changelist]
    other = {"herder": ayiguli.herder_id, "lambingrecord": ayiguli.pk}[changelist]
    assert f"/admin/livestock/{changelist}/{found}/change/" in page
    assert f"/admin/livestock/{changelist}/{other}/change/" not in page
