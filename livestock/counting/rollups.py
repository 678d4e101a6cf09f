"""Keeping the daily rollups (``models.DailyRollup``) in step with the entries.

Why here and how it cannot be missed: every total of a summary is a sum over
records of a number that, per record, only changes on the dates of its
entries (and on the day the record is made); each data-quality flag also
changes a fixed number of days after them and on its season's dates
(``counting.flags.flag_dates``), so "households flagged" is kept the same
way. Each record's changes, as its walk (``counting/walk.py``) says, are kept
per date as herder-level rows, and each prefecture, county, township and
village holds the sum of its records' rows per date. A summary as of a date
sums the rows up to it: exact for any past date, and as small as places × days.

``changed(record_ids)`` makes a record's rows again from its entries and moves
the difference into its places' rows, in the caller's transaction, under the
record's row lock. The services call it, in the transaction of each write of
an entry, a record or a season's dates (``moved(place)`` for a place moved
elsewhere; ``created(record_ids)`` for records just inserted, which have no
rows to take a difference from: theirs are added as their walk makes them),
so that reading a service says every write it makes; the models know nothing
of the rollups. Every surface (the admin, the API, the field
app, imports, commands) writes through the services. Database triggers would
also catch raw SQL, but they would be the counting rules written a second
time, in two SQL dialects, out of reach of the tests' Python; raw SQL or ORM
writes that bypass the services are not made here, and ``rebuild()`` repairs
any that are.

A write of entries hands over what it read under the records' locks for the
rules, and the rows move by the difference between each record's walk before
and after, with nothing read again: a single entry's create
(``entries_written``), and a batch of new entries
(``services.entries.entries_create``: the API's bulk, imports), which walks
each record once from its earliest new date, with and without the new
entries (``added_rows``, ``add_rows``). A path of several writes may wrap them
in ``deferred()``: each record changed inside is then made again once, at the
end of the block, instead of once per write.
"""

import datetime
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from livestock.counting import walk
from livestock.models import (
    LADDER,
    LEVEL_OF,
    DailyRollup,
    Herder,
    LambingEntry,
    LambingRecord,
    Place,
    Season,
    Village,
    villages_within,
)
from livestock.models.copying import copy_rows

HERDER_LEVEL = LADDER[-1].depth  # a household's own rows: the ledger the others sum
KEY_COLUMNS = ("season_id", "level", "place_id", "date")  # one row per key
# A row's places, one column per rung of the ladder, then the household's record.
PLACE_COLUMNS = (*(f"{level.name}_id" for level in LADDER), "record_id")

_pending: ContextVar[set[int] | None] = ContextVar("rollups_pending", default=None)
# Of the pending records, those made inside the ``deferred()`` block (``created``),
# each with its herder-level rows once a write of its entries made them
# (``made_with``), else None (read and walked at the end of the block).
_pending_new: ContextVar[dict[int, list[tuple] | None] | None] = ContextVar(
    "rollups_pending_new", default=None
)


@dataclass(frozen=True)
class RecordFacts:
    """What a record's rollup rows are made from, besides its entries."""

    record_id: int
    season_id: int
    herder_id: int
    village_id: int
    township_id: int
    county_id: int
    prefecture_id: int
    ewes_at_start: int | None
    recorded_on: datetime.date
    season_start: datetime.date
    season_end: datetime.date


EntryFacts = walk.EntryFacts  # what the rollups read of an entry, in (date, pk) order


def record_changes(
    record: RecordFacts, entries: Iterable[walk.Counted]
) -> dict[datetime.date, tuple[int, ...]]:
    """By date, how much each number the record's rollup rows count
    (``DailyRollup.COUNTED``, in its order) changed that day, as the record's
    walk (``counting/walk.py``) says: its totals, lambs lost by cause, and
    whether it has each data-quality flag and any (1 or 0). The record counts
    from the day it was made, or its first entry if earlier; dates without a
    change are left out."""
    return day_changes(walk.counted_days(walk_facts(record), entries))


def walk_facts(record: RecordFacts) -> walk.RecordFacts:
    """What the record's walk reads of it, for its rollup rows."""
    return walk.RecordFacts(
        ewes_at_start=record.ewes_at_start,
        counts_from=record.recorded_on,
        season_start=record.season_start,
        season_end=record.season_end,
    )


