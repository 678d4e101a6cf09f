"""Each household's names' look-alike keys (``places/names.py``), written for
the households stored before them."""

from django.db import migrations, models

from livestock.places.names import lookalike_key

KEYS = {"name_key": "name", "name_latin_key": "name_latin", "name_kazakh_key": "name_kazakh"}
BATCH = 2000


def write_keys(apps, schema_editor):
    """Each stored household's keys, 2,000 households a statement: one UPDATE
    from arrays on PostgreSQL (``bulk_update``'s CASE of 2,000 ids took 111 s
    at 100,000 households, and 11 minutes with the next migration at
    1,000,000; this, 8 s at 100,000, the same keys), one UPDATE a household
    elsewhere."""
    Herder = apps.get_model("livestock", "Herder")
    table = Herder._meta.db_table
    rows = Herder.objects.order_by("pk").values_list("pk", *KEYS.values())
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        batch = []
        for pk, *names in rows.iterator(chunk_size=BATCH):
            batch.append((pk, *map(lookalike_key, names)))
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


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0023_history_without_unread_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="herder",
            name="name_kazakh_key",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="herder",
            name="name_key",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="herder",
            name="name_latin_key",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(write_keys, migrations.RunPython.noop, elidable=True),
    ]
