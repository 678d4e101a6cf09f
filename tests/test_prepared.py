"""A queryset compiled once (livestock/models/prepared.py) gives what the ORM
gives, for any id, and refuses what the ORM refuses."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from livestock.models import LambingRecord
from livestock.models.prepared import PreparedGet
from livestock.models.review import approved_through_of_record
from livestock.places import scoping
from livestock.services.guards import lock_record
from tests.conftest import make_user


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
