"""New rows and their history rows written together, fast: what simple-history's
``bulk_create_with_history`` stores, without building a model instance and an
INSERT parameter per field for each of them.

On PostgreSQL the ids are drawn from the table's sequence in one query, then
the rows and their history rows each go in one ``COPY``: for a bulk of 1,000
entries the ORM's two ``bulk_create`` calls (compiling 30,000 placeholders,
adapting each value, making 1,000 historical instances) cost more CPU than the
rest of the bulk's writes together. The history rows hold what
``bulk_history_create`` puts in them: every tracked field, the date, the
user, no reason, ``+``, and the surface and source of the change
(``attribution.current_change``). SQLite takes the ORM's path.
"""

import operator
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from livestock.audit import attribution
from livestock.models.copying import copy_rows


def insert_with_history(
    objs: Sequence[models.Model], model: type[models.Model], *, user: AbstractBaseUser | None
) -> Sequence[models.Model]:
    """Insert ``objs`` (new, unsaved) and a '+' history row for each, in the
    caller's transaction; ``objs`` get their ids. A row the database refuses
    (a unique or check constraint) raises ``IntegrityError`` and leaves
    nothing of the call, as ``bulk_create`` does."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return bulk_create_with_history(
            objs,
            model,
            batch_size=500,
            default_user=user,
            custom_historical_attrs=attribution.current_change(),
        )
    history_model = get_history_manager_for_model(model).model
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = model._meta.db_table
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608 (ours)
            "FROM generate_series(1, %s)",
            [len(objs)],
        )
        # A related object saved after this one was made (an import's new
        # household, for its record) gives its id, as bulk_create takes it:
        # asked of an object with a relation's id missing only (an entry made
        # with its record's id has none; asked of each, it was a tenth of a
        # batch's insert).
        relations = [field.attname for field in fields if field.is_relation]
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            if None in [getattr(obj, attname) for attname in relations]:
                obj._prepare_related_fields_for_save(operation_name="insert_with_history")
            obj.pk = pk
            obj._state.adding = False
        # Each value as the object holds it (COPY adapts dates, UUIDs and times
        # itself), but for the fields that set their own on insert (auto_now_add,
        # auto_now): the time of the insert, one for its rows, as their history
        # rows have one; and a derived field (a name's look-alike key) from the
        # object's other fields, as save() writes it.
        for field in fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                stamp = field.pre_save(objs[0], True)
                for obj in objs[1:]:
                    setattr(obj, field.attname, stamp)
            elif getattr(field, "derived", False):  # written from the object's other fields
                for obj in objs:
                    field.pre_save(obj, True)
        # A row's values as one C call per object (attrgetter), not a
        # generator's getattr per field: a fifth of an import's inserts.
        values_of = operator.attrgetter(model._meta.pk.attname, *(f.attname for f in fields))
        rows = [values_of(obj) for obj in objs]
        columns = [model._meta.pk.column, *(field.column for field in fields)]
        copy_rows(cursor, table, columns, rows)

        tracked = {field.attname for field in history_model.tracked_fields}
        by_attname = {model._meta.pk.attname: 0}
        by_attname |= {field.attname: index for index, field in enumerate(fields, start=1)}
        kept = [attname for attname in by_attname if attname in tracked]
        change = attribution.current_change()
        extra = {
            "history_date": timezone.now(),
            "history_user_id": user.pk if user is not None else None,
            "history_change_reason": None,
            "history_type": "+",
            **change,
        }
        history_columns = [history_model._meta.get_field(name).column for name in kept + [*extra]]
        kept_of = operator.itemgetter(*(by_attname[attname] for attname in kept))
        extra_values = tuple(extra.values())
        copy_rows(
            cursor,
            history_model._meta.db_table,
            history_columns,
            [kept_of(row) + extra_values for row in rows],
        )
    return objs
