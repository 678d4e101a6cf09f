"""A rollup row's record has no index of its own: every read of a record's
rows has its season and its herder (one record per herder and season), and
finds them by the rollups' key (season, level, place, date), as the writes
that keep them do.

The record index was written for every new rollup row (a bulk of 1,000
entries inserts ~1,200, mostly household rows of new dates) at a random
place, as records are: on the 100,000-household bench region a bulk of
1,000 took 147-150 ms of PostgreSQL's CPU with it and 136-143 ms without
(in-process, seven bulks each, three pairs of fresh copies, 2026-12-06).
Undone, the index is made again.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0021_entry_record_one_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dailyrollup",
            name="record",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="livestock.lambingrecord",
                verbose_name="lambing record",
            ),
        ),
    ]
