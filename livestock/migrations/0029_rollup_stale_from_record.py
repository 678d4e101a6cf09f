from django.db import migrations


def rebuild_stale_from_record(apps, schema_editor):
    """Make the rollups again: "no count for more than 7 days" now counts from
    the day a household's record was made (or its first entry, if earlier)
    when that is within the season, not from the season's start, so a
    household added mid-season is no longer flagged the day it is added, and
    the stored ``flagged_stale`` and ``flagged_any`` of its days change
    (``rollups.rebuild_in_migration``: only when the table has the current
    columns). At 1,000,000 households about ten minutes; at a county's size,
    seconds."""
    from livestock.counting import rollups

    rollups.rebuild_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("livestock", "0028_rollup_households_reporting"),
    ]

    operations = [
        migrations.RunPython(rebuild_stale_from_record, migrations.RunPython.noop),
    ]
