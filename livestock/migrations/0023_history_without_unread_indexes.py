"""The history tables keep no copies of indexes nobody reads them by: an
entry's history row's UUID and creator, a record's herder and season, a
household's village (simple-history copies each foreign key's and unique
field's index to the history table). History is read by the object (``id``),
by date, by user, and an entry's by its record; those stay. Each history
row of an import or a bulk wrote up to seven indexes, the UUID's at a random
page of its index. Undone, the indexes are made again.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0022_rollup_record_without_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalherder",
            name="village",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="livestock.village",
                verbose_name="village",
            ),
        ),
        migrations.AlterField(
            model_name="historicallambingentry",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="created by",
            ),
        ),
        migrations.AlterField(
            model_name="historicallambingentry",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="UUID"),
        ),
        migrations.AlterField(
            model_name="historicallambingrecord",
            name="herder",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="livestock.herder",
                verbose_name="herder household",
            ),
        ),
        migrations.AlterField(
            model_name="historicallambingrecord",
            name="season",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="livestock.season",
                verbose_name="season",
            ),
        ),
    ]
