"""Queries of a request's hot path made once: compiled by the ORM once per
process and, on PostgreSQL, planned by the server once per connection.

Building and compiling a select of a record with its season and places, the
user's scope and its township's approval took 1.2–1.6 ms of CPU on every
single entry's create, a quarter of the create's own work, for the same SQL
each time but for one id (a plain ``get`` by id is 0.2 ms). ``PreparedGet``
keeps the SQL and what Django needs to make the objects from a row (the
columns of each model, the related objects' populators, the annotations) and
runs it with the id as the only new parameter. The queryset stays the one
place the question is written: this keeps its compiled form, nothing else.

PostgreSQL then planned the same statement again on every run: 0.55 ms of the
server's CPU for that read (0.12 ms once prepared), 0.2 ms for a user's
permissions, about 1 ms of the 2.7 ms a create cost it. ``execute`` runs a
statement as a server-side prepared statement (``PREPARE`` once per
connection, then ``EXECUTE``), except behind a pooler in transaction mode
(``DATABASE_TRANSACTION_POOLING``), where the next transaction may be on
another server connection that never saw the ``PREPARE``.
"""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

# A value no row has, placed where the looked-up value goes when the SQL is
# made, so that its position among the parameters is known.
_PLACEHOLDER_ID = 2**62 + 7919
_PLACEHOLDER_TEXT = "prepared-placeholder-2f0d5c7e"

_PLACEHOLDERS = re.compile(r"%([%s])")


def execute(cursor, sql: str, params=(), *, label: str) -> None:
    """``cursor.execute(sql, params)`` (Django's cursor, SQL with ``%s``
    placeholders), on PostgreSQL as a prepared statement: ``PREPARE`` on the
    connection's first run of ``sql``, ``EXECUTE`` with the values on every
    run (the one query the request's log shows, as ``EXECUTE <label>_<hash>
    (values)``; the ``PREPARE``, like the settings Django sends on connecting,
    is the connection's setup). ``label`` says what the statement reads or
    writes, for whoever reads the log (letters, digits and ``_``).

    A prepared statement outlives transactions, rolled back or not; a new
    connection prepares again. The server replans it by itself when a table it
    reads changes (a migration)."""
    connection = cursor.db
    if connection.vendor != "postgresql" or settings.DATABASE_TRANSACTION_POOLING:
        cursor.execute(sql, params)
        return
    name = f"{label[:40]}_{hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()}"
    raw = connection.connection
    held = getattr(connection, "_prepared_statements", None)
    if held is None or held[0] is not raw:
        held = connection._prepared_statements = (raw, set())
    if name not in held[1]:
        numbers = iter(range(1, len(params) + 1))
        numbered = _PLACEHOLDERS.sub(
            lambda match: "%" if match[1] == "%" else f"${next(numbers)}", sql
        )
        with connection.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {name} AS {numbered}")
        held[1].add(name)
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")


class PreparedGet:
    """``queryset.get(pk=…)``, compiled once (``get``: the object, made as the
    ORM makes it, related objects and annotations included; ``execute``).
    With ``field``, the objects whose ``field`` is a value (``all``)."""

    def __init__(self, queryset: QuerySet, field: str = "pk"):
        self.model = queryset.model
        self.label = f"get_{self.model._meta.db_table}"
        self.db = queryset.db
        self.locks = bool(queryset.query.select_for_update)
        target = self.model._meta.pk if field == "pk" else self.model._meta.get_field(field)
        placeholder = (
            _PLACEHOLDER_TEXT if target.get_internal_type() == "CharField" else _PLACEHOLDER_ID
        )
        compiler = queryset.filter(**{field: placeholder}).query.get_compiler(using=self.db)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:  # nothing can match (a scope with no places)
            self.sql = None
            return
        self.params = list(params)
        (self.id_at,) = [at for at, value in enumerate(params) if value == placeholder]
        select = compiler.select
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = dict(compiler.annotation_col_map)
        self.compiler = compiler
        self.converters = compiler.get_converters([column[0] for column in select])

    def get(self, pk):
        rows = self._rows(pk, one=True)
        if not rows:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return self._object(rows[0])

    def all(self, value) -> list:
        return [self._object(row) for row in self._rows(value, one=False)]

    def _rows(self, value, *, one: bool) -> list:
        connection = connections[self.db]
        if self.locks and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        if self.sql is None:
            return []
        params = list(self.params)
        params[self.id_at] = value
        with connection.cursor() as cursor:
            execute(cursor, self.sql, params, label=self.label)
            rows = cursor.fetchmany(1) if one else cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows

    def object_from(self, row):
        """The object of a row of this query's columns read by another
        statement (one that holds this query as a subquery)."""
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        return self._object(row)

    def _object(self, row):
        obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, at in self.annotations.items():
            setattr(obj, name, row[at])
        return obj


class PreparedValues:
    """``queryset.filter(**{field: value})``'s rows as tuples (a
    ``values_list()`` queryset, its converters applied), compiled once."""

    def __init__(self, queryset: QuerySet, field: str):
        self.label = f"values_{queryset.model._meta.db_table}"
        self.db = queryset.db
        compiler = queryset.filter(**{field: _PLACEHOLDER_ID}).query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        (self.value_at,) = [at for at, value in enumerate(params) if value == _PLACEHOLDER_ID]
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [column[0] for column in compiler.select[: compiler.col_count]]
        )

    def rows(self, value) -> list[tuple]:
        params = list(self.params)
        params[self.value_at] = value
        with connections[self.db].cursor() as cursor:
            execute(cursor, self.sql, params, label=self.label)
            rows = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows
