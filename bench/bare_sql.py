# ruff: noqa: S608 (the SQL names only our own tables and columns; values are parameters)
"""The database's own floor under the app's writes: the same rows written by
bare SQL through psycopg, with no Django, no rules and no walk, so that
``run.py`` can print app ÷ SQL beside each write it times.

- a **create**: lock the record (reading its places, as the app's lock does),
  insert the entry and its history row, add its household row and its four
  place rows to the daily rollups (``rollups.add_statement``, the app's own
  upsert); one transaction, from ``clients`` connections at once;
- a **bulk of 1,000**: lock the records in id order, ``COPY`` the entries and
  their history rows, one upsert of the rollups, timed twice: with the rows the
  app writes for the same entries (``app_rollup_rows``: each record's
  household rows that its walk says change, about 2.6 a record since an entry
  also moves the day its record turns stale, and their place rows; made by the
  app's own walk and written as the upsert's text arrays untimed, before the
  app's bulks run), and, as before 2026-12-06, with one household row per
  entry and its place rows, made and adapted by psycopg inside the timing
  (about a third of the rows the app must write for the same entries);
- an **import** of the app's own file (since 2026-12-06; ``Floor.imports``):
  the same households, records, entries, history rows and rollup rows (the
  household rows the app's walk makes for each new record, about six a record,
  and their place rows), in one transaction as the app's import is: ``COPY``
  of each table, the household rollup rows too (new records have none to add
  to), the place rows summed over the whole file and upserted once, every row
  made untimed first; and, beside it, the floor until then (``imports_batched``):
  batches of 1,000 rows of 200 new households on five days from the season's
  start, each its own transaction with one upsert of its rollups, made
  inside the timing (about half the rollup rows the app writes for as many
  rows, and its Python's time).

The rollup rows count nothing (every count 0), and so do the entries (a note
saying what wrote them) but for the import's, which keep the file's counts
(their walk makes the rollup rows' dates), so that the rollups stay what a
rebuild makes; every row written is deleted at the end: the floor leaves the
database as it found it. The cost of a row does not depend on its counts.
"""

import datetime
import os
import random
import statistics
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from livestock.counting import rollups, walk
from livestock.models import (
    DailyRollup,
    Herder,
    LambingEntry,
    LambingRecord,
    Village,
)
from livestock.models.copying import copy_rows

NOTE = "bench/bare_sql.py"
ENTRY_COLUMNS = (
    "id",
    "uuid",
    "record_id",
    "date",
    "ewes_lambed",
    "lambs_born",
    "lambs_lost",
    "loss_cause",
    "lambs_alive",
    "check_stage",
    "note",
    "created_at",
    "created_by_id",
    "version",
)
HISTORY_COLUMNS = ("history_date", "history_type", "history_user_id", "history_source")
HISTORY_COLUMNS += ("history_surface",)
HERDER_COLUMNS = ("id", "name", "name_latin", "name_kazakh", "village_id", "version")
RECORD_COLUMNS = ("id", "herder_id", "season_id", "ewes_at_start", "created_at", "updated_at")
RECORD_COLUMNS += ("version",)
LOCK_SQL = (
    f"SELECT r.id, r.season_id, r.herder_id, h.village_id, v.township_id, t.county_id, "
    f"c.prefecture_id FROM {LambingRecord._meta.db_table} r "
    f"JOIN {Herder._meta.db_table} h ON h.id = r.herder_id "
    f"JOIN livestock_village v ON v.id = h.village_id "
    f"JOIN livestock_township t ON t.id = v.township_id "
    f"JOIN livestock_county c ON c.id = t.county_id "
    f"WHERE r.id = ANY(%s) ORDER BY r.id FOR UPDATE OF r"
)


def connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
        # No prepared statements: behind PgBouncer in transaction mode a
        # statement prepared in one transaction is not there in the next.
        prepare_threshold=None,
    )


def history_table(model) -> str:
    return model.history.model._meta.db_table


def next_ids(cursor, model, count: int) -> list[int]:
    cursor.execute(
        f"SELECT nextval(pg_get_serial_sequence('{model._meta.db_table}', 'id')) "
        "FROM generate_series(1, %s)",
        [count],
    )
    return [row[0] for row in cursor.fetchall()]


