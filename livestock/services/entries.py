"""A record's dated entries: added one at a time or many at once (the API's
bulk, imports, the field app's sync), corrected, deleted. An entry resent under
its uuid is the stored one; the record's running totals are checked over its
walk with the change in place."""

import datetime
import functools
import uuid as uuid_module
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.utils import create_namedtuple_class
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.audit import bulk_insert, single_insert
from livestock.counting import rollups, rules, walk
from livestock.models import LambingEntry, LambingRecord, Season, Township
from livestock.models.prepared import PreparedValues
from livestock.models.review import approved_through_townships
from livestock.places import scoping
from livestock.services.collector import collected_rarely
from livestock.services.guards import check_version, lock_record, only_fields, require_reason
from livestock.services.threads import WriteThread

# What every surface answers for an entry sent under a uuid it may not use:
# stored with other counts, on another record or in another county alike, so
# that the answer says nothing of what is stored under it.
USED_UUID = _(
    "The uuid %(uuid)s is already used by another entry; send this entry with a new uuid."
)


class EntryConflict(Exception):
    """An entry arrived under a UUID that is already stored with other content."""

    def __init__(self, stored: LambingEntry):
        super().__init__(f"entry {stored.uuid} is stored with other content")
        self.stored = stored


def entry_create(
    *,
    record: LambingRecord,
    date: datetime.date,
    uuid: uuid_module.UUID | None = None,
    created_by: AbstractBaseUser | None = None,
    visible_to: AbstractBaseUser | None = None,
    **content: int | str | None,
) -> tuple[LambingEntry, bool]:
    """Add a dated count to a record. Returns the entry and whether it is new.

    ``content``: the entry's counts and note, by field name
    (``LambingEntry.CONTENT_FIELDS``: ``ewes_lambed``, ``lambs_born``,
    ``lambs_lost``, ``loss_cause``, ``lambs_alive``, ``check_stage``,
    ``note``); a count left out is the field's default. Named by the model, so
    that a new kind of count is one field there, not one more parameter here.

    An entry resent under the same ``uuid`` with the same content is the stored
    one (not new); under the same ``uuid`` with other content it is an
    ``EntryConflict``. ``visible_to``: the user whose scope the record must be
    in (the API's caller), checked as the record is locked; outside it, the
    record is ``LambingRecord.DoesNotExist``.

    The record is read once, locked, with its places, season and approval
    (``lock_record``), and its entries once: the rules check the new entry
    against them, and the rollups move by the difference the new entry makes
    to the record's walk (``rollups.entries_written``).
    """
    unknown = set(content) - set(LambingEntry.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"entry_create() got unknown fields {sorted(unknown)}")
    try:
        with transaction.atomic():
            return _entry_create(
                record,
                date=date,
                uuid=uuid,
                created_by=created_by,
                visible_to=visible_to,
                **content,
            )
    except _Refused as refused:
        # The uuid is stored already: sent before, or saved meanwhile by a request
        # holding another record's lock (one for this record waits for our lock
        # and finds ours); the unique index decided, and the stored one is what
        # counts. Asked once the write is undone (the savepoint, or the
        # transaction, rolled back).
        entry, error = refused.args
        stored = LambingEntry.objects.filter(uuid=entry.uuid).first()
        if stored is None:
            raise _refused_by_constraint(entry, error) from None
        return _same_entry_or_conflict(stored, entry), False


class _Refused(Exception):
    """The database refused an entry (its uuid's index, or a check constraint)."""