def day_changes(
    days: Iterable[walk.CountedDay], *, since: datetime.date | None = None
) -> dict[datetime.date, tuple[int, ...]]:
    """``record_changes`` of a record's walked days (``walk.counted_days``).
    From a walk ``since`` a date, a day before it is the state the later days
    change from, not a change."""
    previous = _ZEROS
    changes = {}
    for date, state, _violation, _has_entries in days:
        if since is not None and date < since:
            previous = state
            continue
        if state != previous:  # compared in C: most dates change few numbers, some none
            changes[date] = tuple(map(operator.sub, state, previous))
            previous = state
    return changes


def added_rows(
    record: RecordFacts,
    before: dict[datetime.date, tuple[int, ...]],
    after: dict[datetime.date, tuple[int, ...]],
) -> list[tuple]:
    """The record's herder-level rows to add when its changes by date
    (``day_changes``) go from ``before`` to ``after``: what a write of entries
    does to its stored rows, computed from its walk instead of reading them
    back. A date whose change is the same is left out."""
    rows = []
    for date in sorted(before.keys() | after.keys()):
        old, new = before.get(date, _ZEROS), after.get(date, _ZEROS)
        if old != new:
            rows.append(_herder_row(record, date, map(operator.sub, new, old)))
    return rows


def add_rows(rows: list[tuple]) -> None:
    """Add herder-level rows made by ``added_rows`` and their sums to their
    places' rows, in the caller's transaction (its records locked). A record
    whose rows are made again at the end of a ``deferred()`` block is left to
    it: what its rows held before may not be what its walk said."""
    pending = _pending.get()
    if pending:
        rows = [row for row in rows if row[_RECORD_AT] not in pending]
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        # The places' sums made by the server from the household rows sent by
        # COPY: summing a bulk's rows into its places' rows in Python took a
        # sixth of its CPU.
        with connection.cursor() as cursor:
            _copy_changes(cursor, row_columns(), rows)
            source = " UNION ALL ".join(
                ["SELECT * FROM rollup_changes", *_place_sums("rollup_changes")]
            )
            cursor.execute(add_statement(row_columns(), connection, source=f"({source}) AS summed"))
            cursor.execute("DELETE FROM rollup_changes")
        return
    summed: dict[tuple, list] = {}
    for row in rows:
        for changed_row in (row, *place_rows(row)):
            key, places, counts = split(changed_row)
            held = summed.get(key)
            if held is None:
                summed[key] = [places, list(counts)]
            else:
                held[1] = list(map(operator.add, held[1], counts))
    _add(
        row_columns(),
        [
            (*key, *places, *counts)
            for key, (places, counts) in sorted(summed.items())
            if any(counts)  # a place's rows may add up to no change
        ],
    )


# Inside ``places_summed_later()`` (on PostgreSQL): whether its table of new
# records' household rows was made in this block.
_places_later: ContextVar[dict | None] = ContextVar("rollups_places_later", default=None)
NEW_ROWS_TABLE = "rollup_new_rows"
# PostgreSQL's memory for the sorts and hashes of ``add_summed_places``' sums,
# for that statement only: at the default 4 MB, those of an import of 100,000
# rows (115,000 household rows, 52,000 place rows) spilled to disk, 1.9–2.2 s;
# in memory, 1.25–1.56 s (EXPLAIN ANALYZE, 2026-12-07). A larger file spills
# what does not fit, as before.
SUMS_WORK_MEM = "64MB"


@contextmanager
def places_summed_later():
    """A write of many new records (an import's, a batch at a time): their
    household rows are added as each batch makes them, and their places' rows
    once, summed over the whole block at its end (``add_summed_places``, which
    the caller calls last), instead of with each batch. A large file's
    households share their villages' and townships' days across batches: at
    100,000 rows, a third of the place rows to upsert. Elsewhere than on
    PostgreSQL, each batch adds its own."""
    if connection.vendor != "postgresql" or _places_later.get() is not None:
        yield
        return
    token = _places_later.set({"made": False})
    try:
        yield
    finally:
        _places_later.reset(token)


