"""An entry's record has no index of its own: the (record, date) index
(``LambingEntry.Meta.indexes``) finds a record's entries as well, already in
date order, and was written beside it for every new entry.

At 1,000,000 households they are 87 and 254 MB on PostgreSQL, far beyond its
default 128 MB of buffers with the rest, and a bulk of 1,000 entries to
households at random read the pages of both twice over: the lone index's
to find the records' entries, then both to insert the new ones. Without it
the read goes through the (record, date) index, whose leaf pages the insert
then finds in memory (pg_statio_user_indexes over one bulk on the vacuumed
1,000,000-household bench region, 2026-12-06): the two indexes' 1,939 pages
read from outside the buffers and 7,098 hits became one index's 989 and
5,035. A single create reads and writes one index page fewer. Undone, the
index is made again.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's name of the index a foreign key makes (the same on SQLite and PostgreSQL).
INDEX = "livestock_lambingentry_record_id_7fd64a23"


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0020_rollup_room_for_updates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX IF NOT EXISTS {INDEX} ON livestock_lambingentry (record_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="lambingentry",
                    name="record",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="livestock.lambingrecord",
                        verbose_name="lambing record",
                    ),
                ),
            ],
        ),
    ]
