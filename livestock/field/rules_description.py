"""The per-entry rules, described for the phone from the definitions the server
enforces, so that an entry typed offline is checked at once by the same limits
and refused with the same message: nothing here states a limit or a message of
its own.

- each count's bounds and messages: the model field's validators
  (``models.HOUSEHOLD_COUNT_LIMIT``, which reads ``rules.MAX_HOUSEHOLD_COUNT``),
  the tightest of them when a field has several;
- the pairs that go together (lambs lost and a cause, lambs alive and a
  stage): the model's check constraints, read from their conditions;
- the choices of a cause and a stage: the fields' choices;
- the date: the season's dates and today, with the messages of
  ``rules.check_entry_date``;
- what a correction carries beside an entry's fields (its reason): its label,
  by which the phone names it in what the server refuses of a correction, and
  the message of ``services.guards.require_reason`` for one empty or of spaces
  alone, refused on the phone before the correction is kept.

The running-total rules need the record's other entries and stay on the server.
Messages are templates with ``%(name)s`` placeholders, and every label, message
and name is given in each language of the field app: the description does not depend
on the language it is asked in.
"""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import CheckConstraint, Q
from django.utils import translation

from livestock.counting import rules
from livestock.counting.flags import FLAGS
from livestock.field.forms import CorrectionForm
from livestock.models import LambingEntry, Season
from livestock.services import guards

# Each label and message in Chinese first, English beside, under these keys; and in
# Kazakh (each script) for a Kazakh page (templatetags/both.py).
LANGUAGES = {"zh": "zh-hans", "en": "en", "kk": "kk", "kk_arab": "kk-arab"}
KEYS = {language: key for key, language in LANGUAGES.items()}


def _made_in_languages(make: Callable[[], str]) -> dict[str, str]:
    """What ``make()`` writes in each language of the field app (Chinese first)."""
    found = {}
    for key, language in LANGUAGES.items():
        with translation.override(language):
            found[key] = make()
    return found


def _in_languages(text) -> dict[str, str]:
    """A lazily translated text in each language of the field app (Chinese first)."""
    return _made_in_languages(lambda: str(text))


def flag_labels() -> dict[str, dict[str, str]]:
    """Each data-quality flag's label (``counting/flags.py``) in each language, by
    the flag's key: the roster names a household's flags by key, so that the phone
    shows them in the languages of the page it draws them on, whatever language the
    roster was fetched in, offline too."""
    return {flag.key: _in_languages(flag) for flag in FLAGS}


def _bound(field: models.Field, kind: type, tighter) -> dict | None:
    validators = [v for v in field.validators if isinstance(v, kind)]
    if not validators:
        return None
    # Of equal limits, the model's own (listed after the database's range) says the rule.
    validator = tighter(reversed(validators), key=lambda v: v.limit_value)
    return {"value": validator.limit_value, "message": _in_languages(validator.message)}


def _count(field: models.Field) -> dict:
    return {
        "type": "integer",
        "label": _in_languages(field.verbose_name),
        # An empty count is the field's default (0), or none at all (no check made).
        "empty": None if field.null else field.get_default(),
        "min": _bound(field, MinValueValidator, max),
        "max": _bound(field, MaxValueValidator, min),
    }


def _choice(field: models.Field) -> dict:
    return {
        "type": "choice",
        "label": _in_languages(field.verbose_name),
        "empty": "",
        "choices": [
            {"value": value, "label": _in_languages(label)} for value, label in field.flatchoices
        ],
    }


def _together(constraint: CheckConstraint) -> dict:
    """A constraint of the shape ``Q(a=EMPTY, b=EMPTY) | (a not empty & b not empty)``:
    the fields are given together or not at all. Its first branch names each
    field and its empty value (``x__isnull=True``: none)."""
    condition = constraint.condition
    empty_branch = condition.children[0] if condition.connector == Q.OR else None
    if not isinstance(empty_branch, Q) or empty_branch.connector != Q.AND:
        raise ValueError(f"constraint {constraint.name} is not of a shape the phone can check")
    fields = {}
    for lookup, value in empty_branch.children:
        name, _, test = lookup.partition("__")
        if test not in ("", "isnull") or (test == "isnull" and value is not True):
            raise ValueError(f"constraint {constraint.name} is not of a shape the phone can check")
        fields[name] = None if test == "isnull" else value
    return {
        "name": constraint.name,
        "fields": fields,
        "message": _in_languages(constraint.violation_error_message),
    }


def _rule_message(check, *args, **probe) -> dict:
    """The message ``check`` refuses ``probe`` with, as a template in each language
    (a check that keys its refusal to a field refuses one)."""
    try:
        check(*args, **probe)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            [[error]] = error.error_dict.values()
        return {"code": error.code, "message": _in_languages(error.message)}
    raise ValueError(f"{check.__name__} accepted {args or probe}")


def describe(*, season: Season | None, today: datetime.date) -> dict:
    """The rules an entry of ``season`` typed on ``today`` must keep, as JSON."""
    entry_fields = {}
    for name in LambingEntry.CONTENT_FIELDS:
        field = LambingEntry._meta.get_field(name)
        if isinstance(field, models.IntegerField):
            entry_fields[name] = _count(field)
        elif field.choices:
            entry_fields[name] = _choice(field)
        elif isinstance(field, models.DateField):
            entry_fields[name] = {"type": "date", "label": _in_languages(field.verbose_name)}
        else:
            entry_fields[name] = {"type": "text", "label": _in_languages(field.verbose_name)}
    day = datetime.timedelta(days=1)
    date_rule = {
        "today": today.isoformat(),
        "season": None,
        "future": _rule_message(
            rules.check_entry_date,
            value=today + day,
            season_start=today,
            season_end=today + day,
            season_name="",
            today=today,
        ),
        "outside_season": _rule_message(
            rules.check_entry_date,
            value=today - day,
            season_start=today,
            season_end=today + day,
            season_name="",
            today=today,
        ),
    }
    if season is not None:
        date_rule["season"] = {
            "id": season.pk,
            # In each language, as every message here: the phone fills each language's
            # message with that language's name (2026–2027 冬羔 in the Chinese one, not
            # the Kazakh name of a Kazakh page), and the description is the same
            # whatever language it was fetched in, so a copy kept for offline work
            # serves a page of any language.
            "name": _made_in_languages(lambda: season.name),
            "start": season.start_date.isoformat(),
            "end": season.end_date.isoformat(),
        }
    return {
        "fields": entry_fields,
        "together": [
            _together(constraint)
            for constraint in LambingEntry._meta.constraints
            if isinstance(constraint, CheckConstraint)
        ],
        "date": date_rule,
        "correction_fields": {
            "reason": {
                "type": "text",
                "label": _in_languages(CorrectionForm.base_fields["reason"].label),
                "blank": _rule_message(guards.require_reason, "   "),
            }
        },
    }
