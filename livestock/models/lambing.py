"""Seasons, and each herder's lambing record with its dated entries.

Counts are kept as dated entries that are added, never as totals that are
overwritten: any total as of any date is the sum of the entries dated on or
before it (see ``livestock.selectors``). The rules that keep counts sensible are in
``rules.py``; ``clean()`` below applies them and the database constraints back
the single-row ones.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import audited
from livestock.choices import (
    CheckStage,
    LossCause,
    SeasonKind,
)
from livestock.counting import rules, walk
from livestock.i18n import left_to_right
from livestock.models.fields import ChoiceCodeField, CountField, EntryDateField
from livestock.models.places import Herder, Versioned
from livestock.models.review import approved_through
from livestock.places.names import HIDDEN_CONTROLS, no_direction_controls

# Characters in an entry's note.
NOTE_MAX_LENGTH = 1000


class AtMostHouseholdCount(MaxValueValidator):
    """At most ``rules.MAX_HOUSEHOLD_COUNT``, read each time a value is checked
    (and each time the field app describes the rule): the limit has one
    definition, and changing it there changes every check and description."""

    def __init__(self, message=None):
        if message is not None:
            self.message = message

    @property
    def limit_value(self) -> int:
        return rules.MAX_HOUSEHOLD_COUNT


# Every count of a household: 0 or more, and no more than a household could count.
HOUSEHOLD_COUNT_LIMIT = [
    MinValueValidator(
        0, message=_("%(show_value)s is negative; a count is 0 or more (rule: no negative counts).")
    ),
    AtMostHouseholdCount(
        message=_(
            "%(show_value)s is more than one household could count (rule: at most %(limit_value)s)."
        ),
    ),
]


class Season(models.Model):
    """A lambing season: winter (冬羔, about December to February) or spring (春羔,
    about March to May). Entries must be dated within ``start_date`` and
    ``end_date``, the day the season is expected to be over."""

    kind = models.CharField(_("kind"), max_length=10, choices=SeasonKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("expected end date"))
    on_time_within_days = models.PositiveSmallIntegerField(
        _("counts on time within (days)"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "A count entered within this many days of the date it counts is on time "
            "(reporting timeliness)."
        ),
    )
    history = audited()

    class Meta:
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start_date"], name="season_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="season_ends_after_it_starts",
                violation_error_message=_("A season must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """ "2024–2025 冬羔" for a winter season crossing the new year."""
        span = (
            f"{self.start_date.year}–{self.end_date.year}"
            if self.end_date.year != self.start_date.year
            else f"{self.start_date.year}"
        )
        return f"{left_to_right(span)} {self.get_kind_display()}"


class EntryQuerySet(models.QuerySet):
    def running_counts(self):
        """What a record's walk (``counting.walk.Counted``) reads of these
        entries, with their record's id: tuples in no order (the rules sort by
        date; the model's ordering would join the records' seasons and herders
        to sort by them)."""
        return self.order_by().values_list(
            "record_id", *self.model.RUNNING_TOTAL_FIELDS, named=True
        )


class LambingRecord(Versioned):
    """One herder household's lambing in one season: the ewes it started with and
    the dated entries technicians add as they count."""

    herder = models.ForeignKey(
        Herder, models.PROTECT, related_name="lambing_records", verbose_name=_("herder household")
    )
    season = models.ForeignKey(
        Season, models.PROTECT, related_name="lambing_records", verbose_name=_("season")
    )
    ewes_at_start = CountField(
        _("ewes at the season's start"),
        null=True,
        blank=True,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Breeding ewes over-wintering in the flock; leave empty until counted."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # History is read by the record (``id``) and by date: the copies of the
    # foreign keys' indexes were written with every history row and never read.
    history = audited(no_db_index=["herder", "season"])

    class Meta:
        verbose_name = _("lambing record")
        verbose_name_plural = _("lambing records")
        ordering = ["season", "herder"]
        constraints = [
            models.UniqueConstraint(
                fields=["herder", "season"],
                name="one_record_per_herder_and_season",
                violation_error_message=_("This household already has a record for this season."),
            )
        ]

    # The date through which the counts of the record's township are approved,
    # when a batch has looked it up once for its records (an import, through
    # services.records.record_build); otherwise clean() looks it up.
    locked_through_known = False
    locked_through: datetime.date | None = None

    def __str__(self) -> str:
        return f"{self.herder} · {self.season}"

    def clean(self) -> None:
        """A record stays with its household and season: its entries were
        checked against them, and counted in their places' approved figures.
        Fewer ewes at the start must still cover every ewe already lambed; and
        once any of the season's counts of the herder's township are approved,
        the ewes are part of the approved figures and locked with them: a new
        record may not bring ewes into them any more than a stored one may
        change its own, nor be added on a day whose counts are approved."""
        stored = (
            type(self)
            .objects.filter(pk=self.pk)
            .values("herder_id", "season_id", "ewes_at_start")
            .first()
            if self.pk is not None
            else None
        )
        moved = {
            field: ValidationError(
                _(
                    "A record stays with its household and season; add a record for the "
                    "other one instead."
                ),
                code="record_moved",
            )
            for field in ("herder", "season")
            if stored is not None and stored[f"{field}_id"] != getattr(self, f"{field}_id")
        }
        if moved:
            raise ValidationError(moved)
        stored_ewes = stored["ewes_at_start"] if stored else None
        has_herder = self.herder_id is not None or LambingRecord.herder.is_cached(self)
        new_ewes = stored_ewes != self.ewes_at_start
        if (stored is None or new_ewes) and self.season_id is not None and has_herder:
            locked_through = self._approved_through()
            if stored is None and locked_through is not None:
                # A new record counts from today: a household of its own in the
                # figures of any approval dated today.
                self.check_counted_day_not_locked(timezone.localdate(), locked_through)
            if new_ewes:
                try:
                    rules.check_ewes_not_locked(locked_through=locked_through)
                except ValidationError as error:
                    raise ValidationError({"ewes_at_start": error}) from None
        if self.pk is None or self.ewes_at_start is None:
            return
        entries = list(self.entries.running_counts())
        violation = walk.first_violation(
            ewes_at_start=self.ewes_at_start, entries=entries, stored=entries
        )
        if violation:
            raise ValidationError({"ewes_at_start": violation.error})

    def check_counted_day_not_locked(
        self, day: datetime.date, locked_through: datetime.date | None
    ) -> None:
        """The record counts as a household, with its ewes, from ``day`` (the
        day it is made, or was): neither made nor removed once that day's
        counts of its township are approved (``locked_through``), an error at
        its herder."""
        try:
            rules.check_not_locked(
                value=day,
                locked_through=locked_through,
                place_name=str(self.herder.village.township),
            )
        except ValidationError as error:
            raise ValidationError({"herder": error}) from None

    def _approved_through(self) -> datetime.date | None:
        """``approved_through`` for this record's township; an import's household
        may be new (not saved yet), so it is found through its village. An
        import looks it up once per township (``locked_through``)."""
        if self.locked_through_known:
            return self.locked_through
        herder = self.herder
        if herder.pk is not None:
            return approved_through(season_id=self.season_id, herder_id=herder.pk)
        return approved_through(season_id=self.season_id, township_id=herder.village.township_id)


class LambingEntry(Versioned):
    """What a technician counted for a record on one date. Births and losses are
    the ones since the last entry, so totals are sums; a survival check is a
    count of the lambs alive that day. ``uuid`` is made by the client that sends
    the entry, so that an entry sent twice is stored once."""

    # What a technician enters; an entry sent again must match in all of them.
    CONTENT_FIELDS = (
        "date",
        "ewes_lambed",
        "lambs_born",
        "lambs_lost",
        "loss_cause",
        "lambs_alive",
        "check_stage",
        "note",
    )

    # What a record's walk reads of its other entries (``counting.walk.Counted``).
    RUNNING_TOTAL_FIELDS = tuple(field.name for field in fields(walk.EntryFacts))

    # The date through which the record's counts are approved (locked), when the
    # caller has looked it up once for many entries (the admin's record page);
    # otherwise check_not_locked() looks it up.
    locked_through_known = False
    locked_through: datetime.date | None = None
    # The record's stored entries (``EntryFacts``' fields), when the caller has
    # read them under the record's lock for its own use as well (the rollups:
    # services.entry_create); otherwise clean() reads them.
    stored_entries: list | None = None

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: the (record, date) index below finds a record's
    # entries, in date order (migration 0021 says why).
    record = models.ForeignKey(
        LambingRecord,
        models.PROTECT,
        related_name="entries",
        verbose_name=_("lambing record"),
        db_index=False,
    )
    date = EntryDateField(_("date"))
    ewes_lambed = CountField(
        _("ewes lambed"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Ewes that gave birth since the last entry."),
    )
    lambs_born = CountField(
        _("lambs born"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Lambs born since the last entry."),
    )
    lambs_lost = CountField(
        _("lambs lost"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Lambs that died since the last entry, all of one cause."),
    )
    loss_cause = ChoiceCodeField(
        _("cause of loss"), max_length=20, choices=LossCause.choices, blank=True
    )
    lambs_alive = CountField(
        _("lambs alive"),
        null=True,
        blank=True,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Live lambs counted at a survival check; empty if no check was made."),
    )
    check_stage = ChoiceCodeField(
        _("survival check"), max_length=10, choices=CheckStage.choices, blank=True
    )
    # Bounded by a validator, not the column's type (no table rewrite): a note is a
    # technician's remark, and an unbounded one was a way to fill the database.
    note = models.TextField(
        _("note"),
        blank=True,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH), no_direction_controls],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # History is read by the entry (``id``), its record and by date: the
    # copies of the UUID's and the creator's indexes (a UUID's a write to a
    # random page of its index) were written with every history row and never read.
    history = audited(no_db_index=["uuid", "created_by"])

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("lambing entry")
        verbose_name_plural = _("lambing entries")
        ordering = ["record", "date", "pk"]
        indexes = [models.Index(fields=["record", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lambs_lost=0, loss_cause="") | Q(lambs_lost__gt=0) & ~Q(loss_cause=""),
                name="loss_has_a_cause",
                violation_error_message=_("Lambs lost need a cause, and a cause needs lambs lost."),
            ),
            models.CheckConstraint(
                condition=Q(lambs_alive__isnull=True, check_stage="")
                | Q(lambs_alive__isnull=False) & ~Q(check_stage=""),
                name="survival_check_has_a_stage",
                violation_error_message=_(
                    "Lambs alive need the survival check's stage, and a stage needs lambs alive."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} · {self.date}"

    def clean(self) -> None:
        """Apply the rules of ``rules.py``; each error is keyed to its field."""
        errors = self._pairing_errors()
        counts = (self.ewes_lambed, self.lambs_born, self.lambs_lost)
        counts_are_whole = all(
            isinstance(count, int) and 0 <= count <= rules.MAX_HOUSEHOLD_COUNT
            for count in (*counts, 0 if self.lambs_alive is None else self.lambs_alive)
        )
        if (
            self.record_id is None
            or not isinstance(self.date, datetime.date)
            or not counts_are_whole
        ):
            # A missing or malformed field already has its own error; the rules
            # across entries can only be checked once the entry itself is whole.
            if errors:
                raise ValidationError(errors)
            return
        stored = (
            type(self).objects.filter(pk=self.pk).values("record_id", *self.CONTENT_FIELDS).first()
            if self.pk is not None
            else None
        )
        if stored is not None:
            stored_record_id = stored["record_id"]
            if stored_record_id not in (None, self.record_id):
                errors["record"] = ValidationError(
                    _("An entry cannot move to another record; delete it and add a new one."),
                    code="record_changed",
                )
        season = self.record.season
        self._date_error(
            errors,
            season_start=season.start_date,
            season_end=season.end_date,
            season_name=lambda: season.name,
            today=timezone.localdate(),
        )
        unchanged = stored is not None and all(
            stored[field] == getattr(self, field) for field in self.CONTENT_FIELDS
        )
        if "date" not in errors and not unchanged:
            try:
                self.check_not_locked(stored_date=stored["date"] if stored else None)
            except ValidationError as error:
                errors["date"] = error
        if not errors:
            if self.stored_entries is not None and self.pk is None:
                others = self.stored_entries
            else:
                others = list(
                    (
                        self.record.entries.exclude(pk=self.pk)
                        if self.pk
                        else self.record.entries.all()
                    ).running_counts()
                )
            before = others
            if stored is not None:
                before = [
                    *others,
                    walk.EntryFacts(date=stored["date"], lambs_alive=stored["lambs_alive"]),
                ]
            violation = walk.first_violation(
                ewes_at_start=self.record.ewes_at_start, entries=[*others, self], stored=before
            )
            if violation:
                errors[rules.entry_field_for(violation, self)] = violation.error
        if errors:
            raise ValidationError(errors)

    def clean_new(
        self,
        *,
        season_start: datetime.date,
        season_end: datetime.date,
        season_name: Callable[[], str],
        locked_through: datetime.date | None,
        place_name: Callable[[], str],
        today: datetime.date,
    ) -> None:
        """What ``full_clean()`` checks of a new entry but its record, user and
        uuid (looked up already), its uniqueness, its constraints (``clean()``'s
        rules) and its running totals (checked for a record's new entries
        together): for a batch (``services.entries.entries_create``), which has read its
        records' seasons and approvals once, without the queries and instances
        ``full_clean()`` makes for each entry. The rules are ``clean()``'s; a
        content field's value is checked quickly when it is plainly valid and
        by the field's own ``clean()`` otherwise, for its message. The names
        of the season and the township are made only for a message; ``today``
        is the batch's (``timezone.localdate()``, read once)."""
        field_errors = {}
        for name, plainly_valid in _PLAINLY_VALID.items():
            value = getattr(self, name)
            if not plainly_valid(value):
                field = self._meta.get_field(name)
                try:
                    setattr(self, field.attname, field.clean(value, self))
                except ValidationError as error:
                    field_errors[name] = error.error_list
        if field_errors:
            # As full_clean() says them: the fields' errors, then clean()'s
            # rules that need no whole value.
            for name, error in self._pairing_errors().items():
                field_errors.setdefault(name, []).extend(error.error_list)
            raise ValidationError(field_errors)
        errors = self._pairing_errors()
        self._date_error(
            errors,
            season_start=season_start,
            season_end=season_end,
            season_name=season_name,
            today=today,
        )
        if "date" not in errors and locked_through is not None:
            try:
                rules.check_not_locked(
                    value=self.date, locked_through=locked_through, place_name=place_name()
                )
            except ValidationError as error:
                errors["date"] = error
        if errors:
            raise ValidationError(errors)

    def _date_error(
        self,
        errors: dict,
        *,
        season_start: datetime.date,
        season_end: datetime.date,
        season_name: Callable[[], str],
        today: datetime.date,
    ) -> None:
        """The date rule (``rules.check_entry_date``) into ``errors``; the
        season's name is made only for a message, and made again in each language the
        message is written in (lazy): made once, a field page's "first · beside" named
        the season in the page's first language in both halves (its Kazakh name inside
        the Chinese), as did the API's messages asked for in two languages."""
        if self.date > today or not season_start <= self.date <= season_end:
            try:
                rules.check_entry_date(
                    value=self.date,
                    season_start=season_start,
                    season_end=season_end,
                    season_name=lazy(season_name, str)(),
                    today=today,
                )
            except ValidationError as error:
                errors["date"] = error

    def _pairing_errors(self) -> dict[str, ValidationError]:
        """A loss and its cause, a survival check and its stage: each needs the other."""
        errors: dict[str, ValidationError] = {}
        if self.lambs_lost and not self.loss_cause:
            errors["loss_cause"] = ValidationError(
                _("%(value)s lambs lost need a cause (rule: every loss has a cause)."),
                code="loss_without_cause",
                params={"value": self.lambs_lost},
            )
        if self.loss_cause and not self.lambs_lost:
            errors["lambs_lost"] = ValidationError(
                _("A cause of loss was given but no lambs lost (rule: a cause needs losses)."),
                code="cause_without_loss",
            )
        if self.lambs_alive is not None and not self.check_stage:
            errors["check_stage"] = ValidationError(
                _(
                    "%(value)s lambs alive need the stage of the survival check "
                    "(rule: a survival check has a stage)."
                ),
                code="alive_without_stage",
                params={"value": self.lambs_alive},
            )
        if self.check_stage and self.lambs_alive is None:
            stages = dict(self._meta.get_field("check_stage").flatchoices)
            errors["lambs_alive"] = ValidationError(
                _(
                    "A survival check (%(value)s) needs the number of lambs alive "
                    "(rule: a stage needs lambs alive)."
                ),
                code="stage_without_alive",
                params={"value": stages.get(self.check_stage, self.check_stage)},
            )
        return errors

    def check_not_locked(self, *, stored_date: datetime.date | None = None) -> None:
        """Refuse to add, change or delete this entry when its date (or the date
        it is stored under, for a change) is on or before a date whose counts of
        its township are approved. The one place every surface reaches for the
        lock: ``clean()`` (services, for every surface), ``services.entries.entry_delete``
        for deletions, and the admin's record page to show an entry as locked."""
        record = self.record
        locked_through = (
            self.locked_through
            if self.locked_through_known
            else approved_through(season_id=record.season_id, herder_id=record.herder_id)
        )
        if locked_through is None:
            return
        dates = [self.date] if stored_date is None else [self.date, stored_date]
        for value in sorted(dates):
            rules.check_not_locked(
                value=value,
                locked_through=locked_through,
                place_name=str(record.herder.village.township),
            )


def _a_count(value) -> bool:
    return type(value) is int and 0 <= value <= rules.MAX_HOUSEHOLD_COUNT


def _one_of(choices) -> Callable[[object], bool]:
    allowed = frozenset(["", *choices.values])
    return lambda value: type(value) is str and value in allowed


# ``LambingEntry.clean_new``: per content field, a value its field's ``clean()``
# plainly accepts (the field's type; a count within ``HOUSEHOLD_COUNT_LIMIT``; a
# choice or blank; a note within its length, of no direction control). Any other
# value goes through the field's ``clean()``, which says what is wrong with it.
# (``tests/test_models.py`` holds each to its field.)
_PLAINLY_VALID: dict[str, Callable[[object], bool]] = {
    "date": lambda value: type(value) is datetime.date,
    "ewes_lambed": _a_count,
    "lambs_born": _a_count,
    "lambs_lost": _a_count,
    "loss_cause": _one_of(LossCause),
    "lambs_alive": lambda value: value is None or _a_count(value),
    "check_stage": _one_of(CheckStage),
    "note": lambda value: (
        type(value) is str
        and len(value) <= NOTE_MAX_LENGTH
        and HIDDEN_CONTROLS.search(value) is None
    ),
}
