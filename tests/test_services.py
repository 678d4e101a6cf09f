"""The write services: an entry sent twice is counted once, an entry sent again
with other content is a conflict, and updates and deletions go through the
same rules as new entries."""

import datetime
import gc
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from livestock.choices import CheckStage, LossCause
from livestock.counting import rules
from livestock.models import LambingEntry, LambingRecord
from livestock.selectors.totals import lambing_totals
from livestock.services import entries
from livestock.services.collector import COLLECT_AFTER
from livestock.services.entries import (
    EntryConflict,
    NewEntry,
    entries_create,
    entry_create,
    entry_delete,
    entry_update,
)
from livestock.services.records import record_update

DEC_10 = datetime.date(2024, 12, 10)
DEC_12 = datetime.date(2024, 12, 12)
DEC_20 = datetime.date(2024, 12, 20)
JAN_31 = datetime.date(2025, 1, 31)

ENTRY_FIELDS = ("uuid", "record_id", *LambingEntry.CONTENT_FIELDS, "created_by_id")

# Messages are compared in English; the site's default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def technician(django_user_model):
    return django_user_model.objects.create_user(username="fuhai_technician", password="x" * 12)


def stored_entries(record: LambingRecord) -> list[dict]:
    """The record's entries as the database holds them now."""
    return list(LambingEntry.objects.filter(record=record).order_by("pk").values(*ENTRY_FIELDS))


def lambs_born_of(record: LambingRecord) -> int:
    return lambing_totals(season=record.season, as_of=JAN_31, place=record.herder).lambs_born


# entry_create: a submission sent twice is counted once


def test_an_entry_sent_twice_is_stored_and_counted_once(bieke_record):
    sent = {"date": DEC_10, "ewes_lambed": 8, "lambs_born": 10, "uuid": uuid.uuid4()}

    first, first_is_new = entry_create(record=bieke_record, **sent)
    again, again_is_new = entry_create(record=bieke_record, **sent)

    assert (first_is_new, again_is_new) == (True, False)
    assert again.pk == first.pk
    assert [entry["uuid"] for entry in stored_entries(bieke_record)] == [sent["uuid"]]
    assert lambs_born_of(bieke_record) == 10


def test_a_loss_sent_twice_is_stored_once(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    sent = {
        "date": DEC_12,
        "lambs_lost": 2,
        "loss_cause": LossCause.COLD,
        "note": "夜间寒潮",
        "uuid": uuid.uuid4(),
    }

    entry_create(record=bieke_record, **sent)
    _, again_is_new = entry_create(record=bieke_record, **sent)

    assert again_is_new is False
    assert [entry["lambs_lost"] for entry in stored_entries(bieke_record)] == [0, 2]


@pytest.mark.parametrize(
    "sent",
    [
        {"lambs_alive": 10, "check_stage": CheckStage.BIRTH},  # one survival check a day
        {"ewes_lambed": 60},  # ewes lambed at most the ewes (60)
    ],
    ids=["survival_check", "all_ewes_lambed"],
)
def test_an_entry_resent_that_counted_twice_would_break_a_rule_is_the_stored_one(
    bieke_record, sent
):
    bieke_record.ewes_at_start = 60
    bieke_record.save()
    entry_create(record=bieke_record, date=DEC_10, lambs_born=10)
    sent = {"date": DEC_12, "uuid": uuid.uuid4(), **sent}
    first, _ = entry_create(record=bieke_record, **sent)
    before = stored_entries(bieke_record)

    again, again_is_new = entry_create(record=bieke_record, **sent)

    assert (again.pk, again_is_new) == (first.pk, False)
    assert stored_entries(bieke_record) == before


@pytest.mark.parametrize(
    "changed",
    [
        {"lambs_born": 11},
        {"date": DEC_12},
        {"ewes_lambed": 7},
        {"note": "recounted"},
        {"lambs_alive": 10, "check_stage": CheckStage.BIRTH},
    ],
    ids=["lambs_born", "date", "ewes_lambed", "note", "survival_check"],
)
def test_an_entry_resent_with_other_content_is_a_conflict_and_changes_nothing(
    bieke_record, changed
):
    sent = {"date": DEC_10, "ewes_lambed": 8, "lambs_born": 10, "uuid": uuid.uuid4()}
    first, _ = entry_create(record=bieke_record, **sent)
    before = stored_entries(bieke_record)

    with pytest.raises(EntryConflict) as conflict:
        entry_create(record=bieke_record, **{**sent, **changed})

    assert conflict.value.stored.pk == first.pk
    assert str(sent["uuid"]) in str(conflict.value)
    assert stored_entries(bieke_record) == before


def test_an_entry_resent_to_another_record_is_a_conflict(bieke_record, sailike_record):
    sent = {"date": DEC_10, "ewes_lambed": 8, "lambs_born": 10, "uuid": uuid.uuid4()}
    entry_create(record=bieke_record, **sent)
    before = stored_entries(bieke_record)

    with pytest.raises(EntryConflict):
        entry_create(record=sailike_record, **sent)

    assert stored_entries(bieke_record) == before
    assert stored_entries(sailike_record) == []


def test_entries_sent_without_a_uuid_are_each_stored(bieke_record):
    sent = {"date": DEC_10, "ewes_lambed": 4, "lambs_born": 5}

    entry_create(record=bieke_record, **sent)
    entry_create(record=bieke_record, **sent)

    stored = stored_entries(bieke_record)
    assert len(stored) == 2
    assert stored[0]["uuid"] != stored[1]["uuid"]
    assert lambs_born_of(bieke_record) == 10


def test_a_refused_entry_does_not_hold_on_to_its_uuid(bieke_record):
    sent_uuid = uuid.uuid4()
    with pytest.raises(ValidationError):
        entry_create(
            record=bieke_record, date=DEC_10, ewes_lambed=151, lambs_born=151, uuid=sent_uuid
        )

    entry, is_new = entry_create(
        record=bieke_record, date=DEC_10, ewes_lambed=150, lambs_born=151, uuid=sent_uuid
    )

    assert is_new is True
    assert [row["uuid"] for row in stored_entries(bieke_record)] == [sent_uuid]


def test_an_entry_remembers_who_counted_it(bieke_record, technician):
    entry, _ = entry_create(
        record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10, created_by=technician
    )

    assert LambingEntry.objects.get(pk=entry.pk).created_by == technician


# entry_update


def test_entry_update_stores_the_corrected_counts(bieke_record):
    entry, _ = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)

    entry_update(reason="recounted", entry=entry, lambs_born=12, note="recounted in the pen")

    stored = LambingEntry.objects.get(pk=entry.pk)
    assert (stored.lambs_born, stored.note) == (12, "recounted in the pen")
    assert lambs_born_of(bieke_record) == 12