def add_summed_places() -> None:
    """At the end of ``places_summed_later()``: add to their places' rows the
    household rows of the new records added in it (kept, as they were added,
    in a temporary table dropped at commit), in one upsert in key order.
    Rows added since for those records (a later write of their entries)
    brought their own places' changes."""
    later = _places_later.get()
    if later is None or not later["made"]:
        return
    # The first, empty, SELECT gives the union its columns' types (the place
    # sums' NULLs are untyped).
    typed = f"SELECT * FROM {NEW_ROWS_TABLE} WHERE false"  # noqa: S608 (ours)
    source = " UNION ALL ".join([typed, *_place_sums(NEW_ROWS_TABLE)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        (work_mem,) = cursor.fetchone()
        cursor.execute("SELECT set_config('work_mem', %s, true)", [SUMS_WORK_MEM])
        cursor.execute(add_statement(row_columns(), connection, source=f"({source}) AS summed"))
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        cursor.execute(f"DELETE FROM {NEW_ROWS_TABLE}")  # noqa: S608 (ours)
    later["made"] = False


def _add_new_rows(rows: list[tuple]) -> None:
    """``add_rows`` for the herder-level rows of records just made, whose
    places' rows ``places_summed_later()`` may add at its end: their rows
    alone are added here, and kept in its table: in one statement, or by
    COPY when they are many."""
    later = _places_later.get()
    if later is None or not rows:
        add_rows(rows)
        return
    columns = row_columns()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {NEW_ROWS_TABLE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM {DailyRollup._meta.db_table} WITH NO DATA"
        )
        later["made"] = True
        if len(rows) < COPY_FROM_ROWS:
            cursor.execute(
                _kept_arrays_statement(),
                [_array_text(column) for column in zip(*rows, strict=True)],
            )
            return
        # An import's batch (thousands of rows) by COPY: the server parsed the
        # arrays of a batch's 6,000 rows in a third of the statement's time
        # (38 of 120 ms), COPY's text in a tenth.
        _add_copied(cursor, columns, rows, kept_in=NEW_ROWS_TABLE)


def _kept_arrays_statement() -> str:
    """``_add_new_rows``' statement: the rows, sent as one array per column
    (``_array_text``), added in key order, and kept in ``NEW_ROWS_TABLE``."""
    columns = row_columns()
    if columns not in _kept_statements:
        names = ", ".join(columns)
        kept = f"kept AS (INSERT INTO {NEW_ROWS_TABLE} ({names}) SELECT {names} FROM changes)"  # noqa: S608
        _kept_statements[columns] = (
            f"{_changes_from_arrays(columns)}, {kept} "  # noqa: S608
            + add_statement(columns, connection, source="changes")
        )
    return _kept_statements[columns]


_kept_statements: dict[tuple, str] = {}


# What a rollup row counts, by name, in the order a record's walk counts it
# (``DailyRollup.COUNTED`` is made of the same names).
COUNTED = walk.VALUES
_ZEROS = (0,) * len(COUNTED)


def herder_rows(record: RecordFacts, entries: Iterable[EntryFacts]) -> Iterator[tuple]:
    """The record's herder-level rows, as tuples in ``COLUMNS`` order."""
    for date, change in record_changes(record, entries).items():
        yield _herder_row(record, date, change)


def _herder_row(record: RecordFacts, date: datetime.date, change: Iterable[int]) -> tuple:
    """The record's herder-level row of ``date`` adding ``change`` (``COUNTED``
    values), in ``row_columns()`` order: its key, its places, its counts."""
    return (
        record.season_id,
        HERDER_LEVEL,
        record.herder_id,
        date,
        record.prefecture_id,
        record.county_id,
        record.township_id,
        record.village_id,
        record.herder_id,
        record.record_id,
        *change,
    )


def row_columns() -> tuple[str, ...]:
    """A rollup row's columns, in the order of the tuples made here: its key,
    its places, then what it counts."""
    return (*KEY_COLUMNS, *PLACE_COLUMNS, *COUNTED)


def split(row: tuple) -> tuple[tuple, tuple, tuple]:
    """A row made here (in ``row_columns()`` order) as its key (``KEY_COLUMNS``),
    its places (``PLACE_COLUMNS``) and its counts (``COUNTED``)."""
    return row[:_PLACES_AT], row[_PLACES_AT:_COUNTS_AT], row[_COUNTS_AT:]


_PLACES_AT = len(KEY_COLUMNS)
_COUNTS_AT = len(KEY_COLUMNS) + len(PLACE_COLUMNS)
_RECORD_AT = _COUNTS_AT - 1
# The place rows a household's row adds to: per level above the household, its
# place column and the place columns it keeps (those above its level, and its own).
PLACE_LEVELS = tuple(
    (level.depth, f"{level.name}_id", tuple(f"{above.name}_id" for above in LADDER[: depth + 1]))
    for depth, level in enumerate(LADDER[:HERDER_LEVEL])
)


def place_rows(row: tuple) -> Iterator[tuple]:
    """The prefecture, county, township and village rows a herder-level row adds to."""
    (season, _level, _place, date), places, counts = split(row)
    by_name = dict(zip(PLACE_COLUMNS, places, strict=True))
    for level, place_column, kept in PLACE_LEVELS:
        level_places = [by_name[name] if name in kept else None for name in PLACE_COLUMNS]
        yield (season, level, by_name[place_column], date, *level_places, *counts)


# Reading records and entries


def read_records(
    record_ids: Iterable[int], *, among: QuerySet[LambingRecord] | None = None
) -> tuple[list[RecordFacts], dict[int, list[walk.Counted]]]:
    """The records (locked, in id order) and their entries by record, in (date,
    pk) order, as the walk reads them: what their rollup rows are made from,
    and what a write of entries checks its rules against. ``among``: the
    records that may be read (a user's, ``scoping.visible``), checked in the
    same query; the others are left out, as ids that name no record are."""
    record_ids = sorted(set(record_ids))
    records = (
        (LambingRecord.objects if among is None else among)
        .filter(pk__in_array=record_ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list(
            "pk",
            "season_id",
            "herder_id",
            "herder__village_id",
            "herder__village__township_id",
            "herder__village__township__county_id",
            "herder__village__township__county__prefecture_id",
            "ewes_at_start",
            "created_at",
            "season__start_date",
            "season__end_date",
        )
    )
    zone = timezone.get_current_timezone()
    facts = [
        RecordFacts(
            *values[:8],
            recorded_on=values[8].astimezone(zone).date(),  # timezone.localtime's, read once
            season_start=values[9],
            season_end=values[10],
        )
        for values in records
    ]
    entries: dict[int, list[walk.Counted]] = defaultdict(list)
    if among is not None:
        record_ids = [record.record_id for record in facts]
    rows = (
        LambingEntry.objects.filter(record_id__in_array=record_ids)
        .order_by("record_id", "date", "pk")
        .values_list("record_id", *LambingEntry.RUNNING_TOTAL_FIELDS, named=True)
    )
    for row in rows:  # named tuples with the walk's fields (EntryFacts'), made in C
        entries[row.record_id].append(row)
    return facts, entries


# Keeping them in step


def changed(record_ids: Iterable[int]) -> None:
    """The entries or the ewes of these records changed (or the records were
    made, moved or deleted): bring their rollups up to date now, or at the end
    of the enclosing ``deferred()`` block."""
    record_ids = {pk for pk in record_ids if pk is not None}
    if not record_ids:
        return
    if _defer(record_ids):
        return
    refresh(record_ids)


def _defer(record_ids: Iterable[int]) -> bool:
    """Inside ``deferred()``: the records are made again at the end of the
    block (True), and rows a write made of a new one's entries are no longer
    its rows (something else changed it since)."""
    pending = _pending.get()
    if pending is None:
        return False
    pending.update(record_ids)
    pending_new = _pending_new.get()
    for pk in record_ids:
        if pending_new.get(pk) is not None:
            pending_new[pk] = None
    return True


def is_deferred(record_id: int) -> bool:
    """Whether the record's rows are made at the end of the enclosing
    ``deferred()`` block: a write of its entries need not work out the
    difference they make."""
    pending = _pending.get()
    return pending is not None and record_id in pending


def made_with(
    record: RecordFacts,
    entries: list[walk.Counted],
    *,
    changes: Mapping[datetime.date, tuple[int, ...]] | None = None,
) -> bool:
    """A write of entries inside ``deferred()`` hands over every entry of a
    record made in the block (``created``; in (date, pk) order): its rows are
    made from them now and added with the block's others at its end, instead
    of the record and its entries being read back and walked again there (an
    import's thousands of new records). ``changes``: what the write's own walk
    of the record and those entries said (``record_changes``), so that it is
    not walked again here. False for any other record."""
    pending_new = _pending_new.get()
    if pending_new is None or record.record_id not in pending_new:
        return False
    if changes is None:
        changes = record_changes(record, entries)
    pending_new[record.record_id] = [
        _herder_row(record, date, change) for date, change in changes.items()
    ]
    return True


def created(record_ids: Iterable[int]) -> None:
    """These records were just inserted and have no rollup rows yet: make
    their rows from their entries now, or at the end of the enclosing
    ``deferred()`` block. Their rows and their places' sums are added as they
    are, with no stored rows read to take a difference from (``refresh``'s
    ``new``): for an import's thousands of new records, diffing their rows
    against none and summing them into their places in Python was a third of
    its time."""
    record_ids = {pk for pk in record_ids if pk is not None}
    if not record_ids:
        return
    pending, pending_new = _pending.get(), _pending_new.get()
    if pending is not None and pending_new is not None:
        pending.update(record_ids)
        pending_new.update(dict.fromkeys(record_ids))
        return
    refresh(record_ids, new=dict.fromkeys(record_ids))


@contextmanager
def deferred():
    """Several writes: the records changed inside the block are brought up to
    date once, at its end, in the same transaction."""
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    pending_new: dict[int, list[tuple] | None] = {}
    token = _pending.set(pending)
    token_new = _pending_new.set(pending_new)
    try:
        with transaction.atomic():
            yield
            _pending.reset(token)
            _pending_new.reset(token_new)
            token = token_new = None
            if not transaction.get_rollback():  # the block gave its writes up
                refresh(pending, new=pending_new)
    finally:
        if token is not None:
            _pending.reset(token)
        if token_new is not None:
            _pending_new.reset(token_new)


def refresh(
    record_ids: Iterable[int], *, new: Mapping[int, list[tuple] | None] | None = None
) -> None:
    """Make the records' herder-level rows again from their entries (locking
    the records), and add the difference to their places' rows. Those of
    ``new`` have no rows yet (``created``): theirs are added as they are,
    without reading them when ``new`` holds them (``made_with``)."""
    record_ids = sorted(set(record_ids))
    if not record_ids:
        return
    new = new or {}
    made_rows = [row for pk in record_ids for row in new.get(pk) or ()]
    record_ids = [pk for pk in record_ids if new.get(pk) is None]
    with transaction.atomic(savepoint=False):
        records, entries = read_records(record_ids) if record_ids else ([], {})
        made = [record for record in records if record.record_id in new]
        if made or made_rows:
            _add_new_rows(made_rows + _rows_of(made, entries))
        # The others (a record deleted meanwhile took its rows away: ``removed``).
        records = [record for record in records if record.record_id not in new]
        if not records:
            return
        _move(_stored_rows(records), _rows_of(records, entries))


def _stored_rows(records: list[RecordFacts]) -> list[tuple]:
    """The records' herder-level rows as stored, in ``row_columns()`` order,
    found by the rollups' key (a record is its herder's in its season)."""
    stored = DailyRollup.objects.filter(
        season_id__in={record.season_id for record in records},
        level=HERDER_LEVEL,
        place_id__in_array=[record.herder_id for record in records],
        record_id__in_array=[record.record_id for record in records],
    )
    return [tuple(values) for values in stored.values_list(*row_columns())]


def removed(record: LambingRecord) -> None:
    """The record is being deleted: its herder-level rows are taken away, and
    their places' rows by as much, in the caller's transaction (the record
    locked, read with its season and places as ``facts_of`` reads it).
    Inside ``deferred()`` it is no longer made again at the end of the block."""
    pending, pending_new = _pending.get(), _pending_new.get()
    if pending is not None:
        pending.discard(record.pk)
        pending_new.pop(record.pk, None)
    _move(_stored_rows([facts_of(record)]), [])


def entries_written(
    record: RecordFacts, *, before: Iterable[EntryFacts], after: Iterable[EntryFacts]
) -> None:
    """One record's entries went from ``before`` to ``after`` (both read under
    the record's lock by the write that changed them, in (date, pk) order):
    move its rows and its places' rows by the difference between the two
    walks, without reading the record, its entries or its rows again. The
    stored rows are what the walk makes of the stored entries (every write
    keeps them so, in its transaction, and ``rebuild()`` makes them so), so
    the walk of ``before`` is what is stored. What a single entry's create
    does (``services.entry_create``); inside ``deferred()``, the record is
    made again at the end of the block like any other."""
    if _defer([record.record_id]):
        return
    old, new = record_changes(record, before), record_changes(record, after)
    add_rows(added_rows(record, before=old, after=new))


def facts_of(record: LambingRecord) -> RecordFacts:
    """``RecordFacts`` of a record read with its season and its places up to
    the prefecture (``select_related("season", "herder__village__township__county")``)."""
    village = record.herder.village
    county = village.township.county
    return RecordFacts(
        record_id=record.pk,
        season_id=record.season_id,
        herder_id=record.herder_id,
        village_id=village.pk,
        township_id=village.township_id,
        county_id=county.pk,
        prefecture_id=county.prefecture_id,
        ewes_at_start=record.ewes_at_start,
        recorded_on=timezone.localtime(record.created_at).date(),
        season_start=record.season.start_date,
        season_end=record.season.end_date,
    )


def _move(old_rows: list[tuple], new_rows: list[tuple]) -> None:
    """Records' herder-level rows go from ``old_rows`` to ``new_rows`` (in
    ``row_columns()`` order): store the difference, in their rows and their
    places' rows, in one upsert."""
    # Only the household rows that changed move their places' rows: an entry
    # changes its record's rows from its date on at most, and most of a
    # bulk's records' rows stay as they were.
    old_by_key = {_key(row): row for row in old_rows}
    new_by_key = {_key(row): row for row in new_rows}
    old_rows = [row for key, row in old_by_key.items() if new_by_key.get(key) != row]
    new_rows = [row for key, row in new_by_key.items() if old_by_key.get(key) != row]
    if not old_rows and not new_rows:
        return
    # By row (the household's own and its places'): its place columns before
    # and after (a place may have moved), and how much its counts change.
    # A household's date left without a change keeps a row of zeros.
    difference: dict[tuple, list] = {}
    for rows, sign in ((old_rows, -1), (new_rows, 1)):
        for row in rows:
            for changed_row in (row, *place_rows(row)):
                key, places, counts = split(changed_row)
                before_after_counts = difference.setdefault(
                    key, [places, places, [0] * len(counts)]
                )
                before_after_counts[0 if sign < 0 else 1] = places
                total = before_after_counts[2]
                for index, count in enumerate(counts):
                    total[index] += sign * count
    _add(
        row_columns(),
        [
            (*key, *after, *counts)
            for key, (before, after, counts) in sorted(difference.items())
            if any(counts) or before != after
        ],
    )


def _rows_of(records: list[RecordFacts], entries: dict[int, list[walk.Counted]]) -> list[tuple]:
    return [row for record in records for row in herder_rows(record, entries[record.record_id])]


def _key(row: tuple) -> tuple:
    """Season, level, place, date: the unique key, in the order rows are locked."""
    return row[:_PLACES_AT]


def _add(columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Add counts to rows, making the rows that do not exist yet and setting
    their place columns (a place may have moved): ``INSERT … ON CONFLICT DO
    UPDATE``, in key order so that two transactions never wait on each other
    in a circle. On PostgreSQL the rows go as one array per column, unnested
    by the server: one statement whatever the number of rows (a row per
    statement took 0.2 ms each, and one statement of many rows makes psycopg
    parse its thousands of placeholders). SQLite runs the row statement once
    per row, in the process."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(add_statement(columns, connection), rows)
        elif len(rows) < COPY_FROM_ROWS:
            cursor.execute(
                add_statement(columns, connection),
                [_array_text(column) for column in zip(*rows, strict=True)],
            )
        else:
            _add_copied(cursor, columns, rows)


def _array_text(values: Iterable) -> str:
    """A column's values (numbers, dates, None) as PostgreSQL writes an array
    ('{3,NULL,2025-02-11}'), cast by the statement: psycopg adapts a list value
    by value in Python, which was a third of a single create's upsert. A
    column without None (most: an import's household rows have none) is
    made by ``map(str)``, in C: the check per value was a tenth of an import's
    rollups."""
    values = tuple(values)
    if None not in values:
        return "{" + ",".join(map(str, values)) + "}"
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


# From this many rows on, ``_add`` sends them by COPY: adapting a bulk's arrays
# of thousands of values took a tenth of its CPU, COPY's rows a few percent.
COPY_FROM_ROWS = 200


def _changes_from_arrays(columns: tuple[str, ...]) -> str:
    """The rows sent as one array per column (``_array_text``), each cast to
    its column's type, as the table ``changes`` of a ``WITH``: what
    ``_kept_arrays_statement`` starts from."""
    return (
        f"WITH changes ({', '.join(columns)}) AS (SELECT * FROM {_unnested(columns, connection)})"  # noqa: S608
    )


def _unnested(columns: tuple[str, ...], database) -> str:
    """The rows sent as one parameter per column, an array of its values
    (``_array_text``), each cast to its column's type, as rows (PostgreSQL)."""
    types = {field.column: field.db_type(database) for field in DailyRollup._meta.fields}
    return f"unnest({', '.join(f'%s::{types[column]}[]' for column in columns)})"


def _add_copied(cursor, columns: tuple[str, ...], rows: list[tuple], *, kept_in: str = "") -> None:
    """``_add`` for many rows on PostgreSQL: COPY them into a temporary table
    dropped at commit (so that it holds no state between transactions, as a
    pooler in transaction mode needs), then the same upsert from it, in key
    order. ``kept_in``: a table of the same columns that keeps them too."""
    _copy_changes(cursor, columns, rows)
    if kept_in:
        names = ", ".join(columns)
        cursor.execute(f"INSERT INTO {kept_in} ({names}) SELECT {names} FROM rollup_changes")  # noqa: S608
    cursor.execute(add_statement(columns, connection, source="rollup_changes"))
    cursor.execute("DELETE FROM rollup_changes")


def _copy_changes(cursor, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY rows into ``rollup_changes``, a temporary table of the rollups'
    columns dropped at commit."""
    names = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS rollup_changes ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {DailyRollup._meta.db_table} WITH NO DATA"
    )
    copy_rows(cursor, "rollup_changes", columns, rows)


def add_statement(columns: tuple[str, ...], database, *, source: str = "") -> str:
    """The SQL of ``_add`` on ``database`` (a connection): on PostgreSQL one
    parameter per column, an array of its values, or the rows of the table
    ``source`` in key order; on SQLite one row's values. Also what
    ``bench/bare_sql.py`` runs, as the floor of the writes. Made once per
    database kind (it was 2 % of a single create's CPU)."""
    key = (columns, database.vendor, source)
    if key not in _add_statements:
        _add_statements[key] = _make_add_statement(columns, database, source)
    return _add_statements[key]


_add_statements: dict[tuple, str] = {}


def _make_add_statement(columns: tuple[str, ...], database, source: str) -> str:
    # The table is named "r" in the update: spelt out 80 times, its name made
    # the statement longer than psycopg parses once and keeps (4,096
    # characters), and parsing it again was 6 % of a single create's CPU.
    table = DailyRollup._meta.db_table
    update = ", ".join(
        [f"{name} = r.{name} + excluded.{name}" for name in DailyRollup.COUNTED]
        + [f"{name} = excluded.{name}" for name in PLACE_COLUMNS]
    )
    conflict = f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {update}"
    insert = f"INSERT INTO {table} AS r ({', '.join(columns)})"
    if source:
        keys = ", ".join(KEY_COLUMNS)
        return f"{insert} SELECT {', '.join(columns)} FROM {source} ORDER BY {keys} {conflict}"  # noqa: S608
    if database.vendor == "postgresql":
        return f"{insert} SELECT * FROM {_unnested(columns, database)} {conflict}"  # noqa: S608 (names are ours)
    return f"{insert} VALUES ({', '.join(['%s'] * len(columns))}) {conflict}"  # noqa: S608


def moved(place: Place) -> None:
    """``place`` (a county, township, village or herder) now lies in another
    place: its records' rows are made again, and every row within it takes
    its new place columns."""
    records = LambingRecord.objects.filter(**{f"herder__{place.herder_path}": place.pk})
    changed(records.values_list("pk", flat=True))
    # The places above it as stored now (not as the objects in memory say).
    level = LEVEL_OF[type(place)]
    paths = {above.name: level.path_to(above) for above in LADDER[: level.depth]}
    above = type(place)._default_manager.filter(pk=place.pk).values(*paths.values()).get()
    for within in _rows_within(place):
        DailyRollup.objects.filter(within).update(
            **{name: above[path] for name, path in paths.items()}
        )


def _rows_within(place: Place) -> list[Q]:
    """Every row within ``place``, as the indexes find them
    (``DailyRollup.Meta.indexes``): a household's by the rollups' key, a
    village's by its index; above a village, the places' own rows by their
    level's index and the households' through their villages."""
    if isinstance(place, Herder):
        seasons = Season.objects.values("pk")
        return [Q(season__in=seasons, level=HERDER_LEVEL, place_id=place.pk)]
    if isinstance(place, Village):
        return [Q(village=place.pk)]
    return [
        Q(level__lt=HERDER_LEVEL, **{place._meta.model_name: place.pk}),
        Q(level=HERDER_LEVEL, village__in=villages_within(place).values("pk")),
    ]


# Making them again from the entries


def rebuild(*, chunk: int = 20_000, progress=None) -> int:
    """Delete every rollup and make them again from the records and entries,
    in one transaction; returns the number of herder-level rows. Records are
    read ``chunk`` at a time; on PostgreSQL the rows are written with COPY."""
    with transaction.atomic():
        DailyRollup.objects.all().delete()
        record_ids = list(LambingRecord.objects.order_by("pk").values_list("pk", flat=True))
        written = 0
        for start in range(0, len(record_ids), chunk):
            records, entries = read_records(record_ids[start : start + chunk])
            rows = _rows_of(records, entries)
            write_herder_rows(rows)
            written += len(rows)
            if progress:
                progress(min(start + chunk, len(record_ids)), len(record_ids))
        sum_place_rows()
    return written


def rebuild_in_migration(apps) -> None:
    """A migration's ``rebuild()``: the rows are made by the current code, so
    only when the table at that migration has the current columns, each as
    nullable as now. A migration that changes the columns calls
    this, and the rollups are made once, by the last such migration, whatever
    migration a database starts from."""

    def columns(model) -> set[tuple[str, bool]]:
        return {(field.column, field.null) for field in model._meta.concrete_fields}

    if columns(apps.get_model("livestock", "DailyRollup")) == columns(DailyRollup):
        rebuild()


def write_herder_rows(rows: list[tuple]) -> None:
    """Store herder-level rows made by ``herder_rows`` as they are (no place rows:
    ``sum_place_rows`` makes those once all are written). COPY on PostgreSQL."""
    if not rows:
        return
    columns = row_columns()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_rows(cursor, DailyRollup._meta.db_table, columns, rows)
        return
    # SQLite: one executemany, dates as the DateField stores them.
    adapt = connection.ops.adapt_datefield_value
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {DailyRollup._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({placeholders})",
            [(*row[:3], adapt(row[3]), *row[4:]) for row in rows],
        )


def sum_place_rows() -> None:
    """Replace the prefecture, county, township and village rows by the sums of
    the herder-level rows, in the database."""
    DailyRollup.objects.exclude(level=HERDER_LEVEL).delete()
    table = DailyRollup._meta.db_table
    with connection.cursor() as cursor:
        for select in _place_sums(table, where=f"WHERE level = {HERDER_LEVEL}"):
            cursor.execute(f"INSERT INTO {table} ({', '.join(row_columns())}) {select}")


def _place_sums(source: str, where: str = "") -> list[str]:
    """Per level above the household, the SELECT of its places' rows summed
    from the household rows of ``source`` (a table), in ``row_columns()`` order."""
    sums = ", ".join(f"SUM({name})" for name in DailyRollup.COUNTED)
    selects = []
    for level, place, kept in PLACE_LEVELS:
        places = [column if column in kept else "NULL" for column in PLACE_COLUMNS]
        group = ", ".join(["season_id", "date", *kept])
        selects.append(
            f"SELECT season_id, {level}, {place}, date, {', '.join(places)}, {sums} "  # noqa: S608
            f"FROM {source} {where} GROUP BY {group}"
        )
    return selects
