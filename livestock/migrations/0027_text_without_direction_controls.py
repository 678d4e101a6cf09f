"""An entry's note and a review's comment refuse the controls of text direction
(``names.no_direction_controls``), as names do: only the fields' validators change,
no column; notes and comments stored before are kept as they are."""

import django.core.validators
import livestock.places.names
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('livestock', '0026_herder_lookalike_keys_simplified'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicallambingentry',
            name='note',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(1000), livestock.places.names.no_direction_controls], verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='historicalreview',
            name='comment',
            field=models.TextField(blank=True, validators=[livestock.places.names.no_direction_controls], verbose_name='comment'),
        ),
        migrations.AlterField(
            model_name='lambingentry',
            name='note',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(1000), livestock.places.names.no_direction_controls], verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='review',
            name='comment',
            field=models.TextField(blank=True, validators=[livestock.places.names.no_direction_controls], verbose_name='comment'),
        ),
    ]
