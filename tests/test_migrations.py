"""A database made by an earlier version of the service, with counts in it,
upgrades to this one: every migration runs, and the daily rollups it leaves
are the ones the entries make."""

import datetime

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.models.functions import Lower

from tests.test_rollups import rebuilt_rollups, stored_rollups

BEFORE_ROLLUPS = ("livestock", "0007_user_roles_history")


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection)


def a_village(model):
    """A village of Fuhai county, made with the models of an earlier migration."""
    altay = model("Prefecture").objects.create(name="阿勒泰地区", name_latin="Altay")
    fuhai = model("County").objects.create(prefecture=altay, name="福海县", name_latin="Fuhai")
    town = model("Township").objects.create(county=fuhai, name="阔克阿勒什乡", name_latin="K")
    return model("Village").objects.create(township=town, name="齐巴尔窝依村", name_latin="Q")


@pytest.mark.django_db(transaction=True)
def test_a_database_with_counts_from_before_the_rollups_upgrades_to_the_rollups_of_its_entries():
    migrate([BEFORE_ROLLUPS])
    apps = MigrationExecutor(connection).loader.project_state(BEFORE_ROLLUPS).apps

    def model(name):
        return apps.get_model("livestock", name)

    village = a_village(model)
    herder = model("Herder").objects.create(village=village, name="赛力克", name_latin="S")
    season = model("Season").objects.create(
        kind="winter", start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2025, 2, 28)
    )
    record = model("LambingRecord").objects.create(herder=herder, season=season, ewes_at_start=90)
    entries = model("LambingEntry").objects
    entries.create(record=record, date=datetime.date(2024, 12, 12), ewes_lambed=6, lambs_born=7)
    entries.create(record=record, date=datetime.date(2024, 12, 14), lambs_lost=2, loss_cause="cold")
    entries.create(
        record=record, date=datetime.date(2024, 12, 19), lambs_alive=5, check_stage="day7"
    )

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    upgraded = stored_rollups()
    levels = {key[1] for key in upgraded}
    assert levels == {0, 1, 2, 3, 4}  # prefecture, county, township, village, household
    assert upgraded == rebuilt_rollups()


BEFORE_LOOKALIKE_KEYS = ("livestock", "0023_history_without_unread_indexes")


@pytest.mark.django_db(transaction=True)
def test_households_stored_before_the_lookalike_keys_get_theirs_on_upgrade():
    """An import finds a look-alike of a household stored before the keys
    existed: the upgrade writes each stored household's keys (2,003
    households: a whole statement of 2,000 and the rest)."""
    from livestock.models import Herder
    from livestock.places.names import lookalike_key

    migrate([BEFORE_LOOKALIKE_KEYS])
    apps = MigrationExecutor(connection).loader.project_state(BEFORE_LOOKALIKE_KEYS).apps

    def model(name):
        return apps.get_model("livestock", name)

    village = a_village(model)
    names = [("赛力克\u200b·屈克木", "Sailike Qukemu", "Сәлік Құкем")] + [
        (f"牧户{n}", f"HERDER {n}", "") for n in range(2002)
    ]
    model("Herder").objects.bulk_create(
        model("Herder")(village=village, name=name, name_latin=latin, name_kazakh=kazakh)
        for name, latin, kazakh in names
    )

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    stored = Herder.objects.order_by("pk").values_list(
        "name", "name_latin", "name_kazakh", "name_key", "name_latin_key", "name_kazakh_key"
    )
    assert len(stored) == 2003
    for name, latin, kazakh, *keys in stored:
        assert keys == [lookalike_key(name), lookalike_key(latin), lookalike_key(kazakh)]
    assert stored[0][3] == lookalike_key("赛力克·屈克木")
    assert stored[2002][4] == "herder 2001"


BEFORE_SIMPLIFIED_KEYS = ("livestock", "0025_rollup_households_in_village_index")


@pytest.mark.django_db(transaction=True)
def test_households_stored_in_traditional_characters_get_the_simplified_keys_on_upgrade():
    """Before, a household stored as 賽力克·屈克木 had its own key, and a new
    赛力克·屈克木 was not found to look like it: the upgrade writes the keys
    again (2,003 households whose keys were made without the table: a whole
    statement of 2,000 and the rest)."""
    from livestock.models import Herder
    from livestock.places.names import lookalike_key

    migrate([BEFORE_SIMPLIFIED_KEYS])
    apps = MigrationExecutor(connection).loader.project_state(BEFORE_SIMPLIFIED_KEYS).apps
    herders = apps.get_model("livestock", "Herder")
    village = a_village(lambda name: apps.get_model("livestock", name))
    traditional = [(f"賽力克·馬{n}", f"Sailike {n}") for n in range(2003)]
    simplified = [("努尔兰", "Nurlan")]
    herders.objects.bulk_create(
        herders(village=village, name=name, name_latin=latin)
        for name, latin in traditional + simplified
    )
    # The keys as the function made them before it read traditional characters:
    # the name itself here, as these names change under nothing else.
    herders.objects.update(name_key=models.F("name"), name_latin_key=Lower("name_latin"))

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    stored = dict(Herder.objects.values_list("name", "name_key"))
    assert stored["賽力克·馬0"] == lookalike_key("赛力克·马0") == "赛力克·马0"
    assert stored["賽力克·馬2002"] == "赛力克·马2002"
    assert stored["努尔兰"] == "努尔兰"
    assert Herder.objects.get(name="賽力克·馬7").name_latin_key == "sailike 7"


BEFORE_STALE_FROM_RECORD = ("livestock", "0028_rollup_households_reporting")


@pytest.mark.django_db(transaction=True)
def test_a_household_added_mid_season_stored_as_late_at_once_is_not_late_after_the_upgrade(
    monkeypatch,
):
    """Before, "no count for more than 7 days" counted from the season's start,
    and the rollups stored a household added on 20 December, never counted, as
    late from that day on. The upgrade makes the rollups again: it is late only
    8 days after it was added, as the entries and the record say now."""
    from livestock.counting import flags, quality
    from livestock.models import County, Prefecture, Season, Township, Village
    from livestock.services.places import herder_create
    from livestock.services.records import record_create
    from tests.conftest import made_on

    migrate([BEFORE_STALE_FROM_RECORD])
    altay = Prefecture.objects.create(name="阿勒泰地区", name_latin="Altay")
    fuhai = County.objects.create(prefecture=altay, name="福海县", name_latin="Fuhai")
    town = Township.objects.create(county=fuhai, name="阔克阿勒什乡", name_latin="K")
    village = Village.objects.create(township=town, name="齐巴尔窝依村", name_latin="Q")
    season = Season.objects.create(
        kind="winter", start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2025, 2, 28)
    )
    herder = herder_create(village=village, name="赛力克", name_latin="S")
    added_on = datetime.date(2024, 12, 20)
    with monkeypatch.context() as before:  # the rule of the version before
        before.setattr(flags, "stale_start", lambda **dates: dates["season_start"])
        record = record_create(herder=herder, season=season, ewes_at_start=90)
        made_on(added_on, record)
    stored_late = quality.record_flags(record, as_of=added_on)
    assert [flag.key for flag in stored_late] == ["stale"]

    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    assert quality.record_flags(record, as_of=added_on) == []
    week_later = added_on + datetime.timedelta(days=quality.STALE_AFTER_DAYS + 1)
    assert [flag.key for flag in quality.record_flags(record, as_of=week_later)] == ["stale"]
    assert stored_rollups() == rebuilt_rollups()
