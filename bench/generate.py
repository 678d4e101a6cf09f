"""Make a synthetic region for benchmarks: ``python bench/generate.py --herders 100000``.

Prefectures of up to 10 counties (Xinjiang's hundred pastoral counties lie in
about fourteen prefectures), counties of 8 townships of 8 villages (one county
per 10,000 households, so a hundred for a million, in ten prefectures),
herders spread over them, one winter season, and for
each household a record with the shape of a season: a flock of breeding ewes
(log-normal, median about a hundred), births over several visits along a curve
that peaks in late January, losses with causes (cold most often), survival
checks at day 7, often day 30, for half at weaning. About ten entries a
household. Repeatable from ``--seed``.

Loaded fast: COPY on PostgreSQL (psycopg's ``cursor.copy``), bulk inserts on
SQLite, with the daily rollups made from the same rows as they are written
(``rollups.herder_rows``, then ``rollups.sum_place_rows``) — the same
functions ``manage.py rebuild_rollups`` uses. No history rows are written.
On PostgreSQL the tables are vacuumed and analyzed at the end, as
autovacuum keeps a database whose season is under way.
Refuses a database that has other places, so it never mixes with real data.
"""

import argparse
import datetime
import math
import random
import time
import uuid

from _django import setup

setup()

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from livestock.counting import rollups  # noqa: E402
from livestock.models import (  # noqa: E402
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Season,
    Township,
    Village,
    copying,
)

