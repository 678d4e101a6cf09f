"""Sending summary reads to PostgreSQL read replicas.

With ``DATABASE_REPLICA_URLS`` set, the daily rollups that the summaries read
(``livestock.models.DailyRollup``) are read from one of the replicas, picked
at random per query. Everything else, and any read made inside a transaction
on the primary (a write checking what it writes), goes to the primary: a
replica may be a moment behind, which a summary can bear and a write cannot.
"""

import random

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_READ_MODELS = {("livestock", "dailyrollup")}


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
        return random.choice(replicas)  # noqa: S311 (spreading load, not a secret)

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: an object read from either may
        # point at one read from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas copy the primary's schema by replication.
        return db == DEFAULT_DB_ALIAS
