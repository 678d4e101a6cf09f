"""Each household's names' look-alike keys (``places/names.py``), written for
the households stored before them."""

from django.db import migrations, models

from livestock.places.names import lookalike_key

KEYS = {"name_key": "name", "name_latin_key": "name_latin", "name_kazakh_key": "name_kazakh"}
BATCH = 2000


def write_keys(apps, schema_editor):
    Herder = apps.get_model("livestock", "Herder")
    herders = Herder.objects.only("pk", *KEYS.values()).order_by("pk")
    batch = []
    for herder in herders.iterator(chunk_size=BATCH):
        for key, name in KEYS.items():
            setattr(herder, key, lookalike_key(getattr(herder, name)))
        batch.append(herder)
        if len(batch) == BATCH:
            Herder.objects.bulk_update(batch, list(KEYS))
            batch = []
    Herder.objects.bulk_update(batch, list(KEYS))
    lookalike_key.cache_clear()


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