def entry_rows(ids, records, dates, now, user_id) -> tuple[list[tuple], list[tuple]]:
    """Entries of nothing (every count 0) and their history rows ('+', the bench's user)."""
    entries, history = [], []
    for entry_id, record_id, date in zip(ids, records, dates, strict=True):
        values = (entry_id, uuid.uuid4(), record_id, date, 0, 0, 0, "", None, "", NOTE, now)
        entries.append((*values, user_id, 1))
        history.append((entry_id, 1, *values[1:], user_id, now, "+", user_id, NOTE, "command"))
    return entries, history


ENTRY_HISTORY_COLUMNS = (
    "id",
    "version",
    *ENTRY_COLUMNS[1:12],
    "created_by_id",
    *HISTORY_COLUMNS,
)


def rollup_rows(places_by_record: dict[int, tuple], dates_by_record: dict[int, list]) -> list:
    """Household rows and their place rows, one per key, adding nothing."""
    zeros = (0,) * len(DailyRollup.COUNTED)
    rows = {}
    for record_id, dates in dates_by_record.items():
        season, herder, village, township, county, prefecture = places_by_record[record_id]
        for date in dates:
            row = (season, rollups.HERDER_LEVEL, herder, date, prefecture, county, township)
            row = (*row, village, herder, record_id, *zeros)
            for changed in (row, *rollups.place_rows(row)):
                rows[changed[:4]] = changed
    return [rows[key] for key in sorted(rows)]


def app_rollup_rows(record_ids: list[int], date: datetime.date, content: dict) -> list[tuple]:
    """The rollup rows the app's bulk writes when it adds an entry of
    ``content`` on ``date`` for each of ``record_ids``, adding nothing: each
    record's household rows whose dates the difference between its walk
    without and with its new entries says change (``rollups.added_rows``, the
    app's own), from the entries stored now, and their place rows. Untimed:
    what the app computes is the app's cost, the rows it writes are the
    database's."""
    with transaction.atomic():  # read_records locks the records, as the app does
        records, stored = rollups.read_records(record_ids)
    added = defaultdict(list)
    for record_id in record_ids:
        added[record_id].append(walk.EntryFacts(date=date, **content))
    places, dates = {}, {}
    for record in records:
        entries = stored[record.record_id]
        before = rollups.record_changes(record, entries)
        after = rollups.record_changes(record, [*entries, *added[record.record_id]])
        rows = rollups.added_rows(record, before=before, after=after)
        dates[record.record_id] = [row[3] for row in rows] or [date]
        places[record.record_id] = (
            record.season_id,
            record.herder_id,
            record.village_id,
            record.township_id,
            record.county_id,
            record.prefecture_id,
        )
    return rollup_rows(places, dates)


def array_texts(rows: list[tuple]) -> list[str]:
    """Each column of ``rows`` as PostgreSQL writes an array ('{3,NULL,2025-02-11}'),
    the parameters of ``rollups.add_statement`` that cost the client least."""
    return [
        "{" + ",".join("NULL" if value is None else str(value) for value in column) + "}"
        for column in zip(*rows, strict=True)
    ]


def add_rollups(cursor, rows: list[tuple]) -> None:
    columns = rollups.row_columns()
    cursor.execute(
        rollups.add_statement(columns, connection),
        [list(column) for column in zip(*rows, strict=True)],
    )


def lock(cursor, record_ids) -> dict[int, tuple]:
    cursor.execute(LOCK_SQL, [sorted(set(record_ids))])
    return {row[0]: row[1:] for row in cursor.fetchall()}


def backend_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# COPY's data is sent this many bytes a write.
COPY_CHUNK = 1 << 20


def copy_text(rows: Iterable[tuple]) -> bytes:
    """Rows as ``COPY … FROM STDIN``'s text format: made before the timing, so
    that the floor times the database, not the client's formatting."""
    lines = []
    for row in rows:
        lines.append("\t".join(_copy_value(value) for value in row))
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


