"""A new object and its history row stored in one statement: what ``save()``
and simple-history's ``post_save`` store for it, in one round trip.

A single entry's create through the API spent a seventh of its CPU in the
ORM's two inserts (the entry's, then its history row's, made by a signal from
a historical instance built field by field). On PostgreSQL, one statement
inserts the object and, from the row it stored, its history row:

    WITH new AS (INSERT INTO … VALUES (…) RETURNING …)
    INSERT INTO <history> (…) SELECT …, <who, when, why, how> FROM new

prepared once per connection (``models.prepared.execute``). The history row
holds what simple-history's ``create_historical_record`` puts in it: every
tracked field as stored, the date, the user (``get_history_user``: the
request's, or the one ``acting_as`` names), the reason
(``_change_reason``), ``+``, and the surface and source of the change
(``attribution.current_change``, what ``describe_change`` sets). Elsewhere
(SQLite) it is ``save()``.
"""

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import get_change_reason_from_object, get_history_manager_for_model

from livestock.audit import attribution
from livestock.models.prepared import execute


def insert_with_history(obj: models.Model) -> None:
    """Insert ``obj`` (new, unsaved) and its '+' history row, in the caller's
    transaction; ``obj`` gets its id as ``save()`` gives it. A row the
    database refuses (a unique or check constraint) raises ``IntegrityError``
    and stores neither."""
    model = type(obj)
    if connection.vendor != "postgresql":
        obj.save()
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    records = attribution.RECORDS_OF[model]
    history = {
        "history_date": getattr(obj, "_history_date", timezone.now()),
        "history_user_id": _pk(records.get_history_user(obj)),
        "history_change_reason": get_change_reason_from_object(obj),
        "history_type": "+",
        **attribution.current_change(),
    }
    with connection.cursor() as cursor:
        execute(
            cursor,
            _statement(model, fields, list(history)),
            [*values, *history.values()],
            label=f"insert_{model._meta.db_table}",
        )
        (obj.pk,) = cursor.fetchone()
    obj._state.adding = False
    obj._state.db = connection.alias


def _pk(user) -> int | None:
    return None if user is None else user.pk


_statements: dict[type[models.Model], str] = {}


def _statement(model: type[models.Model], fields: list, extra: list[str]) -> str:
    """The insert of a ``model`` row (``fields``' values, then ``extra``'s:
    its history row's who, when, why and how) and its history row, made once."""
    made = _statements.get(model)
    if made is None:
        history_model = get_history_manager_for_model(model).model
        pk = model._meta.pk.column
        columns = [field.column for field in fields]
        tracked = [field.column for field in history_model.tracked_fields]
        extra_columns = [history_model._meta.get_field(name).column for name in extra]
        made = _statements[model] = (
            f"WITH new AS (INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) RETURNING {pk}, {', '.join(columns)}) "
            f"INSERT INTO {history_model._meta.db_table} "
            f"({', '.join([*tracked, *extra_columns])}) "
            f"SELECT {', '.join(tracked)}, {', '.join(['%s'] * len(extra))} FROM new "
            f"RETURNING {history_model._meta.get_field(model._meta.pk.attname).column}"
        )
    return made
