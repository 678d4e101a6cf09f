"""The prefectures', counties' and townships' indexes of the daily rollups
hold the places' own rows only, not the households' (nineteen rows in
twenty): every read of households' rows within a place names its villages
(``selectors.totals.rollups_within``, ``counting.rollups.moved``), and the
village's index holds them all, as before.

Each new household row (a bulk's, an import's: about six a new household)
was an entry in six indexes, now in three; in a transaction on the
100,000-household bench region, 10,800 new household rows took 150,000
buffer reads to upsert without those three entries against 248,000 with
them (0.42-0.52 s against 0.71-0.75 s, rolled back), and a dry run of an import of 20,000 rows 0.100 s of PostgreSQL's CPU a 1,000
rows against 0.117 (three runs alternating, 2026-12-06). Undone, the
indexes hold every row again.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0024_herder_lookalike_keys"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="dailyrollup",
            name="rollup_county_level_date",
        ),
        migrations.RemoveIndex(
            model_name="dailyrollup",
            name="rollup_township_level_date",
        ),
        migrations.RemoveIndex(
            model_name="dailyrollup",
            name="rollup_prefecture_level_date",
        ),
        migrations.AddIndex(
            model_name="dailyrollup",
            index=models.Index(
                condition=models.Q(("level__lt", 4)),
                fields=["prefecture", "level", "date"],
                name="rollup_prefecture_level_date",
            ),
        ),
        migrations.AddIndex(
            model_name="dailyrollup",
            index=models.Index(
                condition=models.Q(("level__lt", 4)),
                fields=["county", "level", "date"],
                name="rollup_county_level_date",
            ),
        ),
        migrations.AddIndex(
            model_name="dailyrollup",
            index=models.Index(
                condition=models.Q(("level__lt", 4)),
                fields=["township", "level", "date"],
                name="rollup_township_level_date",
            ),
        ),
    ]
