"""Summary reads go to a read replica when one is set; writes, and reads made
while writing, go to the primary."""

import datetime

import pytest
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.routers import ReplicaRouter
from livestock.models import DailyRollup, LambingEntry
from livestock.services.entries import entry_create
from tests.conftest import PASSWORD, REPLICA, make_user
from tests.test_settings import settings_check

ROLLUPS = DailyRollup._meta.db_table


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_summary_api_reads_its_totals_from_the_replica(
    settings, bieke_record, winter_2024, altay
):
    settings.DATABASE_REPLICAS = [REPLICA]
    entry_create(record=bieke_record, date=datetime.date(2024, 12, 10), lambs_born=7)
    make_user("bureau", "official", altay)
    client = Client()
    client.login(username="bureau", password=PASSWORD)

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(
            "/api/v1/summaries/", {"season": winter_2024.pk, "as_of": "2025-02-28"}
        )

    assert response.status_code == 200
    assert response.json()["totals"]["lambs_born"] == 7
    assert any(ROLLUPS in query["sql"] for query in on_replica)
    assert not any(ROLLUPS in query["sql"] for query in on_primary)


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_writes_and_the_reads_they_make_stay_on_the_primary(settings, bieke_record):
    settings.DATABASE_REPLICAS = [REPLICA]

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        entry_create(record=bieke_record, date=datetime.date(2024, 12, 10), lambs_born=7)

    assert not on_replica.captured_queries
    assert DailyRollup.objects.using("default").filter(lambs_born=7).exists()


def test_without_replicas_everything_goes_to_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    assert ReplicaRouter().db_for_read(DailyRollup) is None


def test_only_summary_reads_outside_a_transaction_go_to_a_replica(settings, db):
    settings.DATABASE_REPLICAS = [REPLICA]
    router = ReplicaRouter()

    assert router.db_for_read(LambingEntry) is None
    assert router.db_for_write(DailyRollup) == "default"
    with transaction.atomic():
        assert router.db_for_read(DailyRollup) == "default"


def test_replica_urls_become_mirrored_database_aliases():
    result = settings_check(
        DATABASE_URL="postgres://lambing@db.example.org:5432/lambing",
        DATABASE_REPLICA_URLS="postgres://lambing@r1.example.org/lambing, postgres://lambing@r2.example.org/lambing",
    )
    assert result.returncode == 0, result.stderr


def test_a_replica_that_is_not_postgresql_is_refused():
    result = settings_check(DATABASE_REPLICA_URLS="sqlite:///tmp/replica.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS" in result.stderr
