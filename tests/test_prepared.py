"""A queryset compiled once (livestock/models/prepared.py) gives what the ORM
gives, for any id, and refuses what the ORM refuses."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from livestock.counting import rollups
from livestock.models import LambingEntry, LambingRecord, ScopeGrant
from livestock.models.prepared import PreparedGet, PreparedValues
from livestock.models.review import approved_through_of_record
from livestock.places import scoping
from livestock.services.entries import entry_create
from livestock.services.guards import lock_record
from tests.conftest import make_user
from tests.live_api import requires_postgresql


def locking_read(user=None):
    records = (
        LambingRecord.objects.select_for_update(of=("self",))
        .select_related("season", "herder__village__township__county")
        .annotate(approved_through=approved_through_of_record())
    )
    return records if user is None else scoping.visible(user, records)


def as_read(record: LambingRecord) -> tuple:
    """What a write reads of a record: its fields, its related objects' and the annotation."""
    village = record.herder.village
    return (
        record.pk,
        record.version,
        record.ewes_at_start,
        record.created_at,
        record.season.start_date,
        record.season.end_date,
        record.season.name,
        record.herder.name,
        village.name,
        str(village.township),
        village.township.county.prefecture_id,
        record.approved_through,
    )


@pytest.mark.django_db(transaction=True)
def test_it_reads_each_record_as_the_orm_does_and_takes_its_lock(bieke_record, sailike_record):
    with transaction.atomic():  # a locking read is compiled in a transaction, as it runs
        prepared = PreparedGet(locking_read())
        for record in (bieke_record, sailike_record):
            assert as_read(prepared.get(record.pk)) == as_read(locking_read().get(pk=record.pk))
    with pytest.raises(TransactionManagementError):
        prepared.get(bieke_record.pk)


def test_a_record_outside_the_scope_or_missing_is_not_found(
    fuhai_technician, bieke_record, sailike_record
):
    with transaction.atomic():
        prepared = PreparedGet(locking_read(fuhai_technician))
        assert prepared.get(sailike_record.pk).pk == sailike_record.pk
        for missing in (bieke_record.pk, 10**9):  # in 布尔津县; none
            with pytest.raises(LambingRecord.DoesNotExist):
                prepared.get(missing)
            with pytest.raises(LambingRecord.DoesNotExist):
                lock_record(LambingRecord(pk=missing), visible_to=fuhai_technician)


def test_users_of_the_same_places_share_a_scope_and_others_do_not(
    fuhai_technician, woyimoke_technician, fuhai
):
    other_of_fuhai = make_user("fuhai-tech-2", "technician", fuhai)

    assert scoping.scope_key(other_of_fuhai) == scoping.scope_key(fuhai_technician)
    assert scoping.scope_key(woyimoke_technician) != scoping.scope_key(fuhai_technician)


# Planned once per connection (PostgreSQL): ``prepared.execute``


def logged(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_is_planned_once_per_connection_and_answers_as_the_orm(
    bieke_record, sailike_record
):
    with transaction.atomic():
        prepared = PreparedGet(locking_read())
        for record in (bieke_record, sailike_record):
            (statement,) = logged(lambda record=record: prepared.get(record.pk))
            assert statement.startswith("EXECUTE get_livestock_lambingrecord_")
            assert as_read(prepared.get(record.pk)) == as_read(locking_read().get(pk=record.pk))
    # Prepared statements outlive a transaction rolled back, and a new
    # connection prepares them again.
    with pytest.raises(RuntimeError), transaction.atomic():
        prepared.get(bieke_record.pk)
        raise RuntimeError("undone")
    connection.close()
    with transaction.atomic():
        assert prepared.get(bieke_record.pk).pk == bieke_record.pk


@requires_postgresql
def test_behind_a_pooler_in_transaction_mode_statements_are_sent_whole(bieke_record, settings):
    """The next transaction may be on another server connection, which never
    saw the ``PREPARE``: nothing is prepared."""
    settings.DATABASE_TRANSACTION_POOLING = True
    with transaction.atomic():
        prepared = PreparedGet(locking_read())
        (statement,) = logged(lambda: prepared.get(bieke_record.pk))
    assert statement.startswith("SELECT ")
    assert "FOR UPDATE" in statement


def test_objects_by_another_field_and_a_text_key_are_read_as_the_orm_reads_them(
    fuhai_technician, woyimoke_technician
):
    grants = PreparedGet(ScopeGrant.objects.all(), field="user")
    for user in (fuhai_technician, woyimoke_technician):
        assert grants.all(user.pk) == list(ScopeGrant.objects.filter(user=user))
    assert grants.all(10**9) == []

    tokens = PreparedGet(Token.objects.select_related("user"))
    token, _made = Token.objects.get_or_create(user=fuhai_technician)
    assert tokens.get(token.key).user.username == "fuhai-tech"
    for wrong in ("0" * 40, "x" * 200, ""):
        with pytest.raises(Token.DoesNotExist):
            tokens.get(wrong)


def test_a_records_entries_are_read_in_date_order_as_the_orm_reads_them(sailike_record):
    for day, born in ((12, 3), (10, 2), (12, 1)):
        entry_create(record=sailike_record, date=datetime.date(2024, 12, day), lambs_born=born)
    fields = LambingEntry.RUNNING_TOTAL_FIELDS
    ordered = LambingEntry.objects.order_by("date", "pk").values_list(*fields)
    values = PreparedValues(ordered, "record_id")
    assert values.rows(sailike_record.pk) == list(ordered.filter(record=sailike_record))
    assert [row[0].day for row in values.rows(sailike_record.pk)] == [10, 12, 12]
    assert values.rows(10**9) == []


@requires_postgresql
def test_the_rollups_upsert_is_short_enough_for_psycopg_to_parse_it_once():
    """psycopg keeps a statement's parse only up to a length and a number of
    parameters; a longer one was parsed again on every create (6 % of its CPU)."""
    from psycopg import _queries

    columns = rollups.row_columns()
    statement = rollups.add_statement(columns, connection)
    assert len(statement) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    assert len(columns) <= _queries.MAX_CACHED_STATEMENT_PARAMS
