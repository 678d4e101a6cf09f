"""Writing the stored households' look-alike keys (``places/names.py``
``lookalike_key``) again, for the migrations that add the keys or change how
they are made. Not a migration itself (the loader skips a module whose name
starts with "_").

A household's keys are written only when they differ from the stored ones, 2,000
households a statement: one UPDATE from arrays on PostgreSQL (``bulk_update``'s
CASE of 2,000 ids took 111 s at 100,000 households, and 11 minutes with the
rollups' migration at 1,000,000; this, 8 s at 100,000 when every key is new),
one UPDATE a household elsewhere. A change of the key that moves few households'
keys (traditional characters read as simplified ones) writes few rows."""

from livestock.places.names import lookalike_key

KEYS = {"name_key": "name", "name_latin_key": "name_latin", "name_kazakh_key": "name_kazakh"}
BATCH = 2000


def write_keys(apps, schema_editor):
    Herder = apps.get_model("livestock", "Herder")
    table = Herder._meta.db_table
    rows = Herder.objects.order_by("pk").values_list("pk", *KEYS.values(), *KEYS)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        batch = []
        for pk, *names_and_keys in rows.iterator(chunk_size=BATCH):
            names, stored = names_and_keys[: len(KEYS)], names_and_keys[len(KEYS) :]
            keys = [lookalike_key(name) for name in names]
            if keys == stored:
                continue
            batch.append((pk, *keys))
            if len(batch) == BATCH:
                _write(cursor, connection, table, batch)
                batch = []
        _write(cursor, connection, table, batch)
    lookalike_key.cache_clear()


def _write(cursor, connection, table: str, batch: list[tuple]) -> None:
    if not batch:
        return
    if connection.vendor == "postgresql":
        cursor.execute(
            f"UPDATE {table} AS h SET name_key = k.name_key, "  # noqa: S608 (our table)
            "name_latin_key = k.name_latin_key, name_kazakh_key = k.name_kazakh_key "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
            "AS k(id, name_key, name_latin_key, name_kazakh_key) WHERE h.id = k.id",
            [list(column) for column in zip(*batch, strict=True)],
        )
        return
    cursor.executemany(
        f"UPDATE {table} SET name_key = %s, name_latin_key = %s, "  # noqa: S608 (our table)
        "name_kazakh_key = %s WHERE id = %s",
        [(*keys, pk) for pk, *keys in batch],
    )
