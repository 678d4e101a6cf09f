"""Backups: the seeded reports and a season of entries go through ``manage.py
backup`` and ``manage.py restore`` into a fresh database, on SQLite and on
PostgreSQL (whichever the suite runs on), and every total comes back the same."""

import datetime
import sqlite3

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connections

from livestock.audit.attribution import acting_as
from livestock.choices import CheckStage, LossCause
from livestock.models import County, Herder, Prefecture, Season, Township, Village
from livestock.places.report_data import load_report_data
from livestock.selectors.summaries import place_summary
from livestock.selectors.totals import lambing_totals
from livestock.services.entries import entry_create, entry_update
from livestock.services.places import herder_create
from livestock.services.records import record_create

PLACE_LEVELS = (Prefecture, County, Township, Village, Herder)


def add_a_season_of_entries(season: Season, clerk) -> None:
    """Two new households in every village of the seed, each with five counts, a
    survival check and a correction."""
    with acting_as(clerk):
        for village in Village.objects.order_by("pk"):
            for number in range(2):
                herder = herder_create(
                    village=village, name=f"牧民{number}", name_latin=f"Herder {number}"
                )
                record = record_create(herder=herder, season=season, ewes_at_start=40 + number)
                for day in range(5):
                    entry_create(
                        record=record,
                        date=season.start_date + datetime.timedelta(days=7 * day),
                        ewes_lambed=2 + number,
                        lambs_born=3 + number,
                        lambs_lost=1 if day % 3 == 0 else 0,
                        loss_cause=LossCause.COLD if day % 3 == 0 else "",
                    )
                entry_create(
                    record=record,
                    date=season.end_date,
                    lambs_alive=10,
                    check_stage=CheckStage.WEANING,
                )
            first = record.entries.order_by("date").first()
            entry_update(entry=first, reason="recounted", lambs_born=5 + number)


def everything_counted(user) -> dict:
    """What an official would read: every place's totals as of several dates,
    every summary page, and how many rows each table and history holds."""
    counted = {}
    for season in Season.objects.order_by("pk"):
        for as_of in (season.start_date, season.start_date + datetime.timedelta(days=20)):
            counted[season.pk, as_of, "all"] = lambing_totals(season=season, as_of=as_of)
        as_of = season.end_date
        for level in PLACE_LEVELS:
            for place in level.objects.order_by("pk"):
                counted[season.pk, as_of, level.__name__, place.pk] = lambing_totals(
                    season=season, as_of=as_of, place=place
                )
        for place in [None, *Prefecture.objects.all(), *County.objects.all()]:
            summary = place_summary(season=season, as_of=as_of, user=user, place=place)
            counted[season.pk, as_of, "summary", str(place)] = [
                (str(row.place), row.totals, {k: f.value for k, f in row.reported.items()})
                for row in [summary.total, *summary.rows]
            ]
    for model in apps.get_models():
        counted[model._meta.label] = model._default_manager.count()
    return counted


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """A second, empty database of the suite's kind, as the connection ``restored``."""
    default = connections["default"]
    settings = dict(default.settings_dict)
    if default.vendor == "sqlite":
        settings["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        settings["NAME"] = f"{settings['NAME']}_restored"
        with default._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {settings['NAME']}")
            cursor.execute(f"CREATE DATABASE {settings['NAME']}")
    restored = type(default)(settings, alias="restored")
    connections["restored"] = restored
    yield restored
    restored.close()
    del connections["restored"]
    if default.vendor != "sqlite":
        with default._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {settings['NAME']}")


def test_a_restored_backup_has_every_total_of_the_original(fresh_database, tmp_path):
    clerk = get_user_model().objects.create_superuser("backup-clerk", password="x")
    load_report_data()
    add_a_season_of_entries(Season.objects.get(start_date=datetime.date(2024, 12, 1)), clerk)
    before = everything_counted(clerk)
    assert before[Herder._meta.label] > 10
    assert before["livestock.HistoricalLambingEntry"] > 50

    backup_file = tmp_path / "lambing.backup"
    call_command("backup", backup_file)
    call_command("restore", backup_file, database="restored")

    default = connections["default"]
    connections["default"] = fresh_database
    try:
        after = everything_counted(get_user_model().objects.get(username="backup-clerk"))
    finally:
        connections["default"] = default
    assert after == before


def test_restore_refuses_a_database_that_is_not_empty(transactional_db, tmp_path):
    backup_file = tmp_path / "lambing.backup"
    call_command("backup", backup_file)
    load_report_data()
    herders = Herder.objects.count()

    with pytest.raises(CommandError, match="not empty.*--force"):
        call_command("restore", backup_file)

    assert Herder.objects.count() == herders > 0


def test_restore_with_force_replaces_a_database_that_is_not_empty(transactional_db, tmp_path):
    backup_file = tmp_path / "lambing.backup"
    call_command("backup", backup_file)  # before the reports were loaded
    load_report_data()
    assert Herder.objects.exists()

    call_command("restore", backup_file, force=True)

    assert not Herder.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"name,lambs\n", "not a backup"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "damaged|not a backup|same kind"),
        (b"PGDMP" + b"\x00" * 200, "failed|same kind"),
    ],
    ids=["text", "damaged sqlite", "damaged pg_dump"],
)
def test_restore_checks_the_file_before_touching_the_database(
    transactional_db, tmp_path, content, message
):
    load_report_data()
    herders = Herder.objects.count()
    bad_file = tmp_path / "bad.backup"
    bad_file.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        call_command("restore", bad_file, force=True)

    assert Herder.objects.count() == herders > 0


def test_restore_refuses_a_file_of_another_service(transactional_db, tmp_path):
    other = tmp_path / "other.sqlite3"
    database = sqlite3.connect(other)
    database.execute("CREATE TABLE sheep (name TEXT)")
    database.close()
    expected = "no django_migrations" if connections["default"].vendor == "sqlite" else "same kind"

    with pytest.raises(CommandError, match=expected):
        call_command("restore", other, force=True)


def test_backup_into_a_missing_directory_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        call_command("backup", tmp_path / "missing" / "lambing.backup")
