"""Rows written by ``COPY`` in PostgreSQL's binary format, the way every bulk
write of the app sends its rows (new entries, households and records with
their history rows, rollup rows).

In text format each value is written out as text by the client and parsed
back by the server: for 20,000 entries, 0.065 s of the client's CPU and
about 0.2-0.4 s of the server's (a UUID, a date and a time per row). In
binary format each value goes as the server stores it: 0.010 s and about
0.05 s for the same rows. Binary values must be of their column's type
exactly, so the columns' types are asked of the server (``column_types``)
and each row's values are sent as those types; a value of another Python
type than its column's (a UUID given as text) is an error, as it would be
for the model's field.
"""

from collections.abc import Iterable, Sequence


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` (tuples of values in ``columns`` order) into ``table``, in
    binary format, on ``cursor`` (a PostgreSQL cursor, Django's or psycopg's)."""
    types = column_types(cursor, table, columns)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def column_types(cursor, table: str, columns: Sequence[str]) -> list[int]:
    """The type (its oid) of each of ``columns`` of ``table`` as the server has
    it now (a temporary table of this session's too): asked each time, one
    short query, since a migration may change a column's type."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    type_of = dict(cursor.fetchall())
    return [type_of[column] for column in columns]
