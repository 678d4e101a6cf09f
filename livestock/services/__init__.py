"""Writes. The API, imports and commands change herders, records and entries
through these functions, so each write is validated by the model's rules and
serialised per record: the record's row is locked while its entries are
checked and saved, so two technicians adding to one record at once cannot
both pass a check that only one of them may. The admin writes through them
too: an edit made from a page carries the version the page showed
(``seen_version``), and is refused when someone saved a newer one meanwhile.

Each write that changes what a record counts keeps the daily rollups in its
own transaction, and says so (``rollups.changed``, ``rollups.moved``): the
models keep nothing but their own rows."""

import dataclasses
import datetime
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from livestock import selectors
from livestock.access import roles
from livestock.audit import attribution, bulk_insert
from livestock.counting import rollups, rules, walk
from livestock.models import (
    Herder,
    LambingEntry,
    LambingRecord,
    Place,
    Review,
    ReviewState,
    ScopeGrant,
    Season,
    Township,
    Versioned,
    Village,
)
from livestock.models.review import approved_through_townships
from livestock.places import scoping

# What every surface answers for an entry sent under a uuid it may not use:
# stored with other counts, on another record or in another county alike, so
# that the answer says nothing of what is stored under it.
USED_UUID = _(
    "The uuid %(uuid)s is already used by another entry; send this entry with a new uuid."
)


class EntryConflict(Exception):
    """An entry arrived under a UUID that is already stored with other content."""

    def __init__(self, stored: LambingEntry):
        super().__init__(f"entry {stored.uuid} is stored with other content")
        self.stored = stored


def check_version(obj: Versioned, *, seen_version: int) -> None:
    """Refuse an edit made from an older version of ``obj``, naming who saved the
    newer one and when. Locks ``obj``'s row (an entry's record first, the order
    every path takes) until the transaction ends, so no other save can slip in
    between this check and the edit's own save."""
    if isinstance(obj, LambingEntry):
        lock_record(obj.record)
    current = (
        type(obj)
        ._default_manager.select_for_update()
        .filter(pk=obj.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current is None or current == seen_version:
        return
    latest = obj.history.order_by("-history_date").first()
    who = getattr(latest and latest.history_user, "username", None) or _("someone")
    when = timezone.localtime(latest.history_date) if latest else None
    raise ValidationError(
        _(
            "Changed by %(user)s at %(time)s while you were editing — reload the page to "
            "see their change, then make yours again."
        ),
        code="stale_edit",
        params={"user": who, "time": formats.date_format(when, "DATETIME_FORMAT") if when else "?"},
    )


# What a history row keeps of a reason (django-simple-history's column).
REASON_MAX_LENGTH = 100


def require_reason(reason: str, *, kept_in_history: bool = True) -> None:
    """A saved count is corrected or deleted only with a reason, kept in its
    history with who and when (DOMAIN.md: as-of answers change only so); a
    reason longer than the history keeps is refused, not cut short."""
    if not reason or not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _(
                        "Say why saved counts are corrected or deleted; "
                        "the reason is kept in the history."
                    ),
                    code="reason_required",
                )
            }
        )
    if kept_in_history and len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _(
                        "The reason is %(length)s characters long; the history keeps up "
                        "to %(limit)s. Say it more briefly."
                    ),
                    code="reason_too_long",
                    params={"length": len(reason), "limit": REASON_MAX_LENGTH},
                )
            }
        )


def lock_record(record: LambingRecord) -> LambingRecord:
    """The record, read again with its row locked until the transaction ends:
    while its entries are checked and saved, no other write to it can interleave."""
    return (
        LambingRecord.objects.select_for_update(of=("self",))
        .select_related("season")
        .get(pk=record.pk)
    )


@transaction.atomic
def herder_create(*, village: Village, name: str, name_latin: str, name_kazakh: str = "") -> Herder:
    """A new household. Its Latin name may be left empty: a technician meeting a
    household at a pasture (the field app) adds it before anyone has written its
    transliteration; the API's and the admin's forms still ask for one."""
    herder = Herder(village=village, name=name, name_latin=name_latin, name_kazakh=name_kazakh)
    herder.full_clean(exclude=[] if name_latin else ["name_latin"])
    herder.save()
    return herder