class ImportPlan:
    """What ``Floor.imports`` writes for an import, made untimed: each table's
    rows as ``COPY`` text, and the rollup rows of the new records (the
    household rows as the app's walk makes them, and their place rows summed
    over the whole file), every count 0."""

    def __init__(self, user_id, season, households, herder_ids, record_ids, entry_ids):
        now = timezone.now()
        today = timezone.localdate()
        tail = (NOTE, "import")
        village_places = _village_places({village for village, _e, _r in households})
        herders, herder_history, records, record_history, entries, entry_history = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        herder_rows = []
        next_entry = iter(entry_ids)
        for (village, ewes, facts), herder_id, record_id in zip(
            households, herder_ids, record_ids, strict=True
        ):
            township, county, prefecture = village_places[village]
            name = (f"bare-{herder_id}", f"Bare {herder_id}", "")
            herders.append((herder_id, *name, village, 1))
            herder_history.append((herder_id, *name, 1, now, "+", user_id, village, *tail))
            records.append((record_id, herder_id, season.pk, ewes, now, now, 1))
            record_history.append(
                (record_id, 1, ewes, now, now, now, "+", herder_id, user_id, season.pk, *tail)
            )
            counted = []
            for fields in facts:
                entry_id = next(next_entry)
                entry = {**ENTRY_DEFAULTS, **fields}
                counted.append(walk.EntryFacts(**{k: entry[k] for k in WALKED}))
                values = (uuid.uuid4(), record_id, *(entry[k] for k in ENTRY_CONTENT), NOTE, now)
                entries.append((entry_id, *values, user_id, 1))
                entry_history.append(
                    (entry_id, 1, *values, user_id, now, "+", user_id, NOTE, "import")
                )
            record = rollups.RecordFacts(
                record_id=record_id,
                season_id=season.pk,
                herder_id=herder_id,
                village_id=village,
                township_id=township,
                county_id=county,
                prefecture_id=prefecture,
                ewes_at_start=ewes,
                recorded_on=today,
                season_start=season.start_date,
                season_end=season.end_date,
            )
            herder_rows.extend(rollups.herder_rows(record, counted))
        zeros = (0,) * len(DailyRollup.COUNTED)
        herder_rows = [(*row[: -len(zeros)], *zeros) for row in herder_rows]
        place_rows = {}
        for row in herder_rows:
            for place_row in rollups.place_rows(row):
                place_rows[place_row[:4]] = place_row
        self.herder_row_count = len(herder_rows)
        self.place_row_count = len(place_rows)
        self.place_rows = copy_text(place_rows[key] for key in sorted(place_rows))
        self.copies = [
            (Herder._meta.db_table, HERDER_COLUMNS, copy_text(herders)),
            (history_table(Herder), HERDER_HISTORY_COLUMNS, copy_text(herder_history)),
            (LambingRecord._meta.db_table, RECORD_COLUMNS, copy_text(records)),
            (history_table(LambingRecord), RECORD_HISTORY_COLUMNS, copy_text(record_history)),
            (LambingEntry._meta.db_table, ENTRY_COLUMNS, copy_text(entries)),
            (history_table(LambingEntry), ENTRY_HISTORY_COLUMNS, copy_text(entry_history)),
            (DailyRollup._meta.db_table, rollups.row_columns(), copy_text(herder_rows)),
        ]


# An entry's fields in ENTRY_COLUMNS' order between record_id and note, their
# defaults, and those its walk reads.
ENTRY_CONTENT = ENTRY_COLUMNS[3:10]
ENTRY_DEFAULTS = {
    "ewes_lambed": 0,
    "lambs_born": 0,
    "lambs_lost": 0,
    "loss_cause": "",
    "lambs_alive": None,
    "check_stage": "",
}
WALKED = ("date", *ENTRY_DEFAULTS)
HERDER_HISTORY_COLUMNS = ("id", "name", "name_latin", "name_kazakh", "version")
HERDER_HISTORY_COLUMNS += ("history_date", "history_type", "history_user_id", "village_id")
HERDER_HISTORY_COLUMNS += ("history_source", "history_surface")
RECORD_HISTORY_COLUMNS = ("id", "version", "ewes_at_start", "created_at", "updated_at")
RECORD_HISTORY_COLUMNS += ("history_date", "history_type", "herder_id", "history_user_id")
RECORD_HISTORY_COLUMNS += ("season_id", "history_source", "history_surface")


def _village_places(village_ids) -> dict[int, tuple[int, int, int]]:
    """Each village's township, county and prefecture."""
    villages = Village.objects.filter(pk__in=village_ids).values_list(
        "pk", "township_id", "township__county_id", "township__county__prefecture_id"
    )
    return {pk: places for pk, *places in villages}