BATCH = 20_000  # households per batch
COUNTIES_PER_PREFECTURE = 10
START = datetime.date(2024, 12, 1)
END = datetime.date(2025, 2, 28)
CAUSES = ["cold"] * 4 + ["starvation"] * 2 + ["disease"] * 2 + ["mismothering", "predator"]
CAUSES += ["accident", "unknown"]
HERDER_COLUMNS = ("id", "name", "name_latin", "name_kazakh", "village_id", "version")
RECORD_COLUMNS = ("id", "herder_id", "season_id", "ewes_at_start", "created_at", "updated_at")
RECORD_COLUMNS += ("version",)
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
    "version",
)


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=min(max(offset, 0), (END - START).days))


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` in ``parts`` whole shares, at random, that add up."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def season_of(ewes: int, rng: random.Random) -> list[tuple]:
    """One household's entries, as (date, ewes_lambed, lambs_born, lambs_lost,
    loss_cause, lambs_alive, check_stage), sound under every counting rule."""
    lambed = int(ewes * rng.uniform(0.8, 0.97))
    born = int(lambed * rng.uniform(1.05, 1.4))
    peak = int(rng.gauss(55, 14))  # late January
    visits = max(1, min(rng.randint(3, 9), lambed))
    dates = sorted(day(peak + rng.randint(-12, 12)) for _ in range(visits))
    entries = []
    born_so_far = 0
    lost_total = 0
    for date, ewes_part, born_part in zip(
        dates, split(lambed, visits, rng), split(born, visits, rng), strict=True
    ):
        entries.append((date, ewes_part, born_part, 0, "", None, ""))
        born_so_far += born_part
        if rng.random() < 0.3 and born_so_far - lost_total > 1:
            lost = rng.randint(1, max(1, (born_so_far - lost_total) // 15))
            lost_total += lost
            entries.append((date, 0, 0, lost, rng.choice(CAUSES), None, ""))
    alive = born - lost_total
    last = dates[-1]
    entries.append((min(last + datetime.timedelta(days=7), END), 0, 0, 0, "", alive, "day7"))
    if rng.random() < 0.7 and last + datetime.timedelta(days=30) <= END:
        late_loss = rng.randint(0, max(0, alive // 40))
        if late_loss:
            entries.append(
                (last + datetime.timedelta(days=20), 0, 0, late_loss, rng.choice(CAUSES), None, "")
            )
            alive -= late_loss
        entries.append((last + datetime.timedelta(days=30), 0, 0, 0, "", alive, "day30"))
    if rng.random() < 0.5:
        weaned = max(alive - rng.randint(0, 2), 0)
        # One survival check per household a day (rules.TWO_CHECKS_ONE_DAY): a
        # household whose day-7 or day-30 check falls on the season's last day
        # already has that day's check, and no weaning check besides.
        if all(entry[0] != END or entry[5] is None for entry in entries):
            entries.append((END, 0, 0, 0, "", weaned, "weaning"))
    return entries


def copy_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Store rows as they are (``created_at`` included): COPY on PostgreSQL, one
    ``executemany`` INSERT on SQLite, with each value as its field stores it."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copying.copy_rows(cursor, table, columns, rows)
        return
    database = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(column) for column in columns]
    plain = (models.IntegerField, models.CharField, models.TextField, models.ForeignKey)
    prepared = [
        [
            value if isinstance(field, plain) else field.get_db_prep_value(value, database)
            for field, value in zip(fields, row, strict=True)
        ]
        for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(columns))
    with database.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            prepared,
        )


def reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Herder, LambingRecord, LambingEntry):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def generate(herders: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (repeatable data, not secrets)
    if Prefecture.objects.exclude(name__startswith="合成地区").exists() or Herder.objects.exists():
        raise SystemExit("This database holds places or herders; use an empty one for benchmarks.")
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        season = Season.objects.create(kind="winter", start_date=START, end_date=END)
        county_count = max(7, herders // 10_000)
        prefectures = Prefecture.objects.bulk_create(
            Prefecture(name=f"合成地区{p}", name_latin=f"Synthetic Prefecture {p}")
            for p in range(math.ceil(county_count / COUNTIES_PER_PREFECTURE))
        )
        counties = County.objects.bulk_create(
            County(
                prefecture=prefectures[c // COUNTIES_PER_PREFECTURE],
                name=f"合成县{c}",
                name_latin=f"County {c}",
            )
            for c in range(county_count)
        )
        prefecture_of = {county.pk: county.prefecture_id for county in counties}
        townships = Township.objects.bulk_create(
            Township(
                county=county, name=f"{county.name}乡{t}", name_latin=f"{county.name_latin} T{t}"
            )
            for county in counties
            for t in range(8)
        )
        villages = Village.objects.bulk_create(
            Village(
                township=township,
                name=f"{township.name}村{v}",
                name_latin=f"{township.name_latin} V{v}",
            )
            for township in townships
            for v in range(8)
        )
        made = entries_made = rollup_rows = 0
        entry_id = 0
        while made < herders:
            size = min(BATCH, herders - made)
            herder_rows, record_rows, entry_rows, ledger = [], [], [], []
            for number in range(made + 1, made + size + 1):
                village = villages[rng.randrange(len(villages))]
                herder_rows.append((number, f"牧户{number}", f"Herder {number}", "", village.pk, 1))
                ewes = min(max(5, int(rng.lognormvariate(4.6, 0.5))), 5000)
                created = timezone.make_aware(
                    datetime.datetime.combine(day(rng.randint(-10, 3)), datetime.time(10))
                )
                record_rows.append((number, number, season.pk, ewes, created, created, 1))
                facts = rollups.RecordFacts(
                    record_id=number,
                    season_id=season.pk,
                    herder_id=number,
                    village_id=village.pk,
                    township_id=village.township_id,
                    county_id=village.township.county_id,
                    prefecture_id=prefecture_of[village.township.county_id],
                    ewes_at_start=ewes,
                    recorded_on=timezone.localtime(created).date(),
                    season_start=START,
                    season_end=END,
                )
                household = season_of(ewes, rng)
                household.sort(key=lambda entry: entry[0])  # (date, id) order, as stored
                for date, lambed, born, lost, cause, alive, stage in household:
                    entry_id += 1
                    entry_rows.append(
                        (
                            entry_id,
                            uuid.UUID(int=rng.getrandbits(128), version=4),
                            number,
                            date,
                            lambed,
                            born,
                            lost,
                            cause,
                            alive,
                            stage,
                            "",
                            now,
                            1,
                        )
                    )
                ledger.extend(
                    rollups.herder_rows(
                        facts,
                        [
                            rollups.EntryFacts(date, lambed, born, lost, alive, stage, cause)
                            for date, lambed, born, lost, cause, alive, stage in household
                        ],
                    )
                )
            copy_rows(Herder, HERDER_COLUMNS, herder_rows)
            copy_rows(LambingRecord, RECORD_COLUMNS, record_rows)
            copy_rows(LambingEntry, ENTRY_COLUMNS, entry_rows)
            rollups.write_herder_rows(ledger)
            made += size
            entries_made += len(entry_rows)
            rollup_rows += len(ledger)
            rate = made / (time.perf_counter() - started)
            print(f"\r{made:,} herders, {entries_made:,} entries ({rate:,.0f}/s)", end="")
        rollups.sum_place_rows()
        reset_sequences()
    if connection.vendor == "postgresql":
        # VACUUM, as autovacuum would have done to a season's settled rows: a
        # region written by COPY and never vacuumed (CI's PostgreSQL runs
        # without autovacuum) has no hint bits, free space map or visibility
        # map, so the writes timed on it first dirtied the pages they only read
        # and searched for room to write in (bench/README.md). Inside a
        # transaction (a test's), where VACUUM cannot run, the statistics only.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    elapsed = time.perf_counter() - started
    print(
        f"\n{county_count} counties, {len(villages):,} villages, {herders:,} herders, "
        f"{entries_made:,} entries, {rollup_rows:,} household rollup rows in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--herders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    arguments = parser.parse_args()
    generate(arguments.herders, arguments.seed)