def _entry_create(
    record: LambingRecord,
    *,
    date: datetime.date,
    uuid: uuid_module.UUID | None,
    created_by: AbstractBaseUser | None,
    visible_to: AbstractBaseUser | None,
    **content: int | str | None,
) -> tuple[LambingEntry, bool]:
    record = lock_record(record, visible_to=visible_to)
    entry = LambingEntry(record=record, date=date, created_by=created_by, **content)
    if uuid is not None:
        entry.uuid = uuid
    stored_entries = _stored_entries(record.pk)
    entry.stored_entries = stored_entries
    entry.locked_through_known = True
    entry.locked_through = record.approved_through
    # The record is the one just locked and the user is the request's: neither
    # is looked up again. The check constraints are the single-row rules clean()
    # checks with their messages; the database holds them too (see
    # ``_refused_by_constraint`` for one it refuses all the same). The uuid is
    # the database's unique index's to decide: a uuid stored already is a resend
    # or a conflict, found when the entry is refused (by a rule, counted twice
    # with itself, or by the index), so that a new entry is not looked up first.
    try:
        entry.full_clean(
            exclude=["record", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError:
        stored = LambingEntry.objects.filter(uuid=uuid).first() if uuid is not None else None
        if stored is None:
            raise
        return _same_entry_or_conflict(stored, entry), False
    finally:
        # What the check was handed holds under this lock only: the entry
        # returned asks again, say when it is deleted after an approval.
        del entry.stored_entries, entry.locked_through_known, entry.locked_through
    try:
        single_insert.insert_with_history(entry)  # entry.save(), in one statement
    except IntegrityError as error:
        raise _Refused(entry, error) from error
    rollups.entries_written(
        rollups.facts_of(record), before=stored_entries, after=[*stored_entries, entry]
    )
    return entry, True


def _stored_entries(record_id: int) -> list[walk.Counted]:
    """The record's entries as its walk reads them, in (date, pk) order: a
    query compiled and, on PostgreSQL, planned once (``PreparedValues``)."""
    global _entries_of_record
    if _entries_of_record is None:
        _entries_of_record = PreparedValues(
            LambingEntry.objects.order_by("date", "pk").values_list(
                *LambingEntry.RUNNING_TOTAL_FIELDS
            ),
            "record_id",
        )
    return list(map(_EntryRow._make, _entries_of_record.rows(record_id)))


_entries_of_record: PreparedValues | None = None
_EntryRow = create_namedtuple_class(*LambingEntry.RUNNING_TOTAL_FIELDS)


def _refused_by_constraint(entry: LambingEntry, error: IntegrityError) -> Exception:
    """What to raise when the database refused ``entry`` for a reason other than
    its uuid: the broken check constraint as a validation error with its
    message (a 400), when that is why; else the database's error itself.
    ``clean()`` checks every constraint's rule first, so this is a safety net
    for a rule the database holds and ``clean()`` missed, not a path users take."""
    try:
        entry.validate_constraints(exclude=["uuid"])
    except ValidationError as refused:
        # Not keyed by a field: the rule is the constraint's, across fields.
        return ValidationError(
            [error for errors in refused.error_dict.values() for error in errors]
        )
    return error


def _same_entry_or_conflict(stored: LambingEntry, sent: LambingEntry) -> LambingEntry:
    """The stored entry, when ``sent`` is the same entry sent again; else a conflict."""
    if stored.record_id == sent.record_id and all(
        getattr(stored, field) == getattr(sent, field) for field in LambingEntry.CONTENT_FIELDS
    ):
        return stored
    raise EntryConflict(stored)


@dataclass
class NewEntry:
    """One entry of ``entries_create``: its record (or the record's id), UUID and
    content; after the call, what became of it (``entry``, ``is_new``) or why
    it was refused (``error``, keyed by field, or ``conflict``: the entry
    stored under its UUID)."""

    record: LambingRecord | int
    uuid: uuid_module.UUID
    content: dict
    entry: LambingEntry | None = None
    is_new: bool = False
    error: ValidationError | None = None
    conflict: LambingEntry | None = None
    # The record does not exist, or is outside the places of ``visible_to``.
    not_found: bool = False

    @property
    def record_id(self) -> int:
        return self.record if isinstance(self.record, int) else self.record.pk

    def undecided(self) -> None:
        """Forget what became of the entry, to check it again."""
        self.entry, self.is_new, self.error, self.conflict, self.not_found = (
            None,
            False,
            None,
            None,
            False,
        )


@transaction.atomic
@collected_rarely()  # the batch's thousands of objects live until its end
def entries_create(
    *,
    items: list[NewEntry],
    created_by: AbstractBaseUser | None = None,
    visible_to: AbstractBaseUser | None = None,
    made: Iterable[LambingRecord] = (),
) -> list[NewEntry]:
    """``entry_create`` for many entries at once, with the same rules, for imports
    and the API's bulk endpoint: the records are locked together (in the order
    of their ids) and read with their entries once; an entry resent under its
    UUID is the stored one (or a conflict), and so is a UUID sent twice in
    ``items``; each entry is checked by the model's rules
    (``LambingEntry.clean_new``) against its season and its township's
    approval, looked up once; each record's running totals are checked by one
    walk over its stored entries and its new ones, from the earliest new date;
    the new entries are inserted together, with their history; and the
    records' daily rollups change by what that walk says changed, against the
    same walk of the stored entries (``rollups.added_rows``), without reading
    their rows back. ``visible_to``: the user whose places each record must be
    in (the API's caller), checked in the query that locks the records; an
    item whose record is not there, or outside them, is ``not_found``.

    The UUIDs are the unique index's to decide, as for ``entry_create``: they
    are looked up only when the batch meets a refusal (a rule's, or the
    index's at the insert), since an entry sent before and counted as new
    again may be what was refused; if any is stored, the batch is checked
    again knowing them. A batch of new entries asks nothing of its UUIDs.

    ``made``: records the caller made just before in this transaction, of
    households made in it too, with no entries yet (an import's batch of new
    households, ``records_create``), read with their season and places
    (``rollups.facts_of``). No other transaction sees them until this one
    commits, so no one can have moved them meanwhile: they are neither locked
    nor read back, their facts are the objects'. (A new record of a stored
    household is not one: its household may have been moved since it was
    read.) Not with ``visible_to``: they are the caller's own.

    Entries that pass are stored even when others are refused: the caller
    decides (the bulk endpoint and imports roll everything back). Whatever
    ``entry_create`` checks or keeps up to date for each entry, this does for
    the batch: keep them in step.
    """
    if not items:
        return items
    facts, stored_entries = _records_of(items, visible_to, made)
    read = _Read(
        records={record.record_id: record for record in facts},
        entries=stored_entries,
        seasons=Season.objects.in_bulk({record.season_id for record in facts}),
        locks=approved_through_townships(
            (record.season_id, record.township_id) for record in facts
        ),
    )
    new_by_record, repeated = _checked_items(items, read, {}, created_by)
    # The entries that pass their own rules are inserted while the records are
    # walked, and kept when the walks refuse none of them.
    meanwhile = _InsertedMeanwhile(
        [] if any(item.error is not None for item in items) else _new_items(items), created_by
    )
    try:
        meanwhile.start()
        walked = _walked(read, new_by_record)
    finally:
        meanwhile.wait()
    new = _new_items(items)
    refused = any(item.error is not None for item in items)
    inserted = meanwhile.finish(keep=None if refused else new)
    if inserted is None:
        inserted = not refused and _inserted(new, created_by)
    if refused or not inserted:
        stored_by_uuid = _stored_by_uuid([item.uuid for item in items])
        if stored_by_uuid:
            for item in items:
                item.undecided()
            walked, repeated = _checked(items, read, stored_by_uuid, created_by)
        _insert_with_history([item for item in items if item.is_new], created_by=created_by)
    rows = []
    for record_id, (kept, before, after) in walked.items():
        record = read.records[record_id]
        if not all(item.is_new for item in kept):
            # An entry refused at the insert: its record's rows are made again.
            rollups.changed([record_id])
        elif not rollups.made_with(
            record,
            [*read.entries[record_id], *(item.entry for item in kept)],
            changes=after or None,
        ):
            rows += rollups.added_rows(record, before=before, after=after)
    rollups.add_rows(rows)
    for item, first in repeated:
        if first.error is not None:
            item.error = first.error
        elif first.conflict is not None:
            item.conflict = first.conflict
        else:
            _take_stored(item, first.entry, item.entry)
    return items


def _records_of(
    items: list[NewEntry], visible_to: AbstractBaseUser | None, made: Iterable[LambingRecord]
) -> tuple[list[rollups.RecordFacts], dict[int, list[walk.Counted]]]:
    """The items' records, locked, and their entries (``rollups.read_records``),
    but for those ``made`` (``entries_create``): their facts from the objects,
    with no entries."""
    wanted = {item.record_id for item in items}
    made = {record.pk: record for record in made if record.pk in wanted}
    if made and visible_to is not None:
        raise TypeError("entries_create(): made records are the caller's own, not with visible_to")
    among = None if visible_to is None else scoping.visible(visible_to, LambingRecord.objects.all())
    unread = wanted - made.keys()
    facts, entries = [], defaultdict(list)
    if unread:
        facts, entries = rollups.read_records(unread, among=among)
    return facts + [rollups.facts_of(record) for record in made.values()], entries


@dataclass
class _Read:
    """What ``entries_create`` read once for a batch: its records (locked) and
    their entries by record, their seasons, their townships' approvals."""

    records: dict[int, rollups.RecordFacts]
    entries: dict[int, list[walk.Counted]]
    seasons: dict[int, Season]
    locks: dict[tuple[int, int], datetime.date | None]


def _checked(
    items: list[NewEntry],
    read: _Read,
    stored_by_uuid: dict[uuid_module.UUID, LambingEntry],
    created_by: AbstractBaseUser | None,
) -> tuple[dict, list[tuple[NewEntry, NewEntry]]]:
    """Check each item against its record, as stored and with the batch's other
    new entries (``stored_by_uuid``: the entries stored under the items'
    UUIDs, as far as known). Returns each record's walk with its new entries
    (``_walk_new_entries``), and the items that repeat an earlier item's UUID,
    with that item."""
    new_by_record, repeated = _checked_items(items, read, stored_by_uuid, created_by)
    return _walked(read, new_by_record), repeated


def _new_items(items: list[NewEntry]) -> list[NewEntry]:
    return [item for item in items if item.is_new]


def _checked_items(
    items: list[NewEntry],
    read: _Read,
    stored_by_uuid: dict[uuid_module.UUID, LambingEntry],
    created_by: AbstractBaseUser | None,
) -> tuple[dict[int, list[NewEntry]], list[tuple[NewEntry, NewEntry]]]:
    """``_checked``'s checks of each item alone (its record found, its UUID, the
    entry's own rules): the items that pass, by record, to be walked
    (``_walked``), and the items that repeat an earlier item's UUID, with that
    item."""
    first_by_uuid: dict[uuid_module.UUID, NewEntry] = {}
    repeated: list[tuple[NewEntry, NewEntry]] = []
    new_by_record: dict[int, list[NewEntry]] = defaultdict(list)
    today = timezone.localdate()
    for item in items:
        record = read.records.get(item.record_id)
        if record is None:
            item.not_found = True
            continue
        entry = _new_entry(record.record_id, item.uuid, created_by, item.content)
        stored = stored_by_uuid.get(item.uuid)
        if stored is not None:
            _take_stored(item, stored, entry)
            continue
        if item.uuid in first_by_uuid:  # sent twice: the second is the first resent
            item.entry = entry
            repeated.append((item, first_by_uuid[item.uuid]))
            continue
        first_by_uuid[item.uuid] = item
        season = read.seasons[record.season_id]
        try:
            entry.clean_new(
                season_start=season.start_date,
                season_end=season.end_date,
                season_name=lambda season=season: season.name,
                locked_through=read.locks[record.season_id, record.township_id],
                place_name=lambda record=record: str(Township.objects.get(pk=record.township_id)),
                today=today,
            )
        except ValidationError as error:
            item.error = error
            continue
        item.entry, item.is_new = entry, True
        new_by_record[record.record_id].append(item)
    return new_by_record, repeated


def _walked(read: _Read, new_by_record: dict[int, list[NewEntry]]) -> dict:
    """Each record's walk with its new entries (``_walk_new_entries``)."""
    return {
        record_id: _walk_new_entries(
            read.records[record_id],
            read.entries[record_id],
            new,
            changes=not rollups.is_deferred(record_id),
        )
        for record_id, new in new_by_record.items()
    }


def _new_entry(
    record_id: int,
    uuid: uuid_module.UUID,
    created_by: AbstractBaseUser | None,
    content: dict,
) -> LambingEntry:
    """``LambingEntry(record_id=…, uuid=…, created_by=…, **content)``, made from
    its fields' values in their order: given by keyword, the model looked up
    each field's default for every entry (11 µs an entry; a batch makes 1,000),
    here the fields' constant defaults are looked up once (``_entry_defaults``)."""
    values = list(_entry_defaults())
    for name, value in content.items():
        values[_ENTRY_FIELD_AT[name]] = value
    values[_ENTRY_FIELD_AT["record_id"]] = record_id
    values[_ENTRY_FIELD_AT["uuid"]] = uuid
    entry = LambingEntry(*values)
    # The user as ``entry.created_by = created_by`` sets it, without the
    # descriptor's checks of each assignment (a tenth of the entry's making).
    entry.created_by_id = None if created_by is None else created_by.pk
    _CREATED_BY.set_cached_value(entry, created_by)
    return entry


_CREATED_BY = LambingEntry._meta.get_field("created_by")


_ENTRY_FIELD_AT = {
    name: at
    for at, field in enumerate(LambingEntry._meta.concrete_fields)
    for name in {field.name, field.attname}
}


@functools.cache
def _entry_defaults() -> tuple:
    """Each of ``LambingEntry``'s fields' default, in their order, for an entry
    made by ``_new_entry`` (a field whose default is made per entry, as a
    UUID's, is then given by the caller)."""
    return tuple(
        None if field.has_default() and callable(field.default) else field.get_default()
        for field in LambingEntry._meta.concrete_fields
    )


def _inserted(items: list[NewEntry], created_by: AbstractBaseUser | None) -> bool:
    """Insert the items' entries with their history rows, or nothing (a
    savepoint) when the database refuses any: False."""
    try:
        with transaction.atomic():
            bulk_insert.insert_with_history(
                [item.entry for item in items], LambingEntry, user=created_by
            )
    except IntegrityError:
        return False
    return True


class _InsertedMeanwhile:
    """A batch's new entries inserted with their history (``_inserted``) in a
    second thread, on the same connection and in the same transaction, inside
    a savepoint, while the calling thread walks their records: psycopg lets
    go of the GIL while it waits for the server, so the server's work (the
    ids drawn, the two COPYs) runs on another core beside the walks' Python,
    where the bulk waited for it after them. ``finish`` keeps the insert when
    the walks kept every entry it inserted and the database took them all;
    else it is undone (back to the savepoint) and the batch goes on as
    without it. The calling thread makes no query until ``wait`` (the walks
    make none). Only on PostgreSQL, in a transaction, on a connection no
    other thread shares (an import's batch writer); elsewhere nothing is
    inserted here."""

    def __init__(self, items: list[NewEntry], created_by: AbstractBaseUser | None) -> None:
        self.entries = [item.entry for item in items]
        self.thread: WriteThread | None = None
        if (
            not items
            or connection.vendor != "postgresql"
            or not connection.in_atomic_block
            or connection.allow_thread_sharing
        ):
            return
        self.savepoint = transaction.savepoint()
        self.thread = WriteThread(
            lambda: bulk_insert.insert_with_history(self.entries, LambingEntry, user=created_by),
            name="bulk-entries-insert",
        )

    def start(self) -> None:
        """Start the insert; inside the block whose end waits for it
        (``wait``), so that an interrupt as it starts is waited through."""
        if self.thread is not None:
            self.thread.start()

    def wait(self) -> None:
        """Wait for the insert to end, through an interrupt meanwhile, raised
        once it has (``WriteThread.wait``)."""
        if self.thread is not None:
            self.thread.wait()

    def finish(self, *, keep: list[NewEntry] | None) -> bool | None:
        """After ``wait``: whether ``keep``'s entries (the batch's new entries,
        after the walks; None: none is to be kept) are those inserted, and
        were; the insert is kept then, else undone. None: nothing was
        inserted here."""
        if self.thread is None:
            return None
        error, self.thread = self.thread.error, None
        if (
            error is None
            and keep is not None
            and len(keep) == len(self.entries)
            and all(item.entry is entry for item, entry in zip(keep, self.entries, strict=True))
        ):
            transaction.savepoint_commit(self.savepoint)
            return True
        transaction.savepoint_rollback(self.savepoint)
        for entry in self.entries:  # as made, to be inserted again
            entry.pk, entry._state.adding = None, True
        if error is not None and not isinstance(error, IntegrityError):
            raise error
        return False


def _walk_new_entries(
    record: rollups.RecordFacts,
    stored: list[walk.Counted],
    new: list[NewEntry],
    *,
    changes: bool = True,
) -> tuple[list[NewEntry], dict, dict]:
    """Walk the record with its new entries from the earliest of their dates;
    while a date breaks a rule, refuse the last new entry dated on or before it
    (as the admin's entry forms do) and walk again, so every entry at fault is
    named. Returns the new entries kept, and the record's changes by date
    (``rollups.day_changes``) from that date on without them and with them;
    without ``changes`` (its rows are made again at the end of a
    ``rollups.deferred()`` block), none, but for a record with no stored
    entries (an import's new one): walked whole, its changes with them are
    all its rows' (``rollups.made_with``), which need not walk it again."""
    facts = rollups.walk_facts(record)
    kept = list(new)
    checks_stored = Counter(entry.date for entry in stored if entry.lambs_alive is not None)
    while kept:
        since = min(item.entry.date for item in kept) if stored or changes else None
        days = list(
            walk.counted_days(
                facts,
                [*stored, *(item.entry for item in kept)],
                checks_stored=checks_stored,
                since=since,
            )
        )
        violation = next((day[2] for day in days if day[2] is not None), None)
        if violation is None and not changes:
            return kept, {}, {} if stored else rollups.day_changes(days)
        if violation is None:
            before = walk.counted_days(facts, stored, since=since)
            return (
                kept,
                rollups.day_changes(before, since=since),
                rollups.day_changes(days, since=since),
            )
        blamed = next(
            (item for item in reversed(kept) if item.entry.date <= violation.date), kept[0]
        )
        blamed.error = ValidationError(
            {rules.entry_field_for(violation, blamed.entry): violation.error}
        )
        blamed.is_new = False
        blamed.entry = None
        kept.remove(blamed)
    return kept, {}, {}


def _stored_by_uuid(uuids: list[uuid_module.UUID]) -> dict[uuid_module.UUID, LambingEntry]:
    return {
        entry.uuid: entry
        for entry in LambingEntry.objects.filter(uuid__in=uuids)
        .select_related("created_by")
        .order_by()
    }


def _take_stored(item: NewEntry, stored: LambingEntry, sent: LambingEntry) -> None:
    """``item`` was sent under the UUID of ``stored``: the same entry again, or a conflict."""
    try:
        item.entry, item.is_new = _same_entry_or_conflict(stored, sent), False
    except EntryConflict:
        item.entry, item.is_new, item.conflict = None, False, stored


def _insert_with_history(items: list[NewEntry], *, created_by: AbstractBaseUser | None) -> None:
    """Insert the items' entries with their history rows. A UUID stored meanwhile
    by a write holding another record's lock (one for these records waits for
    ours) makes its item a conflict, and the others are inserted; an entry the
    database refuses for a check constraint is refused with the constraint's
    message, as ``entry_create`` refuses it."""
    while items:
        try:
            with transaction.atomic():
                bulk_insert.insert_with_history(
                    [item.entry for item in items], LambingEntry, user=created_by
                )
            return
        except IntegrityError as error:
            stored_by_uuid = _stored_by_uuid([item.uuid for item in items])
            refused = False
            for item in items:
                stored = stored_by_uuid.get(item.uuid)
                refusal = None if stored else _refused_by_constraint(item.entry, error)
                if stored is not None:
                    _take_stored(item, stored, item.entry)
                elif isinstance(refusal, ValidationError):
                    item.error, item.entry, item.is_new = refusal, None, False
                else:
                    continue
                refused = True
            if not refused:
                raise
            items = [item for item in items if item.is_new and item.error is None]


@transaction.atomic
def entry_update(
    *, entry: LambingEntry, reason: str, seen_version: int | None = None, **changes
) -> LambingEntry:
    """Correct an entry's counts or date, saying why; the record's running totals
    are checked again with the change in place. Made from a page that showed
    ``seen_version``, it is refused if someone saved a newer one meanwhile."""
    only_fields("entry_update", changes, LambingEntry.CONTENT_FIELDS, verb="change")
    if seen_version is not None:
        check_version(entry, seen_version=seen_version)
    require_reason(reason)
    record = lock_record(entry.record)
    # Changes go onto the entry as stored now, held until saved, so that two
    # edits at once are applied one after the other, neither lost.
    entry = LambingEntry.objects.select_for_update().get(pk=entry.pk)
    entry.record = record
    for field, value in changes.items():
        setattr(entry, field, value)
    entry.full_clean()
    entry._change_reason = reason
    entry.save()
    rollups.changed([record.pk])
    return entry


@transaction.atomic
def entry_delete(*, entry: LambingEntry, reason: str, seen_version: int | None = None) -> None:
    """Remove an entry, saying why (it stays in the history), unless the record's
    running totals would break without it (say, the births that later losses
    were counted against). Made from a page that showed ``seen_version``, it is
    refused if someone saved a newer one meanwhile."""
    if seen_version is not None:
        check_version(entry, seen_version=seen_version)
    require_reason(reason)
    record = lock_record(entry.record)
    entry.record = record
    entry.check_not_locked()
    remaining = list(record.entries.exclude(pk=entry.pk).running_counts())
    violation = walk.first_violation(
        ewes_at_start=record.ewes_at_start, entries=remaining, stored=[*remaining, entry]
    )
    if violation:
        raise ValidationError(
            _("This entry cannot be deleted: %(reason)s"),
            code="delete_breaks_totals",
            params={"reason": " ".join(violation.error.messages)},
        )
    entry._change_reason = reason
    entry.delete()
    rollups.changed([record.pk])
