"""The bulk endpoint's items, read and answered without a serializer per item.

A bulk of 1,000 entries through ``LambingEntrySerializer`` item by item spent
about a sixth of its CPU in DRF's validation of each item's fields and another
in the answer's representation of each entry. Here an item whose every value
is plainly of its field's type (a uuid's text, a record's id, an ISO date,
whole numbers, a choice, a note as it is stored) is read directly; its values'
limits and the counting rules are the model's (``services.entries.entries_create``
checks them, with the model's messages). Any other item goes through the
serializer, which says what is wrong with it (field and value), as before: an
item is read here only when the serializer would read it the same way.
"""

import datetime
import re
import uuid
from collections.abc import Iterable

from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from livestock.api.serializers import LambingEntrySerializer
from livestock.filtersets import MAX_ID
from livestock.models import LambingEntry

COUNT_FIELDS = ("ewes_lambed", "lambs_born", "lambs_lost")
# Half of a UTF-16 pair alone, which JSON may carry ("\ud800") and no database
# can store: DRF's CharField refuses it (ProhibitSurrogateCharactersValidator).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain_uuid(value) -> uuid.UUID | None:
    if type(value) is str and len(value) == 36:
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


def _plain_date(value) -> datetime.date | None:
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


class ItemReader:
    """Reads a bulk's items for ``serializer`` (a ``LambingEntrySerializer``
    with the request in its context), one by one. The records that plainly
    read items name are not read here: the service reads them, locked and
    narrowed to the user's places in the same query
    (``entries_create(visible_to=…)``), and says which it did not find
    (``not_found``)."""

    def __init__(self, serializer: LambingEntrySerializer):
        self.serializer = serializer
        fields = serializer.fields
        self.writable = frozenset(name for name, field in fields.items() if not field.read_only)
        self.required = frozenset(name for name, field in fields.items() if field.required)
        self.choices = {
            name: frozenset(fields[name].choices) | {""} for name in ("loss_cause", "check_stage")
        }
        self.preloaded = False

    def read(self, items: list) -> tuple[list[tuple[int, dict]], list[dict]]:
        """Each valid item's index and values (``record`` an id, or the record
        for an item the serializer read), and each invalid one's index and
        errors, as the serializer says them."""
        record_field = self.serializer.fields["record"]
        valid, errors = [], []
        for index, item in enumerate(items):
            values = self.plainly(item)
            if values is not None:
                valid.append((index, values))
                continue
            if item is None:
                # Refused as an item of any other kind that is no object ("x", [1]),
                # keyed as every item's errors: the serializer says "This field may
                # not be null." of it, in a list of no field.
                message = self.serializer.error_messages["invalid"].format(datatype="null")
                errors.append(
                    {"index": index, "errors": {api_settings.NON_FIELD_ERRORS_KEY: [message]}}
                )
                continue
            if not self.preloaded:  # one query, for the items the serializer reads
                record_field.preload(i.get("record") for i in items if isinstance(i, dict))
                self.preloaded = True
            try:
                valid.append((index, self.serializer.run_validation(item)))
            except ValidationError as error:
                errors.append({"index": index, "errors": error.detail})
        return valid, errors

    def plainly(self, item) -> dict | None:
        """The item's values when each is plainly of its field's type, else None."""
        if type(item) is not dict or not self.required <= item.keys() <= self.writable:
            return None
        values = dict(item)
        values["uuid"] = _plain_uuid(item["uuid"])
        values["date"] = _plain_date(item["date"])
        record = item["record"]
        if values["uuid"] is None or values["date"] is None:
            return None
        if type(record) is not int or not 1 <= record <= MAX_ID:
            return None
        for name in COUNT_FIELDS:
            if name in values and type(values[name]) is not int:
                return None
        if "lambs_alive" in values and not (
            values["lambs_alive"] is None or type(values["lambs_alive"]) is int
        ):
            return None
        for name, allowed in self.choices.items():
            if name in values and (type(values[name]) is not str or values[name] not in allowed):
                return None
        note = values.get("note", "")
        if type(note) is not str or "\x00" in note or note != note.strip():
            return None  # not kept as it is: the serializer trims it, or refuses it
        if not note.isascii() and _SURROGATE.search(note):
            return None  # a lone surrogate (JSON's "\ud800"): the serializer refuses it
        return values


def entries_data(entries: Iterable[LambingEntry]) -> list[dict]:
    """``LambingEntrySerializer(entries, many=True).data``, made directly (a test
    holds the two equal): the bulk answers with up to 1,000 entries."""
    zone = timezone.get_current_timezone()
    data = []
    for entry in entries:
        created_at = entry.created_at.astimezone(zone).isoformat()
        if created_at.endswith("+00:00"):
            created_at = created_at[:-6] + "Z"
        data.append(
            {
                "id": entry.pk,
                "uuid": str(entry.uuid),
                "record": entry.record_id,
                "date": entry.date.isoformat(),
                "ewes_lambed": entry.ewes_lambed,
                "lambs_born": entry.lambs_born,
                "lambs_lost": entry.lambs_lost,
                "loss_cause": entry.loss_cause,
                "lambs_alive": entry.lambs_alive,
                "check_stage": entry.check_stage,
                "note": entry.note,
                "version": entry.version,
                "created_by": None if entry.created_by_id is None else str(entry.created_by),
                "created_at": created_at,
            }
        )
    return data