def herder_build(*, village: Village, name: str, name_latin: str, name_kazakh: str = "") -> Herder:
    """A new household, validated as ``herder_create`` validates it, not yet
    saved: an import saves its new households together (``herders_create``).
    ``village`` is one read from the database, so its existence is not asked again."""
    herder = Herder(village=village, name=name, name_latin=name_latin, name_kazakh=name_kazakh)
    herder.full_clean(exclude=["village"])
    return herder


@transaction.atomic
def herders_create(*, herders: list[Herder], user: AbstractBaseUser | None = None) -> list[Herder]:
    """Save households made by ``herder_build``, with their history."""
    return bulk_create_with_history(
        herders,
        Herder,
        batch_size=500,
        default_user=user,
        custom_historical_attrs=attribution.current_change(),
    )


@transaction.atomic
def herder_update(herder: Herder, *, seen_version: int | None = None, **changes) -> Herder:
    """Rename a household or move it to another village; made from a page that
    showed ``seen_version``, refused if someone saved a newer one meanwhile."""
    unknown = set(changes) - {"village", "name", "name_latin", "name_kazakh"}
    if unknown:
        raise TypeError(f"herder_update() cannot change {sorted(unknown)}")
    if seen_version is not None:
        check_version(herder, seen_version=seen_version)
    return _place_save(Herder.objects.select_for_update().get(pk=herder.pk), changes)


@transaction.atomic
def place_update(place: Place, **changes) -> Place:
    """Rename a prefecture, county, township or village, or move it under
    another place (``parent_field``): its households' counts go along."""
    allowed = {"name", "name_latin", *([place.parent_field] if place.parent_field else [])}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"place_update() cannot change {sorted(unknown)}")
    return _place_save(type(place).objects.select_for_update().get(pk=place.pk), changes)


def _place_save(place: Place, changes: dict) -> Place:
    """Apply ``changes`` to the stored, held ``place`` and save it; when it
    moved under another place, its records' daily rollups move with it."""
    for field, value in changes.items():
        setattr(place, field, value)
    place.full_clean()
    moved = place.moved_from() is not None
    place.save()
    if moved:
        rollups.moved(place)
    return place


