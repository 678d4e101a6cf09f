"""``__in_array``: ``__in`` for many ids, sent as one array on PostgreSQL."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.entries import entry_create


def test_in_array_finds_what_in_finds(bieke_record, sailike_record):
    for day in (10, 11, 12):
        entry_create(record=bieke_record, date=datetime.date(2024, 12, day), lambs_born=1)
    entry_create(record=sailike_record, date=datetime.date(2024, 12, 10), lambs_born=1)
    entries = list(bieke_record.entries.order_by("pk").values_list("pk", flat=True))
    found = LambingEntry.objects.filter(pk__in_array=[*entries, entries[0], None, 2**40])
    assert sorted(found.values_list("pk", flat=True)) == entries
    by_record = LambingEntry.objects.filter(record_id__in_array=[bieke_record.pk, 2**40])
    assert sorted(by_record.values_list("pk", flat=True)) == entries
    assert not LambingRecord.objects.filter(pk__in_array=[]).exists()
    assert not LambingRecord.objects.filter(pk__in_array=[None]).exists()


def test_in_array_sends_one_parameter_on_postgresql(db):
    with CaptureQueriesContext(connection) as queries:
        list(LambingEntry.objects.filter(record_id__in_array=range(1, 1001)))
    (query,) = queries.captured_queries
    if connection.vendor == "postgresql":
        assert "= ANY(" in query["sql"]
    else:
        assert " IN (" in query["sql"]


def test_in_array_finds_texts_as_in_finds_them(sailike, qibaerwoyi):
    """Texts with the characters an array's text quotes, and none cut to a
    stored one's length."""
    odd = [
        Herder.objects.create(village=qibaerwoyi, name=name, name_latin=f"Odd {n}")
        for n, name in enumerate(["a,b", 'x"y', "q'z", "{}", "NULL", "back\\slash"])
    ]
    names = [herder.name for herder in odd]
    found = Herder.objects.filter(name__in_array=[*names, sailike.name, None, "nobody"])
    assert sorted(found.values_list("pk", flat=True)) == sorted(h.pk for h in [*odd, sailike])
    longer = sailike.name + "x" * Herder._meta.get_field("name").max_length
    assert not Herder.objects.filter(name__in_array=[longer]).exists()
    assert not Herder.objects.filter(name__in_array=[]).exists()
