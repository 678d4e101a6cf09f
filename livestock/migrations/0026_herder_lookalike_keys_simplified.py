"""The stored households' look-alike keys written again: ``lookalike_key`` now
reads a traditional Chinese character as the simplified one (馬 as 马, 爾 as 尔),
so that a household stored as 賽力克·屈克木 is found to look like a new
赛力克·屈克木. Only the households whose keys change are written
(``_lookalike_keys``)."""

from django.db import migrations

from livestock.migrations._lookalike_keys import write_keys


class Migration(migrations.Migration):
    dependencies = [
        ("livestock", "0025_rollup_households_in_village_index"),
    ]

    operations = [
        migrations.RunPython(write_keys, migrations.RunPython.noop, elidable=True),
    ]
