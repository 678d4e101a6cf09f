"""The field app's forms: the fields of the models (their validators and
choices), named as the API names them, so that a form posted without the
script and an entry sent by it are read alike. The rules are the models' and
the services'; these only read what was typed."""

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from livestock.models import Herder, LambingEntry, LambingRecord


class EntryForm(forms.Form):
    """A dated count: ``date``, ``ewes_lambed``, ``lambs_born``, ``lambs_lost``,
    ``loss_cause``, ``lambs_alive``, ``check_stage``, ``note``. A count left
    empty is the model's default (0; lambs alive: no check made)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(LambingEntry, fields=LambingEntry.CONTENT_FIELDS))
        for name in LambingEntry.CONTENT_FIELDS:
            if LambingEntry._meta.get_field(name).has_default():
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in LambingEntry.CONTENT_FIELDS:
            model_field = LambingEntry._meta.get_field(name)
            if data.get(name) is None and model_field.has_default():
                data[name] = model_field.get_default()
        return data


class CorrectionForm(EntryForm):
    """A saved count corrected, from the version the technician saw, with a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=200)


class DeletionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("reason"), max_length=200)


class NewHouseholdForm(forms.Form):
    """A household met in a village, with its record for the season."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Herder, fields=["name", "name_latin", "name_kazakh"]))
        self.fields["name_latin"].required = False  # services.places.herder_create: added later
        self.fields.update(fields_for_model(LambingRecord, fields=["ewes_at_start"]))


class NewRecordForm(forms.Form):
    """A record for the season of a household that has none yet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(LambingRecord, fields=["ewes_at_start"]))
