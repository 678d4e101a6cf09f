"""Each household's names' look-alike keys (``places/names.py``), written for
the households stored before them."""

from django.db import migrations, models

from livestock.migrations._lookalike_keys import write_keys


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
