"""``DATABASE_REPLICA_URLS`` against a real PostgreSQL streaming replica, not a
mirror of the primary's connection: the test makes a small primary cluster
of its own (``initdb``) and a replica of it (``pg_basebackup -R``, streaming),
each on a free port of 127.0.0.1, migrates the primary, starts the app on them
(gunicorn) and reads and writes over HTTP as a technician and an official.

With the replica's replay paused, what the summaries answer tells where they
read: the official reads the replica's older totals while the primary holds
the new entry, and the technician who wrote it reads it on their next page
(read-your-writes, ``config/routers.py``). Once replay resumes, everyone
reads it.

Runs on PostgreSQL only (``.ci/run``'s second run), as root or the
``postgres`` user, with PostgreSQL's server binaries installed (Debian:
``/usr/lib/postgresql/<version>/bin``).
"""

import datetime
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
AS_OF = "2025-01-20"


def _why_skipped() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "a real replica needs PostgreSQL (DATABASE_URL)"
    if BIN is None or not (BIN / "initdb").exists():
        return "PostgreSQL's server binaries are not installed"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "the clusters run as the postgres user: run as root or postgres"
    return None


pytestmark = [
    pytest.mark.skipif(_why_skipped() is not None, reason=_why_skipped() or ""),
    # One worker of `make test` runs all of them: the clusters are made once.
    pytest.mark.xdist_group("replica"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=300)  # noqa: S603


def url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/lambing"


@pytest.fixture(scope="module")
def clusters():
    """A primary and its streaming replica, stopped and removed at the end."""
    base = Path(tempfile.mkdtemp(prefix="lambing-replica-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = base / "primary", base / "replica"
    ports = {"primary": free_port(), "replica": free_port()}
    started = []
    try:
        as_postgres(str(BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres")
        for name, directory in (("primary", primary), ("replica", replica)):
            if name == "replica":
                as_postgres(
                    str(BIN / "pg_basebackup"),
                    *("-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres"),
                    *("-D", str(replica), "-R", "-X", "stream", "-c", "fast"),
                )
            # Commits are asynchronous and the WAL writer wakes every 5 s, so
            # a commit's record is written out well after the commit returns:
            # a writer's position must be the insert position, not the write
            # position, or a replica "caught up" may not have the commit yet.
            options = (
                f"-p {ports[name]} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c wal_writer_delay=5s"
            )
            as_postgres(
                str(BIN / "pg_ctl"),
                *("-D", str(directory), "-o", options, "-l", str(base / f"{name}.log")),
                *("-w", "start"),
            )
            started.append(directory)
        with psycopg.connect(url(ports["primary"]).replace("/lambing", "/postgres")) as admin:
            admin.autocommit = True
            admin.execute("CREATE DATABASE lambing")
        yield {name: url(port) for name, port in ports.items()}
    finally:
        for directory in reversed(started):
            as_postgres(str(BIN / "pg_ctl"), "-D", str(directory), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def manage(env: dict, *arguments: str, stdin: str = "") -> str:
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


SETUP = """
import datetime, json
from livestock.services.entries import entry_create
from livestock.services.records import record_create
from livestock.services.users import user_create
from livestock.models import County, Herder, Prefecture, Season, Township, Village
altay = Prefecture.objects.create(name="阿勒泰地区", name_latin="Altay Prefecture")
burqin = County.objects.create(prefecture=altay, name="布尔津县", name_latin="Burqin County")
town = Township.objects.create(county=burqin, name="窝依莫克镇", name_latin="Woyimoke Town")
village = Village.objects.create(township=town, name="通克村", name_latin="Tongke Village")
herder = Herder.objects.create(village=village, name="别克·木合亚提", name_latin="Bieke")
season = Season.objects.create(
    kind="winter", start_date=datetime.date(2024, 12, 1), end_date=datetime.date(2025, 2, 28)
)
record = record_create(herder=herder, season=season, ewes_at_start=100)
entry_create(record=record, date=datetime.date(2025, 1, 10), lambs_born=5)
for name, role in (("tech", "technician"), ("bureau", "official")):
    user_create(username=name, role=role, places=[burqin], password="Pw-" + "x" * 12)
print(json.dumps({"season": season.pk, "record": record.pk}))
"""


@pytest.fixture(scope="module")
def app(clusters):
    """The app on the primary and its replica, through gunicorn (one worker)."""
    env = {
        **os.environ,
        "DATABASE_URL": clusters["primary"],
        "DATABASE_REPLICA_URLS": clusters["replica"],
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    manage(env, "migrate", "-v0")
    ids = json.loads(manage(env, "shell", stdin=SETUP).strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own command line)
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                requests.get(f"{base}/api/v1/", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield {"base": base, **ids, **clusters}
    finally:
        server.terminate()
        server.wait(timeout=30)


def logged_in(app, username: str):
    session = requests.Session()
    session.get(f"{app['base']}/admin/login/", timeout=30)
    answer = session.post(
        f"{app['base']}/admin/login/",
        data={
            "username": username,
            "password": "Pw-" + "x" * 12,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.headers["Referer"] = f"{app['base']}/"
    return session


def lambs_born(session, app) -> int:
    answer = session.get(
        f"{app['base']}/api/v1/summaries/",
        params={"season": app["season"], "as_of": AS_OF},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["totals"]["lambs_born"]


def on(database_url: str, sql: str, params=()) -> list:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def replayed_all(app) -> bool:
    (lsn,) = on(app["primary"], "SELECT pg_current_wal_insert_lsn()::text")[0]
    return on(app["replica"], "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0][0]


def wait_for(condition, seconds: float = 30) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < ends, "the replica did not catch up"
        time.sleep(0.1)


@pytest.mark.django_db
def test_summaries_read_the_replica_and_a_writer_reads_their_own_write(app):
    assert connection.vendor == "postgresql"
    technician, official = logged_in(app, "tech"), logged_in(app, "bureau")
    # The replica is a real standby of the primary, streaming.
    assert on(app["replica"], "SELECT pg_is_in_recovery()")[0][0] is True
    assert on(app["primary"], "SELECT count(*) FROM pg_stat_replication")[0][0] == 1
    wait_for(lambda: replayed_all(app))
    assert lambs_born(official, app) == lambs_born(technician, app) == 5

    on(app["replica"], "SELECT pg_wal_replay_pause()")
    try:
        answer = technician.post(
            f"{app['base']}/api/v1/entries/",
            json={"uuid": str(uuid.uuid4()), "record": app["record"], "date": "2025-01-15"}
            | {"lambs_born": 3},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text[:500]
        assert "primary_lsn" in answer.cookies

        # The write is on the primary; the paused replica has not got it.
        count = "SELECT count(*) FROM livestock_lambingentry WHERE date = %s"
        assert on(app["primary"], count, [datetime.date(2025, 1, 15)])[0][0] == 1
        assert on(app["replica"], count, [datetime.date(2025, 1, 15)])[0][0] == 0
        # The official's summary is the replica's: the totals before the write.
        assert lambs_born(official, app) == 5
        # The technician's next page reads what they wrote, from the primary.
        assert lambs_born(technician, app) == 8
    finally:
        on(app["replica"], "SELECT pg_wal_replay_resume()")

    wait_for(lambda: replayed_all(app))
    assert lambs_born(official, app) == lambs_born(technician, app) == 8