class Floor:
    """Runs the floors, keeps what they wrote, and deletes it at the end."""

    def __init__(self, *, user_id: int, date: datetime.date):
        self.user_id = user_id
        self.date = date
        self.entries: list[int] = []
        self.records: list[int] = []
        self.herders: list[int] = []
        self.lock = threading.Lock()
        self.planned: list[tuple[int, list[str]]] = []

    def create(self, conn: psycopg.Connection, record_id: int) -> None:
        now = timezone.now()
        with conn.transaction(), conn.cursor() as cursor:
            places = lock(cursor, [record_id])
            entry = (uuid.uuid4(), record_id, self.date, 0, 0, 0, "", None, "", NOTE, now)
            cursor.execute(
                f"INSERT INTO {LambingEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS[1:])}) "
                f"VALUES ({', '.join(['%s'] * (len(ENTRY_COLUMNS) - 1))}) RETURNING id",
                [*entry, self.user_id, 1],
            )
            entry_id = cursor.fetchone()[0]
            history = (entry_id, 1, *entry, self.user_id, now, "+", self.user_id, NOTE, "command")
            cursor.execute(
                f"INSERT INTO {history_table(LambingEntry)} ({', '.join(ENTRY_HISTORY_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(ENTRY_HISTORY_COLUMNS))})",
                history,
            )
            add_rollups(cursor, rollup_rows(places, {record_id: [self.date]}))
        with self.lock:
            self.entries.append(entry_id)

    def creates(self, record_ids: list[int], clients: int, seconds: float) -> dict:
        """Single creates from ``clients`` connections for ``seconds``."""
        timings: list[float] = []
        conns = [connect() for _ in range(clients)]
        pids = [conn.info.backend_pid for conn in conns]
        stop = time.perf_counter() + seconds

        def client(conn, number):
            rng = random.Random(number)  # noqa: S311
            while time.perf_counter() < stop:
                started = time.perf_counter()
                self.create(conn, rng.choice(record_ids))
                timings.append((time.perf_counter() - started) * 1000)

        cpu_before = backend_cpu_seconds(pids)
        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(c, n)) for n, c in enumerate(conns)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu = backend_cpu_seconds(pids) - cpu_before
        for conn in conns:
            conn.close()
        return {
            "rate": len(timings) / elapsed,
            "p50": statistics.median(timings),
            "db_cpu_ms": cpu / max(len(timings), 1) * 1000,
        }

    def bulk(
        self, conn: psycopg.Connection, record_ids: list[int], planned: tuple | None = None
    ) -> int:
        """One bulk; ``planned``: its rollup rows' count and columns, made
        untimed (``plan_bulks``); else one household row per entry, on its
        date, and its place rows, made and adapted here as before 2026-12-06.
        Returns the rollup rows upserted."""
        now = timezone.now()
        with conn.transaction(), conn.cursor() as cursor:
            places = lock(cursor, record_ids)
            ids = next_ids(cursor, LambingEntry, len(record_ids))
            dates = [self.date] * len(ids)
            entries, history = entry_rows(ids, record_ids, dates, now, self.user_id)
            copy_rows(cursor, LambingEntry._meta.db_table, ENTRY_COLUMNS, entries)
            copy_rows(cursor, history_table(LambingEntry), ENTRY_HISTORY_COLUMNS, history)
            if planned is not None:
                count, arrays = planned
                cursor.execute(rollups.add_statement(rollups.row_columns(), connection), arrays)
            else:
                rows = rollup_rows(places, {pk: [self.date] for pk in record_ids})
                add_rollups(cursor, rows)
                count = len(rows)
        self.entries.extend(ids)
        return count

    def chosen_for_bulks(
        self, record_ids: list[int], count: int, size: int = 1000, *, same_rows: bool = True
    ) -> list:
        """The records of each bulk, chosen as ``run.py`` chooses its bulks' but
        from seeds of their own (one for each kind of floor): records that no
        bulk of the run has written to yet, as the app's were when its bulks
        ran. On the app's own records, after its bulks (until 2026-12-06), the
        floor's upsert found every rollup row made already and its pages in
        memory, where the app's inserted about 1,200 rows and read 5,500 pages
        from disk: a floor that the app could not reach on the same work."""
        rng = random.Random(1001 if same_rows else 1002)  # noqa: S311
        return [[rng.choice(record_ids) for _ in range(size)] for _ in range(count)]

    def plan_bulks(self, record_ids: list[int], count: int, content: dict) -> None:
        """Before the app's bulks: the rollup rows the app will write for each
        (``app_rollup_rows``), as the upsert's parameters, for
        ``bulks(same_rows=True)``."""
        self.planned = []
        for chosen in self.chosen_for_bulks(record_ids, count, same_rows=True):
            rows = app_rollup_rows(chosen, self.date, content)
            self.planned.append((len(rows), array_texts(rows)))

    def bulks(self, record_ids: list[int], count: int, *, same_rows: bool, size: int = 1000):
        """``count`` bulks of ``size``: with the rollup rows the app writes for the
        same entries (``same_rows``, after ``plan_bulks``), or one household row
        per entry."""
        timings, rows = [], []
        with connect() as conn:
            cpu_before = backend_cpu_seconds([conn.info.backend_pid])
            chosen_bulks = self.chosen_for_bulks(record_ids, count, size, same_rows=same_rows)
            for number, chosen in enumerate(chosen_bulks):
                started = time.perf_counter()
                rows.append(self.bulk(conn, chosen, self.planned[number] if same_rows else None))
                timings.append(time.perf_counter() - started)
            cpu = backend_cpu_seconds([conn.info.backend_pid]) - cpu_before
        return {
            "rate": size * count / sum(timings),
            "p50": statistics.median(timings) * 1000,
            "db_cpu_s": cpu / count,
            "rows": statistics.median(rows),
        }

    def import_batch(self, conn, village_ids: list[int], season, rng, households: int) -> None:
        """``households`` new households in villages at random, each with its
        record and five entries on five days (import_bench.py's rows)."""
        now = timezone.now()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(
                "SELECT v.id, v.township_id, t.county_id, c.prefecture_id "
                "FROM livestock_village v JOIN livestock_township t ON t.id = v.township_id "
                "JOIN livestock_county c ON c.id = t.county_id WHERE v.id = ANY(%s)",
                [village_ids],
            )
            village_places = {row[0]: row[1:] for row in cursor.fetchall()}
            herder_ids = next_ids(cursor, Herder, households)
            record_ids = next_ids(cursor, LambingRecord, households)
            entry_ids = next_ids(cursor, LambingEntry, households * 5)
            herders, herder_history, records, record_history = [], [], [], []
            places, dates, entry_records = {}, defaultdict(list), []
            for herder_id, record_id in zip(herder_ids, record_ids, strict=True):
                village = rng.choice(village_ids)
                township, county, prefecture = village_places[village]
                name = (f"bare-{herder_id}", f"Bare {herder_id}", "")
                herders.append((herder_id, *name, village, 1))
                herder_history.append((herder_id, *name, 1, now, "+", self.user_id, village))
                records.append((record_id, herder_id, season.pk, 100, now, now, 1))
                record_history.append(
                    (record_id, 1, 100, now, now, now, "+", herder_id, self.user_id, season.pk)
                )
                places[record_id] = (season.pk, herder_id, village, township, county, prefecture)
                for offset in range(5):
                    dates[record_id].append(season.start_date + datetime.timedelta(days=offset))
                    entry_records.append(record_id)
            tail = (NOTE, "command")
            copy_rows(cursor, Herder._meta.db_table, HERDER_COLUMNS, herders)
            copy_rows(
                cursor,
                history_table(Herder),
                ("id", "name", "name_latin", "name_kazakh", "version", "history_date")
                + ("history_type",)
                + ("history_user_id", "village_id", "history_source", "history_surface"),
                [(*row, *tail) for row in herder_history],
            )
            copy_rows(cursor, LambingRecord._meta.db_table, RECORD_COLUMNS, records)
            copy_rows(
                cursor,
                history_table(LambingRecord),
                ("id", "version", "ewes_at_start", "created_at", "updated_at", "history_date")
                + ("history_type", "herder_id", "history_user_id", "season_id")
                + ("history_source", "history_surface"),
                [(*row, *tail) for row in record_history],
            )
            entry_dates = [
                dates[record_id][index % 5] for index, record_id in enumerate(entry_records)
            ]
            entries, history = entry_rows(entry_ids, entry_records, entry_dates, now, self.user_id)
            copy_rows(cursor, LambingEntry._meta.db_table, ENTRY_COLUMNS, entries)
            copy_rows(cursor, history_table(LambingEntry), ENTRY_HISTORY_COLUMNS, history)
            add_rollups(cursor, rollup_rows(places, dates))
        self.entries.extend(entry_ids)
        self.records.extend(record_ids)
        self.herders.extend(herder_ids)

    def imports_batched(self, batches: int, rows: int = 1000) -> dict:
        """The import's floor until 2026-12-06: ``batches`` batches of 1,000 rows
        of new households on five days from the season's start, each its own
        transaction (``import_batch``). Printed beside ``imports`` so that older
        figures stay comparable."""
        from livestock.models import Season

        season = Season.objects.order_by("-start_date").first()
        village_ids = list(Village.objects.values_list("pk", flat=True))
        rng = random.Random(2025)  # noqa: S311
        timings = []
        with connect() as conn:
            cpu_before = backend_cpu_seconds([conn.info.backend_pid])
            for _ in range(batches):
                started = time.perf_counter()
                self.import_batch(conn, village_ids, season, rng, rows // 5)
                timings.append(time.perf_counter() - started)
            cpu = backend_cpu_seconds([conn.info.backend_pid]) - cpu_before
        return {
            "rate": rows * batches / sum(timings),
            "p50": statistics.median(timings) * 1000,
            "db_cpu_s": cpu / batches,
        }

    def imports(self, households: list[tuple[int, int | None, list[dict]]], season) -> dict:
        """The bare SQL of an import of ``households``, the app's file as
        (village id, ewes at the start, its entries' fields by name, codes for
        choices): the same households, records, entries, history rows and
        rollup rows the app writes for it, written the fastest plain way, in
        one transaction (the app's import is one): ``COPY`` of each table, the
        new records' household rollup rows by ``COPY`` too (no upsert: they
        cannot exist yet), and the place rows summed over the whole file
        (``import_place_rows``) and upserted once, from a temporary table
        filled by ``COPY``. Everything the database is not needed for is made
        untimed first (``ImportPlan``): the rows, as ``COPY``'s text, and the
        rollup rows, by the app's own walk of each new record
        (``rollups.herder_rows``), with their counts 0 so that the region
        stays what a rebuild makes. Timed: drawing the ids from the sequences
        and the writes. Returns the rate in the file's rows, the seconds, the
        PostgreSQL CPU per 1,000 rows and the rollup rows written."""
        rows = sum(len(entries) for _village, _ewes, entries in households)
        with connect() as conn:
            pid = conn.info.backend_pid
            cpu_before = backend_cpu_seconds([pid])
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                herder_ids = next_ids(cursor, Herder, len(households))
                record_ids = next_ids(cursor, LambingRecord, len(households))
                entry_ids = next_ids(cursor, LambingEntry, rows)
            drawn = time.perf_counter() - started
            plan = ImportPlan(self.user_id, season, households, herder_ids, record_ids, entry_ids)
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                for table, columns, data in plan.copies:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copying:
                        for start in range(0, len(data), COPY_CHUNK):
                            copying.write(data[start : start + COPY_CHUNK])
                columns = rollups.row_columns()
                cursor.execute(
                    f"CREATE TEMPORARY TABLE bare_place_rows ON COMMIT DROP AS "
                    f"SELECT {', '.join(columns)} FROM {DailyRollup._meta.db_table} WITH NO DATA"
                )
                with cursor.copy(f"COPY bare_place_rows ({', '.join(columns)}) FROM STDIN") as c:
                    c.write(plan.place_rows)
                cursor.execute(rollups.add_statement(columns, connection, source="bare_place_rows"))
            elapsed = drawn + time.perf_counter() - started
            cpu = backend_cpu_seconds([pid]) - cpu_before
        self.entries.extend(entry_ids)
        self.records.extend(record_ids)
        self.herders.extend(herder_ids)
        return {
            "rate": rows / elapsed,
            "seconds": elapsed,
            "db_cpu_s": cpu / rows * 1000,
            "herder_rows": plan.herder_row_count,
            "place_rows": plan.place_row_count,
        }

    def clean_up(self) -> None:
        """Delete every row the floors wrote (their rollup rows add nothing;
        the household rows of the deleted records go with them)."""
        with connect() as conn, conn.transaction(), conn.cursor() as cursor:
            for model, ids in (
                (LambingEntry, self.entries),
                (LambingRecord, self.records),
                (Herder, self.herders),
            ):
                if not ids:
                    continue
                cursor.execute(f"DELETE FROM {history_table(model)} WHERE id = ANY(%s)", [ids])
                if model is LambingRecord:
                    # By the rollups' key (a record's rows are its herder's in its
                    # season): the table has no index of the record (migration
                    # 0022), and searching its 10 million rows at 1,000,000
                    # households for thousands of records took minutes.
                    cursor.execute(
                        f"DELETE FROM {DailyRollup._meta.db_table} "
                        f"WHERE (season_id, level, place_id) IN (SELECT season_id, "
                        f"{rollups.HERDER_LEVEL}, herder_id FROM {LambingRecord._meta.db_table} "
                        "WHERE id = ANY(%s))",
                        [ids],
                    )
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = ANY(%s)", [ids])
