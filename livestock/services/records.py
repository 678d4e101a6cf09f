"""A household's lambing record of a season: made, its ewes at the start set
or corrected, removed while it has no entries."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from livestock.audit import bulk_insert
from livestock.counting import rollups
from livestock.models import Herder, LambingRecord, Season
from livestock.services.guards import check_reason, check_version, lock_record, require_reason


@transaction.atomic
def record_create(
    *, herder: Herder, season: Season, ewes_at_start: int | None = None
) -> LambingRecord:
    record = LambingRecord(herder=herder, season=season, ewes_at_start=ewes_at_start)
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Made by another request between the check and the save.
        raise ValidationError(
            LambingRecord._meta.constraints[0].violation_error_message, code="unique"
        ) from None
    rollups.changed([record.pk])  # a household, with its ewes, from today
    return record


def record_build(
    *,
    herder: Herder,
    season: Season,
    ewes_at_start: int | None = None,
    locked_through_known: bool = False,
    locked_through: datetime.date | None = None,
) -> LambingRecord:
    """A new record, validated as ``record_create`` validates it, not yet saved:
    an import saves its new records together (``records_create``). The herder
    may be new too (made by ``herder_build``): it then has no record to clash with.
    ``locked_through``: the date through which the township's counts are
    approved, when the caller looked it up once for many (``locked_through_known``)."""
    record = LambingRecord(herder=herder, season=season, ewes_at_start=ewes_at_start)
    record.locked_through_known, record.locked_through = locked_through_known, locked_through
    record.full_clean(exclude=["herder", "season"], validate_constraints=herder.pk is not None)
    return record


@transaction.atomic
def records_create(
    *, records: list[LambingRecord], user: AbstractBaseUser | None = None
) -> list[LambingRecord]:
    """Save records made by ``record_build``, with their history. One made by
    another request meanwhile refuses them all."""
    try:
        with transaction.atomic():
            created = bulk_insert.insert_with_history(records, LambingRecord, user=user)
    except IntegrityError:
        raise ValidationError(
            LambingRecord._meta.constraints[0].violation_error_message, code="unique"
        ) from None
    rollups.created(record.pk for record in created)
    return created


@transaction.atomic
def record_update(
    *,
    record: LambingRecord,
    ewes_at_start: int | None,
    reason: str = "",
    seen_version: int | None = None,
) -> LambingRecord:
    """Set the ewes at the season's start; changing a count already given is a
    correction and needs a reason. Made from a page that showed
    ``seen_version``, it is refused if someone saved a newer one meanwhile."""
    if seen_version is not None:
        check_version(record, seen_version=seen_version)
    record = lock_record(record)
    errors: dict[str, list[ValidationError]] = {}
    try:
        if record.ewes_at_start not in (None, ewes_at_start):
            require_reason(reason)
        elif reason:
            check_reason(reason)  # not needed, but kept in the history all the same
    except ValidationError as error:
        errors.update(error.error_dict)
    record.ewes_at_start = ewes_at_start
    try:
        record.full_clean()
    except ValidationError as error:  # said together with a missing reason, not one by one
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    record._change_reason = reason
    record.save()
    rollups.changed([record.pk])
    return record


@transaction.atomic
def record_delete(*, record: LambingRecord) -> None:
    """Remove a record without entries (one with entries is protected by them),
    and its household from the daily rollups. A record counts as a household,
    with its ewes, from the day it was made: once that day's counts of its
    township are approved, the record is in the approved figures and is locked
    with them, as a new record is refused on such a day (``LambingRecord.clean``)."""
    record = lock_record(record)
    record.check_counted_day_not_locked(
        rollups.facts_of(record).recorded_on, record.approved_through
    )
    rollups.removed(record)
    record.delete()
