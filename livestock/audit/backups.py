"""Back up the database to one file and restore it from one.

PostgreSQL is dumped with ``pg_dump -Fc`` (its custom format: compressed, and
read back by ``pg_restore``); SQLite is copied with SQLite's online backup
API, a consistent copy even while the service writes, unlike a copy of the
file. A backup restores into the same kind of database it came from.

A restore checks the file before it touches the database, refuses to replace
a database that has tables unless it is forced, and is all or nothing: on
PostgreSQL the old tables are dropped and the backup's created in one
transaction (committed only once the whole script has run), on SQLite the backup API replaces
the database's pages at once.
"""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
# The first bytes of each kind of file.
MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
# Every database of this service has it; a file without it is not our backup.
MIGRATIONS_TABLE = "django_migrations"
TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA \S+ (\S+) ", re.MULTILINE)
POSTGRESQL_CLIENT = "Debian: apt-get install postgresql-client"


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why.
    The database was left as it was."""


@dataclass(frozen=True)
class Restored:
    kind: str
    tables: int


def database_kind(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in MAGIC:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def backup(*, connection: BaseDatabaseWrapper, path: Path) -> str:
    """Write a backup of ``connection``'s database to ``path``; returns its kind.
    The file appears only once complete (written beside it, then renamed)."""
    kind = database_kind(connection)
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory.")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if kind == POSTGRESQL:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", partial],
                connection,
            )
        else:
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return kind


def check_file(*, path: Path, kind: str) -> int:
    """That ``path`` is a whole backup of this service for a ``kind`` database;
    returns how many tables it holds. Nothing is written."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    with open(path, "rb") as file:
        start = file.read(16)
    found = next((name for name, magic in MAGIC.items() if start.startswith(magic)), None)
    if found is None:
        raise BackupError(
            f"{path} is not a backup: it is neither a pg_dump custom-format archive nor a "
            f"SQLite database."
        )
    if found != kind:
        raise BackupError(
            f"{path} is a {found} backup and this database is {kind}: a backup restores "
            f"into the same kind of database it came from."
        )
    tables = _pg_tables(path) if kind == POSTGRESQL else _sqlite_tables(path)
    if MIGRATIONS_TABLE not in tables:
        raise BackupError(f"{path} has no {MIGRATIONS_TABLE} table: not a backup of this service.")
    return len(tables)


def restore(*, connection: BaseDatabaseWrapper, path: Path, force: bool = False) -> Restored:
    """Replace ``connection``'s database with the backup at ``path``. A database
    that has tables is replaced only with ``force``."""
    kind = database_kind(connection)
    tables = check_file(path=path, kind=kind)
    existing = connection.introspection.table_names()
    if existing and not force:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty (it has "
            f"{len(existing)} tables); a restore would replace everything in it. "
            f"Restore into an empty database, or add --force to replace this one."
        )
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    if kind == POSTGRESQL:
        _pg_restore(connection, Path(path), drop=existing)
    else:
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()
    return Restored(kind=kind, tables=tables)


def _pg_environment(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's variables for the connection's database: the password never
    appears on a command line."""
    settings = connection.settings_dict
    options = settings.get("OPTIONS", {})
    variables = {
        "PGDATABASE": settings.get("NAME"),
        "PGHOST": settings.get("HOST"),
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
    }
    return {**os.environ, **{name: value for name, value in variables.items() if value}}


def _program(name: str) -> str:
    """The full path of a PostgreSQL client program."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed ({POSTGRESQL_CLIENT}).")
    return found


# The programs run below get a list of arguments (no shell); the only one from
# outside is the backup file's path, passed as one argument.
def _run(arguments: list, connection: BaseDatabaseWrapper | None = None) -> str:
    program = arguments[0]
    environment = _pg_environment(connection) if connection is not None else None
    result = subprocess.run(  # noqa: S603
        [_program(program), *(str(argument) for argument in arguments[1:])],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
    return result.stdout


def _pg_tables(path: Path) -> set[str]:
    """The tables whose data the archive holds, from its table of contents
    (lines such as ``215; 0 16385 TABLE DATA public django_migrations postgres``)."""
    listing = _run(["pg_restore", "--list", path])
    return set(TABLE_DATA.findall(listing))


def _sqlite_tables(path: Path) -> set[str]:
    try:
        database = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            (verdict,) = database.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            rows = database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {name for (name,) in rows}
        finally:
            database.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged: {error}") from error


def _pg_restore(connection: BaseDatabaseWrapper, path: Path, *, drop: list[str]) -> None:
    """``pg_restore``'s script run by ``psql`` in one transaction, after dropping
    the tables there are. It commits only once pg_restore has written the whole
    script and psql has run every statement; anything else rolls it all back."""
    quote = connection.ops.quote_name
    drops = "".join(f"DROP TABLE IF EXISTS {quote(table)} CASCADE;\n" for table in drop)
    with tempfile.TemporaryFile() as errors:
        script = subprocess.Popen(  # noqa: S603
            [_program("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(path)],
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        psql = subprocess.Popen(  # noqa: S603
            [_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_pg_environment(connection),
        )
        try:
            psql.stdin.write(f"BEGIN;\n{drops}".encode())
            shutil.copyfileobj(script.stdout, psql.stdin)
            if script.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its message is in `errors`
        finally:
            script.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
        # Without the COMMIT, psql's session ends inside the transaction: rolled back.
        if script.wait() != 0 or psql.wait() != 0:
            errors.seek(0)
            raise BackupError(
                "The restore failed and was rolled back: "
                + errors.read().decode(errors="replace").strip()
            )
