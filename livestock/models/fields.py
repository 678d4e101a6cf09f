"""The model fields of what a technician types: a count, an entry's date, a
choice from a list (a cause of loss, a check's stage).

A value that is no such thing (``abc`` or ``1.5`` lambs, ``2026-13-45``, a cause
``xx``) is refused naming the value and the rule, in one message of each kind
(``not_a_whole_number``, ``not_a_date``, ``not_a_choice``) that every surface says:
the model itself, the form fields it makes (the admin's pages, the field app's
forms without the script: ``formfield``) and the API's serializer fields made from
it (``api/serializers.py``, ``StrictSerializer``). Django's and DRF's own messages
("Enter a whole number.", "A valid integer is required.", "Enter a valid date.")
named neither the value nor the rule, and each surface said another.

To migrations each is the Django field it extends (``deconstruct``): the messages
live in Python, and the columns are the same.
"""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from livestock.places.names import shown


def choices_shown(choices: Iterable[tuple[object, object]]) -> str:
    """The choices as the user reads them, each by its label in the active
    language and its code: 冻死 (cold), 饿死 (starvation), … (a blank choice left
    out). A Chinese technician shown the codes alone (accident, cold, …) could
    not tell them from the labels the forms, the template and the exports write."""
    return ", ".join(
        str(code) if str(label) == str(code) else f"{label} ({code})"
        for code, label in choices
        if code not in ("", None)
    )


# Written in the language a message is said in, as the message's other values are.
_choices_shown_lazily = lazy(choices_shown, str)


def not_a_whole_number(value) -> ValidationError:
    return ValidationError(
        _(
            "%(value)s is not a whole number; a count is a whole number, 0 or more "
            "(rule: counts are whole numbers)."
        ),
        code="invalid",
        params={"value": shown(value)},
    )


def not_a_date(value) -> ValidationError:
    return ValidationError(
        _(
            "%(value)s is not a date; write a day of the calendar as YYYY-MM-DD, such as "
            "2025-02-11 (rule: a date is a real day)."
        ),
        code="invalid",
        params={"value": shown(value)},
    )


def not_a_choice(value, choices: Iterable[tuple[object, object]]) -> ValidationError:
    return ValidationError(
        _("%(value)s is not one of the choices: %(choices)s (rule: choose one of the list)."),
        code="invalid_choice",
        params={"value": shown(value), "choices": _choices_shown_lazily(list(choices))},
    )


# A count written with more digits than this (not counting leading zeros) is beyond
# any count a household has, whatever its limit: it is refused by its limit's own
# rule without being read as a number (``refused_count_text``).
COUNT_DIGITS_READ = 18


def refused_count_text(value, validators: Iterable) -> ValidationError | None:
    """The refusal of a count typed as text that is not written in ASCII digits, or
    that has more digits than any count has, as text or as a JSON number; None for
    any other value.

    Digits of other scripts (``３``, ``٣``) and Python's digit separators (``1_000``)
    are no count, as an import's cell says (``spreadsheets.importing.whole_number``):
    read as numbers by Python, the forms and the API stored them. A count of more
    digits than any is refused by the rule of its limit (``validators``: at most, or
    at least 0 when negative), naming the value shortened: read as a number, one of
    over 4,300 digits (Python's limit) was said to be "no whole number", one of over
    1,000 (DRF's) a "String value too large." naming neither value nor rule, and one
    of fewer was said back whole, as a JSON number was (a negative one, of thousands
    of digits, whole in each language)."""
    if type(value) is int:  # a JSON number: within a count's digits, left to the limits
        if abs(value) < 10**COUNT_DIGITS_READ:
            return None
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.isascii() or "_" in text:
            return not_a_whole_number(value)
    else:
        return None
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits.isdigit() or len(digits.lstrip("0")) <= COUNT_DIGITS_READ:
        return None
    limit = MinValueValidator if text.startswith("-") else MaxValueValidator
    for validator in validators:
        if isinstance(validator, limit):
            return ValidationError(
                validator.message,
                code=validator.code,
                params={
                    "limit_value": validator.limit_value,
                    "show_value": shown(text),
                    "value": value,
                },
            )
    return None


# A NUL character in any text (a name, a note, a reason, a query's value), refused by
# Django's ``ProhibitNullCharactersValidator`` on every form field and every DRF field:
# marked here so that our catalogs say it (they come before Django's), where Django's
# Chinese says "不允许是用空字符串" ("empty strings are not allowed", misspelt) of a
# text that holds a character.
NUL_REFUSED = gettext_noop("Null characters are not allowed.")


class WholeNumberFormField(forms.IntegerField):
    """A count typed in a form, refused by ``not_a_whole_number``, or by its limit
    when it has more digits than any count (``refused_count_text``)."""

    def to_python(self, value):
        refused = refused_count_text(value, self.validators)
        if refused is not None:
            raise refused
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "invalid":
                raise
            raise not_a_whole_number(value) from None


class DateFormField(forms.DateField):
    """A date typed in a form (in a format of the page's language), refused by ``not_a_date``."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "invalid":
                raise
            raise not_a_date(value) from None


class ChoiceFormField(forms.TypedChoiceField):
    """A choice made in a form, refused by ``not_a_choice`` (a page made otherwise
    than this one, or a form sent by a script, may send any value)."""

    def validate(self, value):
        try:
            super().validate(value)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise not_a_choice(value, self.choices) from None


class CountField(models.PositiveIntegerField):
    """A household's count. Its bounds are its validators
    (``lambing.HOUSEHOLD_COUNT_LIMIT``, messages naming the rule), not a form's
    own ``min``: a browser stopped the form with its own message, in its own
    language, before the server could answer."""

    def to_python(self, value):
        refused = refused_count_text(value, self.validators)
        if refused is not None:
            raise refused
        try:
            return super().to_python(value)
        except ValidationError:
            raise not_a_whole_number(value) from None

    def formfield(self, **kwargs):
        return super().formfield(
            **{
                "form_class": WholeNumberFormField,
                "min_value": None,
                "max_value": None,
                # Its limits, for a count of more digits than any to be refused by them.
                "validators": self.validators,
                **kwargs,
            }
        )

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.PositiveIntegerField", args, kwargs


class EntryDateField(models.DateField):
    """The day a count was counted on."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise not_a_date(value) from None

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": DateFormField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs


class ChoiceCodeField(models.CharField):
    """A choice from the field's ``choices``, stored by its code."""

    def validate(self, value, model_instance):
        try:
            super().validate(value, model_instance)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise not_a_choice(value, self.flatchoices) from None

    def formfield(self, **kwargs):
        return super().formfield(**{"choices_form_class": ChoiceFormField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