def test_entry_update_can_turn_a_survival_check_into_a_plain_entry(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    check, _ = entry_create(
        record=bieke_record, date=DEC_20, lambs_alive=10, check_stage=CheckStage.DAY_7
    )

    entry_update(reason="recounted", entry=check, lambs_alive=None, check_stage="")

    stored = LambingEntry.objects.get(pk=check.pk)
    assert (stored.lambs_alive, stored.check_stage) == (None, "")


def test_entry_update_refuses_a_change_that_breaks_a_rule_and_stores_none_of_it(bieke_record):
    entry, _ = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_update(reason="recounted", entry=entry, lambs_born=12, ewes_lambed=151)

    assert [error.code for error in refused.value.error_dict["ewes_lambed"]] == [
        rules.EWES_LAMBED_EXCEED_EWES
    ]
    assert stored_entries(bieke_record) == before


@pytest.mark.parametrize(
    "change", [{"uuid": uuid.UUID(int=1)}, {"created_by": None}, {"created_at": None}]
)
def test_entry_update_refuses_to_change_what_is_not_a_count(bieke_record, technician, change):
    entry, _ = entry_create(
        record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10, created_by=technician
    )
    before = stored_entries(bieke_record)

    with pytest.raises(TypeError):
        entry_update(reason="recounted", entry=entry, **change)

    assert stored_entries(bieke_record) == before


def test_entry_update_checks_the_ewes_stored_now_not_when_the_entry_was_loaded(bieke_record):
    entry, _ = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    assert entry.record.ewes_at_start == 150  # the copy an edit form would hold
    record_update(reason="recounted", record=bieke_record, ewes_at_start=100)  # another technician

    with pytest.raises(ValidationError):
        entry_update(reason="recounted", entry=entry, ewes_lambed=120)

    assert LambingEntry.objects.get(pk=entry.pk).ewes_lambed == 8


# entry_delete


def test_entry_delete_removes_the_entry_from_the_totals(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    mistaken, _ = entry_create(record=bieke_record, date=DEC_12, ewes_lambed=3, lambs_born=4)

    entry_delete(entry=mistaken, reason="entered twice")

    assert not LambingEntry.objects.filter(pk=mistaken.pk).exists()
    assert lambs_born_of(bieke_record) == 10


def test_entry_delete_refuses_removing_births_a_survival_check_counted(bieke_record):
    births, _ = entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    entry_create(record=bieke_record, date=DEC_20, lambs_alive=10, check_stage=CheckStage.DAY_7)
    before = stored_entries(bieke_record)

    with pytest.raises(ValidationError) as refused:
        entry_delete(entry=births, reason="entered twice")

    assert refused.value.code == "delete_breaks_totals"
    assert "rule: lambs alive ≤ lambs born − losses" in " ".join(refused.value.messages)
    assert stored_entries(bieke_record) == before


def test_entry_delete_may_remove_a_loss(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=8, lambs_born=10)
    loss, _ = entry_create(
        record=bieke_record, date=DEC_12, lambs_lost=2, loss_cause=LossCause.PREDATOR
    )

    entry_delete(entry=loss, reason="entered twice")

    totals = lambing_totals(season=bieke_record.season, as_of=JAN_31, place=bieke_record.herder)
    assert totals.lamb_losses == 0


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_entry_at_once_are_both_kept(bieke_record):
    """Both editors hold the entry as it was; neither edit may be lost."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block, as PostgreSQL's do; SQLite has none")
    entry, _ = entry_create(record=bieke_record, date=DEC_10, lambs_born=3)
    first_copy, second_copy = (LambingEntry.objects.get(pk=entry.pk) for _ in range(2))
    start = threading.Barrier(2)

    def edit(copy, **change):
        start.wait()
        try:
            entry_update(reason="recounted", entry=copy, **change)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(first_copy,), kwargs={"lambs_born": 5}),
        threading.Thread(target=edit, args=(second_copy,), kwargs={"note": "recounted"}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = LambingEntry.objects.get(pk=entry.pk)
    assert (stored.lambs_born, stored.note, stored.version) == (5, "recounted", 3)


def test_an_edit_made_from_an_older_version_is_refused_with_who_changed_it(bieke_record):
    """A page that showed version 1 cannot save over version 2: the correction,
    the deletion and the record's ewes each say who saved the newer one."""
    from livestock.audit.attribution import acting_as
    from tests.conftest import make_user

    colleague = make_user("colleague", "technician", bieke_record.herder.village)
    entry, _ = entry_create(record=bieke_record, date=DEC_10, lambs_born=3)
    with acting_as(colleague):
        entry_update(entry=entry, reason="recounted", lambs_born=4)
        record_update(record=bieke_record, ewes_at_start=151, reason="recounted")
    stale_writes = [
        lambda: entry_update(entry=entry, reason="r", seen_version=1, lambs_born=9),
        lambda: entry_delete(entry=entry, reason="r", seen_version=1),
        lambda: record_update(record=bieke_record, ewes_at_start=10, reason="r", seen_version=1),
    ]
    for write in stale_writes:
        with pytest.raises(ValidationError) as refused:
            write()
        assert "colleague" in " ".join(refused.value.messages)
    entry.refresh_from_db()
    bieke_record.refresh_from_db()
    assert (entry.lambs_born, bieke_record.ewes_at_start) == (4, 151)
    entry_update(entry=entry, reason="r", seen_version=entry.version, lambs_born=5)
    assert LambingEntry.objects.get(pk=entry.pk).lambs_born == 5


@pytest.fixture
def two_checks_on_dec_10(bieke_record):
    """别克's record as stored before the one-check rule: 12 lambs born on
    10 December and two survival checks that day, 11 and 10 alive."""
    entry_create(record=bieke_record, date=DEC_10, ewes_lambed=10, lambs_born=12)
    check = {"date": DEC_10, "check_stage": CheckStage.DAY_7}
    LambingEntry.objects.bulk_create(  # as before the rule: no clean()
        [
            LambingEntry(record=bieke_record, lambs_alive=11, **check),
            LambingEntry(record=bieke_record, lambs_alive=10, **check),
        ]
    )
    return bieke_record


def test_a_record_with_two_checks_on_a_day_still_takes_counts_that_add_no_check_there(
    two_checks_on_dec_10,
):
    record = two_checks_on_dec_10

    entry_create(record=record, date=DEC_20, ewes_lambed=2, lambs_born=3)
    entry_create(record=record, date=DEC_12, lambs_alive=10, check_stage=CheckStage.DAY_7)
    born = record.entries.get(date=DEC_10, lambs_born=12)
    entry_update(entry=born, reason="recounted", lambs_born=13)
    entry_delete(entry=record.entries.get(date=DEC_20), reason="entered twice")
    record_update(record=record, ewes_at_start=140, reason="recounted")

    assert lambs_born_of(record) == 13


def test_a_record_with_two_checks_on_a_day_refuses_a_third_check_that_day(two_checks_on_dec_10):
    record = two_checks_on_dec_10
    before = stored_entries(record)

    with pytest.raises(ValidationError) as refused:
        entry_create(record=record, date=DEC_10, lambs_alive=9, check_stage=CheckStage.WEANING)
    moved = record.entries.create(date=DEC_12, lambs_alive=10, check_stage=CheckStage.DAY_7)
    with pytest.raises(ValidationError) as moved_there:
        entry_update(entry=moved, reason="wrong day", date=DEC_10)

    assert refused.value.error_dict["lambs_alive"][0].code == rules.TWO_CHECKS_ONE_DAY
    assert moved_there.value.error_dict["lambs_alive"][0].code == rules.TWO_CHECKS_ONE_DAY
    moved.delete()
    assert stored_entries(record) == before


def test_check_records_lists_the_records_with_two_checks_on_a_day(two_checks_on_dec_10):
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_status:
        call_command("check_records", stdout=out)

    assert exit_status.value.code == 1
    assert f"record {two_checks_on_dec_10.pk} " in out.getvalue()
    assert "2 survival checks on 2024-12-10 (lambs alive 11, 10)" in out.getvalue()


def test_check_records_says_so_when_no_record_holds_two_checks_on_a_day(bieke_record):
    entry_create(record=bieke_record, date=DEC_10, lambs_born=5)
    entry_create(record=bieke_record, date=DEC_10, lambs_alive=5, check_stage=CheckStage.DAY_7)
    out = io.StringIO()

    call_command("check_records", stdout=out)

    assert "No record holds more than one survival check on a day." in out.getvalue()


def test_a_batch_of_entries_runs_the_garbage_collector_rarely_and_leaves_it_as_it_was(
    bieke_record, monkeypatch
):
    """A batch's thousands of objects live until its end: the collector is not
    sent through them again and again meanwhile, and is as before after it."""
    before = gc.get_threshold()
    during = []
    walk_new_entries = entries._walk_new_entries

    def walked(*args, **kwargs):
        during.append(gc.get_threshold())
        return walk_new_entries(*args, **kwargs)

    monkeypatch.setattr(entries, "_walk_new_entries", walked)
    content = {"date": datetime.date(2024, 12, 10), "lambs_born": 2}
    (item,) = entries_create(items=[NewEntry(bieke_record.pk, uuid.uuid4(), content)])

    assert item.is_new
    assert during[0][0] >= COLLECT_AFTER > before[0]
    assert gc.get_threshold() == before


def test_a_batch_stores_the_entries_its_walks_keep_once_each_with_their_history(
    bieke_record, sailike_record
):
    """On PostgreSQL the entries are inserted while their records are walked:
    a batch whose walk refuses one entry (losses beyond the births) or which
    resends a stored one keeps the others, each stored once with one history
    row, and nothing of the refused one."""
    stored, _new = entry_create(record=sailike_record, date=DEC_10, lambs_born=3)
    refused_uuid = uuid.uuid4()
    items = [
        NewEntry(bieke_record.pk, uuid.uuid4(), {"date": DEC_10, "lambs_born": 2}),
        NewEntry(bieke_record.pk, refused_uuid, {"date": DEC_12, "lambs_lost": 5}),
        NewEntry(sailike_record.pk, uuid.uuid4(), {"date": DEC_20, "lambs_born": 1}),
    ]
    resent = [NewEntry(sailike_record.pk, stored.uuid, {"date": DEC_10, "lambs_born": 3})]
    kept = [NewEntry(bieke_record.pk, uuid.uuid4(), {"date": DEC_20, "lambs_born": 4})]

    entries_create(items=items)
    entries_create(items=resent + kept)

    assert [item.is_new for item in items] == [True, False, True]
    assert items[1].error is not None
    assert (resent[0].is_new, resent[0].entry.pk, kept[0].is_new) == (False, stored.pk, True)
    new = [items[0].entry, items[2].entry, kept[0].entry]
    assert set(LambingEntry.objects.exclude(pk=stored.pk).values_list("pk", flat=True)) == {
        entry.pk for entry in new
    }
    assert not LambingEntry.history.filter(uuid=refused_uuid).exists()
    for entry in new:
        assert list(LambingEntry.history.filter(id=entry.pk).values_list("history_type")) == [
            ("+",)
        ]
    totals = lambing_totals(place=bieke_record.herder, season=bieke_record.season, as_of=JAN_31)
    assert totals.lambs_born == 6
