"""The cache's table (``django_cache``), made by ``migrate`` on every database.

In production (``DEBUG`` off) the cache is a table in the database, shared by
gunicorn's workers; the API's throttles count in it on every request. It used
to need ``manage.py createcachetable`` after ``migrate``, and until that step
every request was a 500. It is made here, whatever the settings are when the
database is migrated, so that a database first run in development and then in
production has it too. ``createcachetable`` skips a table that exists.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "django_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("livestock", "0014_season_on_time_within_days")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
