"""Time what officials and integrations ask for: ``python bench/run.py``.

On the database DATABASE_URL names (filled by bench/generate.py):

1. Reads, in-process through Django's test client as a superuser, ``--repeat``
   times each: a prefecture's page, the overview of every county and a
   county's drill-down (page and API), a
   township's page, a filtered herder list, a lambing record with its totals
   as of a date. p50 and p95 in milliseconds and the SQL queries each takes;
   beside each summary, the p50 of the bare SQL that computes the same
   numbers (the sums over the daily rollups, run on a cursor) and the ratio
   app ÷ SQL.
2. Writes through gunicorn (started here on ``--port``, stopped at the end),
   over HTTP with an integration's token: single entries (``POST
   /api/v1/entries/``) from ``--clients`` concurrent clients for
   ``--seconds``, and bulks of 1,000 (``POST /api/v1/entries/bulk/``); with
   each, the CPU time one costs in gunicorn's processes and in the
   PostgreSQL backends (from /proc: Linux only), which the load of a shared
   machine inflates far less than the rates.
3. An import (``--import-rows`` rows of new households in the region's
   villages, five rows each as ``import_bench.py`` writes them), in-process
   through ``import_counts`` as a technician of every place.
4. Beside each write, in the same run, its **bare SQL** (``bare_sql.py``: the
   same rows written through psycopg with no Django: a create from as many
   connections as clients, a bulk of 1,000, an import batch of 1,000 rows),
   with app ÷ SQL for the rate and the CPU the database spent on each.

Writes add entries (one lamb born on the as-of date, to records at random):
run it on a benchmark database only.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from _django import ROOT, setup

# The integration's requests per minute under the bench: enough for the writes'
# target (300/s), so that the throttle is counted as it is in production but
# refuses none of them. Set API_RATE_PER_TOKEN to measure with another limit.
BENCH_RATE_PER_TOKEN = "100000/minute"  # noqa: S105 (a rate, not a secret)
# The reads' API requests, in-process, count against the bench user's rate too: at
# the default rate a second run within a minute of the first was refused (429).
os.environ.setdefault("API_RATE_PER_TOKEN", BENCH_RATE_PER_TOKEN)
setup()

import bare_sql  # noqa: E402
import import_bench  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from livestock.models import (  # noqa: E402
    County,
    DailyRollup,
    LambingEntry,
    LambingRecord,
    Prefecture,
    Season,
    Township,
    Village,
)
from livestock.selectors.summaries import overview_level  # noqa: E402
from livestock.services.users import user_create  # noqa: E402
from livestock.spreadsheets.columns import COLUMNS  # noqa: E402
from livestock.spreadsheets.exporting import write_csv  # noqa: E402
from livestock.spreadsheets.importing import import_counts  # noqa: E402
from livestock.spreadsheets.reading import ReadLimits  # noqa: E402

AS_OF = "2025-02-11"
PARTS = ["reads", "creates", "bulks", "imports"]
# A request slower than this many seconds, over its repeats, is timed 3 times.
BUDGET_SECONDS = 60


def percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]


def time_request(client: Client, url: str, repeat: int) -> tuple[float, float, float, int, int]:
    """p50 and p95 of the wall time, p50 of this process's CPU time (what the
    app itself spends, which a shared machine's load inflates far less than the
    wall time), the queries and the requests timed."""
    reset_queries()  # as each request does, so that the count starts at 0
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # warm up, and count its queries
    assert response.status_code == 200, (url, response.status_code)
    timings, cpu = [], []
    budget_ends = time.perf_counter() + BUDGET_SECONDS
    while len(timings) < repeat and (len(timings) < 3 or time.perf_counter() < budget_ends):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return (*percentiles(timings), statistics.median(cpu), len(queries), len(timings))


def time_sql(sql: str, params: list, repeat: int) -> float:
    """p50 of a bare SQL query on a cursor, rows fetched, in milliseconds."""
    timings = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings[1:])[0]


def summary_sql(level: int, group: str, where: str = "") -> str:
    """The bare SQL of a summary's numbers: its rows' sums over the daily
    rollups up to the date (the same sums the app reads, without the app)."""
    sums = ", ".join(f"SUM({name})" for name in DailyRollup.COUNT_FIELDS)
    return (
        f"SELECT {group}, {sums} FROM {DailyRollup._meta.db_table} "  # noqa: S608
        f"WHERE season_id = %s AND level = {level} AND date <= %s {where} "
        f"GROUP BY {group} HAVING SUM(households) > 0"
    )


def reads(repeat: int) -> list[tuple]:
    users = get_user_model()
    bench_user = users.objects.filter(username="bench").first() or users.objects.create_superuser(
        "bench", password=None
    )
    client = Client()
    client.force_login(bench_user)
    season = Season.objects.order_by("-start_date").first()
    county = County.objects.order_by("pk").first()
    prefecture = county.prefecture
    township = Township.objects.filter(county=county).order_by("pk").first()
    record = LambingRecord.objects.filter(season=season).order_by("pk").first()
    base = f"season={season.pk}&as_of={AS_OF}"
    # The overview's rows: the prefectures when there are several, else the counties.
    if overview_level(bench_user) is Prefecture:
        overview_sql = (summary_sql(0, "prefecture_id"), [season.pk, AS_OF])
        overview_rows = f"{Prefecture.objects.count()} prefectures"
    else:
        overview_sql = (summary_sql(1, "county_id"), [season.pk, AS_OF])
        overview_rows = f"{County.objects.count()} counties"
    prefecture_sql = (
        summary_sql(1, "county_id", "AND prefecture_id = %s"),
        [season.pk, AS_OF, prefecture.pk],
    )
    county_sql = (
        summary_sql(2, "township_id", "AND county_id = %s"),
        [season.pk, AS_OF, county.pk],
    )
    township_sql = (
        summary_sql(3, "village_id", "AND township_id = %s"),
        [season.pk, AS_OF, township.pk],
    )
    targets = [
        # What any request costs before it reads anything: the session, the user,
        # the middleware and DRF, answering the API's index. The summaries' app ÷ SQL
        # cannot fall below (this + their SQL) ÷ their SQL.
        ("any API request (the API's index)", "/api/v1/", None),
        # A prefecture's page: its counties (generate.py makes prefectures of up to 10).
        ("prefecture page", f"/?{base}&place=prefecture:{prefecture.pk}", prefecture_sql),
        (
            "summary API, a prefecture",
            f"/api/v1/summaries/?{base}&place=prefecture:{prefecture.pk}",
            prefecture_sql,
        ),
        # The home page: every prefecture (or county) the user may see, here all.
        (f"overview page ({overview_rows})", f"/?{base}", overview_sql),
        (f"summary API, overview ({overview_rows})", f"/api/v1/summaries/?{base}", overview_sql),
        ("county page", f"/?{base}&place=county:{county.pk}", county_sql),
        ("summary API, county", f"/api/v1/summaries/?{base}&place=county:{county.pk}", county_sql),
        ("township page", f"/?{base}&place=township:{township.pk}", township_sql),
        # The bureau's bulletin (HTML): the county's and the prefecture's, written from
        # the same rollup sums as the pages (its townships' or counties'), this week's and
        # the previous season's, and the reported figures.
        ("bulletin, a county", f"/bulletin/?{base}&place=county:{county.pk}", county_sql),
        (
            "bulletin, a prefecture",
            f"/bulletin/?{base}&place=prefecture:{prefecture.pk}",
            prefecture_sql,
        ),
        ("herders API, a county (page of 50)", f"/api/v1/herders/?county={county.pk}", None),
        ("record API with totals", f"/api/v1/lambing-records/{record.pk}/?as_of={AS_OF}", None),
    ]
    rows = []
    for name, url, sql in targets:
        p50, p95, cpu, queries, times = time_request(client, url, repeat)
        sql_p50 = time_sql(*sql, repeat) if sql else None
        rows.append((name, p50, p95, cpu, queries, sql_p50, times))
    return rows


# Writes through gunicorn


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "API_RATE_PER_TOKEN": os.environ.get("API_RATE_PER_TOKEN", BENCH_RATE_PER_TOKEN),
    }
    # The throttles' cache is a table under DEBUG=false, as `make serve` makes it.
    subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("HEAD", "/")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def integration_token() -> str:
    from rest_framework.authtoken.models import Token

    users = get_user_model()
    user = users.objects.filter(username="bench-integration").first()
    if user is None:
        user_create(
            username="bench-integration",
            role="integration",
            places=list(Prefecture.objects.all()),
            password=uuid.uuid4().hex,
            write=True,
        )
        user = users.objects.get(username="bench-integration")
    return Token.objects.get(user=user).key


def post(conn: http.client.HTTPConnection, path: str, token: str, body) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


# What each entry of the writes counts (and the bare SQL's bulks' rollup rows
# are planned for).
ENTRY_COUNTS = {"lambs_born": 1}


def entry(record_ids: list[int], rng: random.Random) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "record": rng.choice(record_ids),
        "date": AS_OF,
        **ENTRY_COUNTS,
    }


def single_creates(port: int, token: str, record_ids: list[int], clients: int, seconds: float):
    timings: list[float] = []
    failures: list[int] = []
    stop = time.perf_counter() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)  # noqa: S311
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.perf_counter() < stop:
            status, elapsed = post(conn, "/api/v1/entries/", token, entry(record_ids, rng))
            (timings if status == 201 else failures).append(elapsed if status == 201 else status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(timings) / elapsed, *percentiles(timings or [0]), failures, len(timings)


def warm_up(port: int, token: str, record_ids: list[int], workers: int) -> None:
    """Each gunicorn worker loads the app on its first requests: send those
    first, untimed, from as many clients as there are workers."""

    def client(number: int) -> None:
        rng = random.Random(-number)  # noqa: S311
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for _ in range(3):
            post(conn, "/api/v1/entries/", token, entry(record_ids, rng))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def bulk_creates(port: int, token: str, record_ids: list[int], bulks: int):
    rng = random.Random(1000)  # noqa: S311
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    timings, failures = [], []
    for _ in range(bulks):
        status, elapsed = post(
            conn, "/api/v1/entries/bulk/", token, [entry(record_ids, rng) for _ in range(1000)]
        )
        (timings if status == 201 else failures).append(elapsed if status == 201 else status)
    rate = 1000 * len(timings) / (sum(timings) / 1000) if timings else 0
    return rate, *percentiles(timings or [0]), failures


# CPU time of the server's processes: what a write costs, which a shared
# machine's load inflates far less than it inflates the rates.


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (Linux's /proc); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server: subprocess.Popen) -> tuple[float, float]:
    """CPU seconds so far of gunicorn (its master and workers) and of the
    PostgreSQL backends connected to this database (0 on SQLite)."""
    try:
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        workers = []
    app = sum(process_cpu_seconds(int(pid)) for pid in [server.pid, *workers])
    if connection.vendor != "postgresql":
        return app, 0.0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        database = sum(process_cpu_seconds(pid) for (pid,) in cursor.fetchall())
    return app, database


def cpu_per(server: subprocess.Popen, before: tuple[float, float], count: int, unit: str) -> str:
    app, database = (
        (after - earlier) / max(count, 1)
        for after, earlier in zip(server_cpu_seconds(server), before, strict=True)
    )
    scale, name, digits = (1000, "ms", 1) if unit == "create" else (1, "s", 2)
    return (
        f"  CPU per {unit}: gunicorn {app * scale:.{digits}f} {name}, "
        f"PostgreSQL {database * scale:.{digits}f} {name}"
    )


def imports(rows: int, villages_in_file: int = 0) -> None:
    """Import ``rows`` rows of new households (five rows each) into the region's
    villages, named by county, township and village, in-process as a
    technician of every place; then the bare SQL of the same rows, 1,000 a
    batch. The imported households stay (like the other writes' entries).
    ``villages_in_file``: the households go to the region's first that many
    villages (by id) only, so that the same file can be imported into regions
    of any size; 0: to all of them, at random (the file's places then grow
    with the region)."""
    users = get_user_model()
    if not users.objects.filter(username="bench-importer").exists():
        user_create(
            username="bench-importer",
            role="technician",
            places=list(Prefecture.objects.all()),
            password=uuid.uuid4().hex,
        )
    user = users.objects.get(username="bench-importer")
    rng = random.Random(rows)  # noqa: S311
    villages = list(Village.objects.select_related("township__county").order_by("pk"))
    if villages_in_file:
        villages = villages[:villages_in_file]
    first = LambingRecord.objects.count()
    lines, households = [], []
    for number in range(first, first + -(-rows // import_bench.ROWS_PER_HERDER)):
        village = villages[rng.randrange(len(villages))]
        season_rows = import_bench.season_rows(rng)[: rows - len(lines)]
        households.append((village.pk, season_rows[0]["ewes_at_start"], []))
        for values in season_rows:
            households[-1][2].append(import_bench.entry_fields(values))
            values = {
                "county": village.township.county.name,
                "township": village.township.name,
                "village": village.name,
                "herder": f"导入牧户{number}",
                "herder_latin": f"Imported {number}",
                "season": "2024–2025 冬羔",
                **values,
            }
            lines.append([values.get(column.key, "") for column in COLUMNS])
    content = write_csv(lines[:rows])
    print(f"load average before the import: {os.getloadavg()}", flush=True)
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    database_cpu = bare_sql.backend_cpu_seconds([backend])
    cpu = time.process_time()
    started = time.perf_counter()
    result = import_counts(
        content=content,
        user=user,
        source="bench/run.py",
        limits=ReadLimits.from_settings(rows=False),  # as manage.py import_counts
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    database_cpu = bare_sql.backend_cpu_seconds([backend]) - database_cpu
    assert not result.errors, result.errors[:5]
    app_rate = rows / elapsed
    print(f"| import of {rows:,} rows, in-process | | | | **{app_rate:,.0f} rows/s** | |")
    print(
        f"  CPU per 1,000 rows: app {cpu / rows * 1000:.3f} s, "
        f"PostgreSQL {database_cpu / rows * 1000:.3f} s"
    )
    floor = bare_sql.Floor(user_id=user.pk, date=None)
    season = Season.objects.get(start_date=import_bench.START)
    try:
        sql = floor.imports(households, season)
        batched = floor.imports_batched(max(1, rows // 1000))
    finally:
        floor.clean_up()
    print(
        f"| bare SQL of the same rows, one transaction | {sql['seconds'] * 1000:.1f} | | | "
        f"{sql['rate']:,.0f} rows/s | {app_rate / sql['rate']:.2f}× |"
    )
    print(
        f"  PostgreSQL CPU per 1,000 rows {sql['db_cpu_s']:.3f} s; rollup rows: "
        f"{sql['herder_rows']:,} of households, {sql['place_rows']:,} of places"
    )
    print(
        f"| the floor until 2026-12-06: batches of 1,000 rows | {batched['p50']:.1f} | | | "
        f"{batched['rate']:,.0f} rows/s | {app_rate / batched['rate']:.2f}× |"
    )
    print(f"  CPU per batch: PostgreSQL {batched['db_cpu_s']:.2f} s", flush=True)


def main(arguments) -> None:
    herders = LambingRecord.objects.count()
    entries = LambingEntry.objects.count()
    print(f"{connection.vendor}, {herders:,} records, {entries:,} entries, as of {AS_OF}")
    print(f"load average before: {os.getloadavg()}\n")
    parts = set(arguments.parts)
    if "reads" in parts:
        print("| what | p50 ms | p95 ms | app CPU p50 ms | queries | bare SQL p50 ms | app ÷ SQL |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, p50, p95, cpu, queries, sql_p50, times in reads(arguments.repeat):
            sql = f"{sql_p50:.1f} | {p50 / sql_p50:.1f}×" if sql_p50 else "| "
            timed = f" ({times} requests)" if times < arguments.repeat else ""
            print(
                f"| {name}{timed} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {queries} | {sql} |",
                flush=True,
            )
        print(flush=True)
    if parts - {"reads"}:
        print("| what | p50 ms | p95 ms | queries | bare SQL p50 ms | app ÷ SQL |")
        print("|---|---:|---:|---:|---:|---:|")
    if "imports" in parts:
        imports(arguments.import_rows, arguments.import_villages)
    if not parts & {"creates", "bulks"}:
        print(f"\nload average after: {os.getloadavg()}")
        return
    record_ids = list(LambingRecord.objects.values_list("pk", flat=True))
    token = integration_token()
    floor = bare_sql.Floor(
        user_id=get_user_model().objects.get(username="bench-integration").pk,
        date=datetime.date.fromisoformat(AS_OF),
    )
    server = start_gunicorn(arguments.port, arguments.workers)
    try:
        warm_up(arguments.port, token, record_ids, arguments.workers)
        if "creates" in parts:
            print(f"load average before the creates: {os.getloadavg()}", flush=True)
            cpu_before = server_cpu_seconds(server)
            rate, p50, p95, failures, created = single_creates(
                arguments.port, token, record_ids, arguments.clients, arguments.seconds
            )
            print(
                f"| single entry creates, {arguments.clients} clients, gunicorn "
                f"{arguments.workers} workers | {p50:.1f} | {p95:.1f} | | **{rate:,.0f}/s** | |"
            )
            print(cpu_per(server, cpu_before, created, "create"))
            if failures:
                print(f"  {len(failures)} refused: {sorted(set(failures))}")
            sql = floor.creates(record_ids, arguments.clients, arguments.seconds)
            print(
                f"| bare SQL of a create, {arguments.clients} connections | {sql['p50']:.1f} | "
                f"| | {sql['rate']:,.0f}/s | {rate / sql['rate']:.2f}× |"
            )
            print(f"  CPU per create: PostgreSQL {sql['db_cpu_ms']:.1f} ms", flush=True)
        if "bulks" in parts:
            # The rollup rows the app's bulks will write, for the bare SQL: untimed.
            floor.plan_bulks(record_ids, arguments.bulks, ENTRY_COUNTS)
            print(f"load average before the bulks: {os.getloadavg()}", flush=True)
            cpu_before = server_cpu_seconds(server)
            rate, p50, p95, failures = bulk_creates(
                arguments.port, token, record_ids, arguments.bulks
            )
            print(
                f"| bulk of 1,000 entries, one client | {p50:.1f} | {p95:.1f} | | "
                f"**{rate:,.0f} entries/s** | |"
            )
            print(cpu_per(server, cpu_before, arguments.bulks - len(failures), "bulk"))
            if failures:
                print(f"  {len(failures)} refused: {sorted(set(failures))}")
            for same_rows, what in (
                (True, "the rollup rows the app writes"),
                (False, "one household row per entry (the floor before 2026-12-06)"),
            ):
                sql = floor.bulks(record_ids, arguments.bulks, same_rows=same_rows)
                print(
                    f"| bare SQL of a bulk of 1,000, {what}: {sql['rows']:,.0f} rows | "
                    f"{sql['p50']:.1f} | | | {sql['rate']:,.0f} entries/s | "
                    f"{rate / sql['rate']:.2f}× |"
                )
                print(f"  CPU per bulk: PostgreSQL {sql['db_cpu_s']:.2f} s", flush=True)
    finally:
        server.terminate()
        server.wait()
        floor.clean_up()
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bulks", type=int, default=5)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument(
        "--import-villages",
        type=int,
        default=0,
        help="the import's households in the region's first N villages only (default: all)",
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=PARTS,
        default=PARTS,
        help="what to time (default: all): the reads, the single creates, the bulks, an import",
    )
    parser.add_argument(
        "--no-writes", action="store_const", const=["reads"], dest="parts", help="--parts reads"
    )
    main(parser.parse_args())
