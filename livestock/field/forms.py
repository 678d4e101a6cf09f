"""The field app's forms: the fields of the models (their validators and
choices), named as the API names them, so that a form posted without the
script and an entry sent by it are read alike. The rules are the models' and
the services'; these only read what was typed."""

from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from livestock.models import Herder, LambingEntry, LambingRecord
from livestock.services.places import LOOKALIKE_NAME


def _model_fields(model: type[models.Model], names: list[str]) -> dict[str, forms.Field]:
    """``model``'s fields ``names`` as form fields (``models.fields``: a value that is
    no count, date or choice is refused naming it and the rule), a count checked by
    its model field's own validators too (``models.HOUSEHOLD_COUNT_LIMIT``: the rule,
    its message naming the value typed)."""

    def formfield(model_field: models.Field, **kwargs) -> forms.Field | None:
        if isinstance(model_field, models.IntegerField):
            kwargs.update(validators=model_field.validators)
        return model_field.formfield(**kwargs)

    return fields_for_model(model, fields=names, formfield_callback=formfield)


class EntryForm(forms.Form):
    """A dated count: ``date``, ``ewes_lambed``, ``lambs_born``, ``lambs_lost``,
    ``loss_cause``, ``lambs_alive``, ``check_stage``, ``note``. A count left
    empty is the model's default (0; lambs alive: no check made)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(LambingEntry, LambingEntry.CONTENT_FIELDS))
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


def _reason() -> forms.CharField:
    """Why a saved count is corrected or deleted. That it is given (not empty, not
    spaces alone) and how long it may be are the rules of
    ``services.guards.require_reason`` (what the history keeps, ``REASON_MAX_LENGTH``),
    refused there with a message saying so; the page's input takes as many characters
    (``reason_max_length``). Not required here: the form's own "This field is
    required." named no rule, where the admin, the API and an import say the
    service's."""
    return forms.CharField(label=_("reason"), required=False)


class CorrectionForm(EntryForm):
    """A saved count corrected, from the version the technician saw, with a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason()


class DeletionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason()


class NewHouseholdForm(forms.Form):
    """A household met in a village, with its record for the season. One whose
    name looks like a household's of the village is refused by the service; the
    page then offers to confirm it is another (``confirm_distinct``), not before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(Herder, ["name", "name_latin", "name_kazakh"]))
        self.fields["name_latin"].required = False  # services.places.herder_create: added later
        self.fields.update(_model_fields(LambingRecord, ["ewes_at_start"]))
        self.fields["confirm_distinct"] = forms.BooleanField(
            label=_("This is another household"), required=False
        )

    @property
    def asks_to_confirm(self) -> bool:
        """Whether the page shows the box to confirm it is another household: once
        the name was refused as looking like another's, or when it was ticked."""
        return self.is_bound and (
            self.has_error("name", LOOKALIKE_NAME) or bool(self.data.get("confirm_distinct"))
        )


class NewRecordForm(forms.Form):
    """A record for the season of a household that has none yet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_model_fields(LambingRecord, ["ewes_at_start"]))