@transaction.atomic
def season_update(season: Season, **changes) -> Season:
    """Change a season's kind or dates. Its records' data-quality flags depend
    on its dates (stale from the start, no final check at the end), so when
    they move their daily rollups are made again."""
    unknown = set(changes) - {"kind", "start_date", "end_date"}
    if unknown:
        raise TypeError(f"season_update() cannot change {sorted(unknown)}")
    season = Season.objects.select_for_update().get(pk=season.pk)
    before = (season.start_date, season.end_date)
    for field, value in changes.items():
        setattr(season, field, value)
    season.full_clean()
    season.save()
    if (season.start_date, season.end_date) != before:
        rollups.changed(season.lambing_records.values_list("pk", flat=True))
    return season


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
    *, herder: Herder, season: Season, ewes_at_start: int | None = None
) -> LambingRecord:
    """A new record, validated as ``record_create`` validates it, not yet saved:
    an import saves its new records together (``records_create``). The herder
    may be new too (made by ``herder_build``): it then has no record to clash with."""
    record = LambingRecord(herder=herder, season=season, ewes_at_start=ewes_at_start)
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
            created = bulk_create_with_history(
                records,
                LambingRecord,
                batch_size=500,
                default_user=user,
                custom_historical_attrs=attribution.current_change(),
            )
    except IntegrityError:
        raise ValidationError(
            LambingRecord._meta.constraints[0].violation_error_message, code="unique"
        ) from None
    rollups.changed(record.pk for record in created)
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
    if record.ewes_at_start not in (None, ewes_at_start):
        try:
            require_reason(reason)
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
    and its household from the daily rollups."""
    record = lock_record(record)
    record.delete()
    rollups.changed([record.pk])


@transaction.atomic
def entry_create(
    *,
    record: LambingRecord,
    date: datetime.date,
    uuid: uuid_module.UUID | None = None,
    created_by: AbstractBaseUser | None = None,
    **content: int | str | None,
) -> tuple[LambingEntry, bool]:
    """Add a dated count to a record. Returns the entry and whether it is new.

    ``content``: the entry's counts and note, by field name
    (``LambingEntry.CONTENT_FIELDS``: ``ewes_lambed``, ``lambs_born``,
    ``lambs_lost``, ``loss_cause``, ``lambs_alive``, ``check_stage``,
    ``note``); a count left out is the field's default. Named by the model, so
    that a new kind of count is one field there, not one more parameter here.

    An entry resent under the same ``uuid`` with the same content is the stored
    one (not new); under the same ``uuid`` with other content it is an
    ``EntryConflict``.
    """
    unknown = set(content) - set(LambingEntry.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"entry_create() got unknown fields {sorted(unknown)}")
    record = lock_record(record)
    entry = LambingEntry(record=record, date=date, created_by=created_by, **content)
    if uuid is not None:
        entry.uuid = uuid
        stored = LambingEntry.objects.filter(uuid=uuid).first()
        if stored is not None:
            return _same_entry_or_conflict(stored, entry), False
    # The record is the one just locked and the user is the request's: neither
    # is looked up again. The uuid's uniqueness is left to the database's index:
    # a uuid stored since the lookup above is a resend or a conflict, not an
    # invalid entry. The check constraints are the single-row rules clean()
    # checks with their messages; the database holds them too (see
    # ``_refused_by_constraint`` for one it refuses all the same).
    entry.full_clean(
        exclude=["record", "created_by"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            entry.save()
            rollups.changed([record.pk])
    except IntegrityError as error:
        # The same uuid was saved meanwhile by a request holding another record's
        # lock (one for this record waits for our lock and finds ours): the unique
        # index decided between the two, and the stored one is what counts.
        stored = LambingEntry.objects.filter(uuid=entry.uuid).first()
        if stored is None:
            raise _refused_by_constraint(entry, error) from None
        return _same_entry_or_conflict(stored, entry), False
    return entry, True


def _refused_by_constraint(entry: LambingEntry, error: IntegrityError) -> Exception:
    """What to raise when the database refused ``entry`` for a reason other than
    its uuid: the broken check constraint as a validation error with its
    message (a 400), when that is why; else the database's error itself.
    ``clean()`` checks every constraint's rule first, so this is a safety net
    for a rule the database holds and ``clean()`` missed, not a path users take."""
    try:
        entry.validate_constraints(exclude=["uuid"])
    except ValidationError as refused:
        # Not keyed by a field: the rule is the constraint's, across fields.
        return ValidationError(
            [error for errors in refused.error_dict.values() for error in errors]
        )
    return error


def _same_entry_or_conflict(stored: LambingEntry, sent: LambingEntry) -> LambingEntry:
    """The stored entry, when ``sent`` is the same entry sent again; else a conflict."""
    if stored.record_id == sent.record_id and all(
        getattr(stored, field) == getattr(sent, field) for field in LambingEntry.CONTENT_FIELDS
    ):
        return stored
    raise EntryConflict(stored)


def lock_records(records: Iterable[LambingRecord]) -> None:
    """Lock several records until the transaction ends, in the order of their ids.
    A write that needs several records (a bulk of entries) takes them all first,
    in the one order every such write uses: taken as they come, two writes could
    each hold a record the other waits for, and PostgreSQL would break the
    deadlock by failing one of them. ``records`` may be a queryset."""
    ids = (
        records.values("pk")
        if isinstance(records, QuerySet)
        else sorted({record.pk for record in records})
    )
    list(
        LambingRecord.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass
class NewEntry:
    """One entry of ``entries_create``: its record, UUID and content; after the
    call, what became of it (``entry``, ``is_new``) or why it was refused
    (``error``, keyed by field, or ``conflict``: the entry stored under its UUID)."""

    record: LambingRecord
    uuid: uuid_module.UUID
    content: dict
    entry: LambingEntry | None = None
    is_new: bool = False
    error: ValidationError | None = None
    conflict: LambingEntry | None = None


@transaction.atomic
def entries_create(
    *, items: list[NewEntry], created_by: AbstractBaseUser | None = None
) -> list[NewEntry]:
    """``entry_create`` for many entries at once, with the same rules, for imports
    and the API's bulk endpoint: the records are locked together (in the order
    of their ids), an entry resent under its UUID is the stored one (or a
    conflict), and so is a UUID sent twice in ``items``; each entry is validated
    by ``clean()``, each record's running totals are checked once, over its
    stored entries and all its new ones, and each township's approval is looked
    up once, after the locks. The new entries are inserted together, with their
    history, and the records' rollups are made again once.

    Entries that pass are stored even when others are refused: the caller
    decides (the bulk endpoint and imports roll everything back). Whatever
    ``entry_create`` checks or keeps up to date for each entry, this does for
    the batch: keep them in step.
    """
    if not items:
        return items
    records = {
        record.pk: record
        for record in LambingRecord.objects.select_for_update(of=("self",))
        .select_related("season", "herder__village__township")
        .filter(pk__in={item.record.pk for item in items})
        .order_by("pk")
    }
    stored_by_uuid = _stored_by_uuid([item.uuid for item in items])
    locks = approved_through_townships(
        (record.season_id, record.herder.village.township_id) for record in records.values()
    )
    first_by_uuid: dict[uuid_module.UUID, NewEntry] = {}
    repeated: list[tuple[NewEntry, NewEntry]] = []
    new_by_record: dict[int, list[NewEntry]] = defaultdict(list)
    for item in items:
        record = records[item.record.pk]
        entry = LambingEntry(record=record, uuid=item.uuid, created_by=created_by, **item.content)
        stored = stored_by_uuid.get(item.uuid)
        if stored is not None:
            _take_stored(item, stored, entry)
            continue
        if item.uuid in first_by_uuid:  # sent twice: the second is the first resent
            item.entry = entry
            repeated.append((item, first_by_uuid[item.uuid]))
            continue
        first_by_uuid[item.uuid] = item
        entry.locked_through_known = True
        entry.locked_through = locks[record.season_id, record.herder.village.township_id]
        # The record is the locked one, the user the caller's, and the UUIDs were
        # looked up above; the running totals are checked below for the record's
        # entries together; the check constraints are clean()'s rules (see
        # ``_insert_with_history`` for one the database refuses all the same).
        entry.check_running_totals = False
        try:
            entry.full_clean(
                exclude=["record", "created_by", "uuid"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            item.error = error
            continue
        item.entry, item.is_new = entry, True
        new_by_record[record.pk].append(item)

    stored_counts: dict[int, list] = defaultdict(list)
    for counts in LambingEntry.objects.filter(record_id__in=list(new_by_record)).running_counts():
        stored_counts[counts.record_id].append(counts)
    for record_id, new in new_by_record.items():
        _refuse_what_breaks_running_totals(records[record_id], stored_counts[record_id], new)

    _insert_with_history([item for item in items if item.is_new], created_by=created_by)
    rollups.changed(item.entry.record_id for item in items if item.is_new)
    for item, first in repeated:
        if first.error is not None:
            item.error = first.error
        elif first.conflict is not None:
            item.conflict = first.conflict
        else:
            _take_stored(item, first.entry, item.entry)
    return items


def _stored_by_uuid(uuids: list[uuid_module.UUID]) -> dict[uuid_module.UUID, LambingEntry]:
    return {
        entry.uuid: entry
        for entry in LambingEntry.objects.filter(uuid__in=uuids)
        .select_related("created_by")
        .order_by()
    }


def _take_stored(item: NewEntry, stored: LambingEntry, sent: LambingEntry) -> None:
    """``item`` was sent under the UUID of ``stored``: the same entry again, or a conflict."""
    try:
        item.entry, item.is_new = _same_entry_or_conflict(stored, sent), False
    except EntryConflict:
        item.entry, item.is_new, item.conflict = None, False, stored


def _insert_with_history(items: list[NewEntry], *, created_by: AbstractBaseUser | None) -> None:
    """Insert the items' entries with their history rows. A UUID stored meanwhile
    by a write holding another record's lock (one for these records waits for
    ours) makes its item a conflict, and the others are inserted; an entry the
    database refuses for a check constraint is refused with the constraint's
    message, as ``entry_create`` refuses it."""
    while items:
        try:
            with transaction.atomic():
                bulk_insert.insert_with_history(
                    [item.entry for item in items], LambingEntry, user=created_by
                )
            return
        except IntegrityError as error:
            stored_by_uuid = _stored_by_uuid([item.uuid for item in items])
            refused = False
            for item in items:
                stored = stored_by_uuid.get(item.uuid)
                refusal = None if stored else _refused_by_constraint(item.entry, error)
                if stored is not None:
                    _take_stored(item, stored, item.entry)
                elif isinstance(refusal, ValidationError):
                    item.error, item.entry, item.is_new = refusal, None, False
                else:
                    continue
                refused = True
            if not refused:
                raise
            items = [item for item in items if item.is_new and item.error is None]


def _refuse_what_breaks_running_totals(
    record: LambingRecord, stored: list, new: list[NewEntry]
) -> None:
    """Check the record's running totals with its new entries; while a date
    breaks a rule, refuse the last new entry dated on or before it (as the
    admin's entry forms do) and check again, so every entry at fault is named."""
    kept = list(new)
    while kept:
        violation = walk.first_violation(
            ewes_at_start=record.ewes_at_start,
            entries=[*stored, *(item.entry for item in kept)],
            stored=stored,
        )
        if violation is None:
            return
        blamed = next(
            (item for item in reversed(kept) if item.entry.date <= violation.date), kept[0]
        )
        blamed.error = ValidationError(
            {rules.entry_field_for(violation, blamed.entry): violation.error}
        )
        blamed.is_new = False
        blamed.entry = None
        kept.remove(blamed)


@transaction.atomic
def entry_update(
    *, entry: LambingEntry, reason: str, seen_version: int | None = None, **changes
) -> LambingEntry:
    """Correct an entry's counts or date, saying why; the record's running totals
    are checked again with the change in place. Made from a page that showed
    ``seen_version``, it is refused if someone saved a newer one meanwhile."""
    unknown = set(changes) - set(LambingEntry.CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"entry_update() cannot change {sorted(unknown)}")
    if seen_version is not None:
        check_version(entry, seen_version=seen_version)
    require_reason(reason)
    record = lock_record(entry.record)
    # Changes go onto the entry as stored now, held until saved, so that two
    # edits at once are applied one after the other, neither lost.
    entry = LambingEntry.objects.select_for_update().get(pk=entry.pk)
    entry.record = record
    for field, value in changes.items():
        setattr(entry, field, value)
    entry.full_clean()
    entry._change_reason = reason
    entry.save()
    rollups.changed([record.pk])
    return entry


@transaction.atomic
def entry_delete(*, entry: LambingEntry, reason: str, seen_version: int | None = None) -> None:
    """Remove an entry, saying why (it stays in the history), unless the record's
    running totals would break without it (say, the births that later losses
    were counted against). Made from a page that showed ``seen_version``, it is
    refused if someone saved a newer one meanwhile."""
    if seen_version is not None:
        check_version(entry, seen_version=seen_version)
    require_reason(reason)
    record = lock_record(entry.record)
    entry.record = record
    entry.check_not_locked()
    remaining = list(record.entries.exclude(pk=entry.pk).running_counts())
    violation = walk.first_violation(
        ewes_at_start=record.ewes_at_start, entries=remaining, stored=[*remaining, entry]
    )
    if violation:
        raise ValidationError(
            _("This entry cannot be deleted: %(reason)s"),
            code="delete_breaks_totals",
            params={"reason": " ".join(violation.error.messages)},
        )
    entry._change_reason = reason
    entry.delete()
    rollups.changed([record.pk])


def _review_allowed(user: AbstractBaseUser, permission: str, township: Township) -> None:
    """The user holds the role's permission and their places cover the township
    (a village's grant does not: it would sign off its neighbours' counts);
    outside them, the township is as unknown as one that does not exist."""
    if not scoping.within(user, Township.objects.filter(pk=township.pk)).exists():
        raise ValidationError(
            {"township": ValidationError(_("No such township in your places."), code="scope")}
        )
    if not user.has_perm(f"livestock.{permission}"):
        raise ValidationError(
            _("Your role may not do this to a township's counts."), code="permission"
        )


def _review_in_state(review: Review, *states: str, action: str) -> Review:
    """The review as stored now, its row held until the change is saved, if it
    is in one of ``states``; two officials acting at once act one after the other."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.state not in states:
        raise ValidationError(
            _("Cannot %(action)s: the counts are %(state)s."),
            code="review_state",
            params={"state": review.get_state_display(), "action": action},
        )
    return review


def _save_review(review: Review, *, user: AbstractBaseUser, state: str, comment: str) -> Review:
    review.state = state
    review.comment = comment
    review.changed_by = user
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def review_submit(
    *,
    township: Township,
    season: Season,
    as_of: datetime.date,
    user: AbstractBaseUser,
    comment: str = "",
) -> Review:
    """A technician marks the township's counts as of ``as_of`` ready for the
    county's review: the first time, after they were sent back, or reopened."""
    _review_allowed(user, "submit_review", township)
    if as_of > timezone.localdate() or not season.start_date <= as_of <= season.end_date:
        raise ValidationError(
            {
                "as_of": ValidationError(
                    _(
                        "%(value)s is not a date of the season %(season)s up to today; "
                        "counts are submitted for such a date."
                    ),
                    code="review_date",
                    params={"value": as_of, "season": season.name},
                )
            }
        )
    review, created = Review.objects.get_or_create(
        township=township,
        season=season,
        as_of=as_of,
        defaults={"state": ReviewState.SUBMITTED, "comment": comment, "changed_by": user},
    )
    if created:
        return review
    review = _review_in_state(
        review, ReviewState.RETURNED, ReviewState.REOPENED, action=_("submit")
    )
    return _save_review(review, user=user, state=ReviewState.SUBMITTED, comment=comment)


@transaction.atomic
def review_approve(*, review: Review, user: AbstractBaseUser, comment: str = "") -> Review:
    """An official approves submitted counts: the township's totals as of the
    date are stored as approved, and its entries up to that date are locked."""
    _review_allowed(user, "approve_review", review.township)
    review = _review_in_state(review, ReviewState.SUBMITTED, action=_("approve"))
    # Entries are checked against the lock while their record is held: hold the
    # township's records too, so that an entry checked before this approval is
    # in its totals, and one checked after it sees the lock.
    lock_records(selectors.records_within(season=review.season, place=review.township))
    totals = selectors.lambing_totals(
        season=review.season, as_of=review.as_of, place=review.township
    )
    review.approved_totals = dataclasses.asdict(totals)
    review.approved_by = user
    review.approved_at = timezone.now()
    return _save_review(review, user=user, state=ReviewState.APPROVED, comment=comment)


@transaction.atomic
def review_return(*, review: Review, user: AbstractBaseUser, comment: str) -> Review:
    """An official sends submitted counts back, saying what to look at; the
    technician reads the comment in the admin."""
    _review_allowed(user, "approve_review", review.township)
    if not comment or not comment.strip():
        raise ValidationError(
            {
                "comment": ValidationError(
                    _("Say what the technician should look at."), code="comment_required"
                )
            }
        )
    review = _review_in_state(review, ReviewState.SUBMITTED, action=_("send back"))
    return _save_review(review, user=user, state=ReviewState.RETURNED, comment=comment)


@transaction.atomic
def review_reopen(*, review: Review, user: AbstractBaseUser, reason: str) -> Review:
    """A user who may reopen unlocks approved counts for a correction, saying
    why. The approval stays in the review's history with what it approved."""
    _review_allowed(user, "reopen_review", review.township)
    require_reason(reason, kept_in_history=False)  # kept as the review's comment, not cut
    review = _review_in_state(review, ReviewState.APPROVED, action=_("reopen"))
    return _save_review(review, user=user, state=ReviewState.REOPENED, comment=reason)


class UserNotCreated(Exception):
    """A user could not be created; the message says why. Nothing was stored."""


@dataclass(frozen=True)
class CreatedUser:
    user: AbstractBaseUser
    token: str | None


def user_create(
    *, username: str, role: str, places: list[Place], password: str, write: bool = False
) -> CreatedUser:
    """A user with one role's group and a scope grant on each place, all or
    nothing. Technicians and officials work in the admin, so they are staff;
    an integration works through the API with the token made here, and may
    add and change counts only with ``write``."""
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise UserNotCreated(f"The group {role!r} does not exist; run 'manage.py migrate' first.")
    write_permissions = []
    if write:
        write_permissions = list(
            Permission.objects.filter(
                content_type__app_label="livestock", codename__in=roles.WRITE_COUNTS
            )
        )
        if len(write_permissions) != len(roles.WRITE_COUNTS):
            raise UserNotCreated("Some write permissions are missing; run 'manage.py migrate'.")
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=username, password=password, is_staff=role != roles.INTEGRATION
            )
            user.groups.add(group)
            user.user_permissions.add(*write_permissions)
            for place in places:  # one by one, so that each grant is in the history
                ScopeGrant.objects.create(user=user, **{place._meta.model_name: place})
            token = None
            if role == roles.INTEGRATION:
                from rest_framework.authtoken.models import Token

                token = Token.objects.create(user=user).key
    except IntegrityError as error:
        # Another operator created the same username between the caller's check and now.
        raise UserNotCreated(f"Could not create user {username!r}: {error}") from error
    return CreatedUser(user=user, token=token)
