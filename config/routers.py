"""Sending summary reads to PostgreSQL read replicas.

With ``DATABASE_REPLICA_URLS`` set, the daily rollups that the summaries read
(``livestock.models.DailyRollup``) are read from one of the replicas, picked
at random per query. Everything else, and any read made inside a transaction
on the primary (a write checking what it writes), goes to the primary: a
replica may be a moment behind, which a summary can bear and a write cannot.

**Read your writes.** A user who has just saved a count reads it on their
next page, whatever the replica's lag: after a write (a request other than
GET/HEAD/OPTIONS answered without an error) ``ReadYourWritesMiddleware``
gives the client a signed cookie holding the primary's WAL position then
(``pg_current_wal_insert_lsn()``: where the next record goes, so past the
write's commit record even before an asynchronous commit
(``synchronous_commit = off``) has written it out, which
``pg_current_wal_lsn()`` may not be); while a request carries it, a replica is read
only once it has replayed that far (``pg_last_wal_replay_lsn()``, asked once
per replica and request), else the primary answers. Other users read the
replica as before. The cookie lasts ``READ_YOUR_WRITES_SECONDS``; a replica
further behind than that serves even the writer its older rows.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_READ_MODELS = {("livestock", "dailyrollup")}
READ_YOUR_WRITES_COOKIE = "primary_lsn"
READ_YOUR_WRITES_SECONDS = 300
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The WAL position the request's client last wrote at, and which replicas
# have replayed it, for the request being answered.
_written_at: ContextVar[tuple[str, dict[str, bool]] | None] = ContextVar("written_at", default=None)


def replica_has_replayed(alias: str, lsn: str) -> bool:
    """Whether the replica ``alias`` has replayed the primary's WAL up to ``lsn``.
    A database that is not replaying (a primary, or a test's mirror) has not."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [lsn])
        return cursor.fetchone()[0]


class ReplicaRouter:
    """Summary reads to a replica; the rest to the primary (``default``)."""

    def db_for_read(self, model, **hints):
        replicas = settings.DATABASE_REPLICAS
        if not replicas or (model._meta.app_label, model._meta.model_name) not in (
            REPLICA_READ_MODELS
        ):
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        alias = random.choice(replicas)  # noqa: S311 (spreading load, not a secret)
        written_at = _written_at.get()
        if written_at is not None:
            lsn, replayed = written_at
            if alias not in replayed:
                replayed[alias] = replica_has_replayed(alias, lsn)
            if not replayed[alias]:
                return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: an object read from either may
        # point at one read from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary's schema by replication.
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """Hands a writer the primary's WAL position after each write, and routes
    their requests' summary reads by it (see the module's docstring). Does
    nothing without replicas."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        lsn = request.get_signed_cookie(
            READ_YOUR_WRITES_COOKIE, default=None, salt=READ_YOUR_WRITES_COOKIE
        )
        token = _written_at.set((lsn, {}) if lsn else None)
        try:
            response = self.get_response(request)
        finally:
            _written_at.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                (lsn,) = cursor.fetchone()
            response.set_signed_cookie(
                READ_YOUR_WRITES_COOKIE,
                lsn,
                salt=READ_YOUR_WRITES_COOKIE,
                max_age=READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
