"""Places, seasons, lambing records with their dated entries, and reported figures.

Counts are kept as dated entries that are added, never as totals that are
overwritten: any total as of any date is the sum of the entries dated on or
before it (see ``selectors.py``). The rules that keep counts sensible are in
``rules.py``; ``clean()`` below applies them and the database constraints back
the single-row ones.
"""

import datetime
import operator
import uuid
from functools import reduce

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from livestock import rules
from livestock.choices import (
    METRIC_UNITS,
    CheckStage,
    LossCause,
    Metric,
    Qualifier,
    SeasonKind,
    Unit,
)

# Every count of a household: 0 or more, and no more than a household could count.
HOUSEHOLD_COUNT_LIMIT = [
    MinValueValidator(
        0, message=_("%(show_value)s is negative; a count is 0 or more (rule: no negative counts).")
    ),
    MaxValueValidator(
        rules.MAX_HOUSEHOLD_COUNT,
        message=_(
            "%(show_value)s is more than one household could count (rule: at most %(limit_value)s)."
        ),
    ),
]


class Place(models.Model):
    """A named place. The Chinese name is kept exactly as written (Kazakh names
    with their middle dot); the Latin transliteration sits beside it.

    ``herder_path`` is the lookup from a herder up to this level, so that any
    query "within this place" is written the same way at every level.
    """

    herder_path: str = ""

    name = models.CharField(_("name"), max_length=100)
    name_latin = models.CharField(_("Latin name"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.name_latin}"


class Versioned(models.Model):
    """An object people edit at the same time. ``version`` goes up by one on
    every save, so an edit made from an older version can be refused instead
    of silently overwriting the newer one (``services.check_version``). It is
    counted here, in ``save()``, so that no surface can forget it."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)


class Prefecture(Place):
    """A prefecture (地区), such as Altay."""

    herder_path = "village__township__county__prefecture"

    class Meta(Place.Meta):
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")
        constraints = [models.UniqueConstraint(fields=["name"], name="prefecture_name_unique")]


class County(Place):
    """A county or county-level city (县 / 市)."""

    herder_path = "village__township__county"

    prefecture = models.ForeignKey(
        Prefecture, models.PROTECT, related_name="counties", verbose_name=_("prefecture")
    )

    class Meta(Place.Meta):
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(fields=["prefecture", "name"], name="county_name_unique")
        ]


class Township(Place):
    """A township or town (乡 / 镇)."""

    herder_path = "village__township"

    county = models.ForeignKey(
        County, models.PROTECT, related_name="townships", verbose_name=_("county")
    )

    class Meta(Place.Meta):
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_name_unique")
        ]


class Village(Place):
    """A village (村)."""

    herder_path = "village"

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="villages", verbose_name=_("township")
    )

    class Meta(Place.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_name_unique")
        ]


class Herder(Versioned, Place):
    """A herder household (牧民 / 养殖户), named after its head. Two households of
    one village may share a name, so the name is not unique."""

    herder_path = "pk"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="herders", verbose_name=_("village")
    )
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("herder household")
        verbose_name_plural = _("herder households")
        indexes = [models.Index(fields=["village", "name"])]


class Season(models.Model):
    """A lambing season: winter (冬羔, about December to February) or spring (春羔,
    about March to May). Entries must be dated within ``start_date`` and
    ``end_date``, the day the season is expected to be over."""

    kind = models.CharField(_("kind"), max_length=10, choices=SeasonKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("expected end date"))

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
        return f"{span} {self.get_kind_display()}"


class LambingRecord(Versioned):
    """One herder household's lambing in one season: the ewes it started with and
    the dated entries technicians add as they count."""

    herder = models.ForeignKey(
        Herder, models.PROTECT, related_name="lambing_records", verbose_name=_("herder household")
    )
    season = models.ForeignKey(
        Season, models.PROTECT, related_name="lambing_records", verbose_name=_("season")
    )
    ewes_at_start = models.PositiveIntegerField(
        _("ewes at the season's start"),
        null=True,
        blank=True,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Breeding ewes over-wintering in the flock; leave empty until counted."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

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

    def __str__(self) -> str:
        return f"{self.herder} · {self.season}"

    def clean(self) -> None:
        """Fewer ewes at the start must still cover every ewe already lambed."""
        if self.pk is None or self.ewes_at_start is None:
            return
        violation = rules.first_running_total_violation(
            ewes_at_start=self.ewes_at_start, entries=self.entries.all()
        )
        if violation:
            raise ValidationError({"ewes_at_start": violation.error})


class LambingEntry(Versioned):
    """What a technician counted for a record on one date. Births and losses are
    the ones since the last entry, so totals are sums; a survival check is a
    count of the lambs alive that day. ``uuid`` is made by the client that sends
    the entry, so that an entry sent twice is stored once."""

    # clean() checks the record's running totals with this entry among the
    # stored ones. A form that saves several entries of one record at once
    # turns this off and checks them all together (admin.EntryFormSet).
    check_running_totals = True

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(
        LambingRecord, models.PROTECT, related_name="entries", verbose_name=_("lambing record")
    )
    date = models.DateField(_("date"))
    ewes_lambed = models.PositiveIntegerField(
        _("ewes lambed"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Ewes that gave birth since the last entry."),
    )
    lambs_born = models.PositiveIntegerField(
        _("lambs born"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Lambs born since the last entry."),
    )
    lambs_lost = models.PositiveIntegerField(
        _("lambs lost"),
        default=0,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Lambs that died since the last entry, all of one cause."),
    )
    loss_cause = models.CharField(
        _("cause of loss"), max_length=20, choices=LossCause.choices, blank=True
    )
    lambs_alive = models.PositiveIntegerField(
        _("lambs alive"),
        null=True,
        blank=True,
        validators=HOUSEHOLD_COUNT_LIMIT,
        help_text=_("Live lambs counted at a survival check; empty if no check was made."),
    )
    check_stage = models.CharField(
        _("survival check"), max_length=10, choices=CheckStage.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

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
                _("%(value)s lambs alive need the stage of the survival check."),
                code="alive_without_stage",
                params={"value": self.lambs_alive},
            )
        if self.check_stage and self.lambs_alive is None:
            errors["lambs_alive"] = ValidationError(
                _("A survival check needs the number of lambs alive."),
                code="stage_without_alive",
            )
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
        if self.pk is not None:
            stored_record_id = (
                type(self).objects.filter(pk=self.pk).values_list("record_id", flat=True).first()
            )
            if stored_record_id not in (None, self.record_id):
                errors["record"] = ValidationError(
                    _("An entry cannot move to another record; delete it and add a new one."),
                    code="record_changed",
                )
        season = self.record.season
        try:
            rules.check_entry_date(
                value=self.date,
                season_start=season.start_date,
                season_end=season.end_date,
                season_name=season.name,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            errors["date"] = error
        if not errors and self.check_running_totals:
            others = (
                self.record.entries.exclude(pk=self.pk) if self.pk else self.record.entries.all()
            )
            violation = rules.first_running_total_violation(
                ewes_at_start=self.record.ewes_at_start, entries=[*others, self]
            )
            if violation:
                errors[rules.entry_field_for(violation, self)] = violation.error
        if errors:
            raise ValidationError(errors)


class Report(models.Model):
    """A published report that figures are taken from: a newspaper article, a
    bureau's bulletin. ``published_on`` may be unknown when the source gives
    only a month; ``published_note`` says what it does give."""

    slug = models.SlugField(_("key"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    authors = models.CharField(_("authors"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_note = models.CharField(_("publication date as given"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("File or address."))

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ReportedFigure(models.Model):
    """A number as a report states it, with its qualifier (多, 余, 左右) and the
    sentence it came from. It is never added into recorded totals: a county's
    reported figure and the sum of its herders' records are shown side by side.

    The place is the most specific one given; the levels above it are filled in
    too, so that "figures within this county" is one filter."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    report = models.ForeignKey(
        Report, models.PROTECT, related_name="figures", verbose_name=_("report")
    )
    prefecture = models.ForeignKey(
        Prefecture, models.PROTECT, related_name="+", verbose_name=_("prefecture")
    )
    county = models.ForeignKey(
        County,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        verbose_name=_("county"),
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        verbose_name=_("village"),
    )
    herder = models.ForeignKey(
        Herder,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        verbose_name=_("herder household"),
    )
    season = models.ForeignKey(
        Season,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_figures",
        verbose_name=_("season"),
    )
    as_of = models.DateField(_("as of"))
    as_of_note = models.CharField(
        _("date as given"),
        max_length=200,
        blank=True,
        help_text=_("What the report says of the date, where it gives no exact day."),
    )
    metric = models.CharField(_("what it counts"), max_length=30, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    qualifier = models.CharField(_("qualifier"), max_length=10, choices=Qualifier.choices)
    quote = models.TextField(_("quote"), help_text=_("The sentence the figure was taken from."))

    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        ordering = ["as_of", "key"]
        indexes = [models.Index(fields=["county", "metric", "as_of"])]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="reported_value_not_negative"),
            models.CheckConstraint(
                condition=Q(herder__isnull=True) | Q(village__isnull=False),
                name="herder_figure_has_village",
            ),
            models.CheckConstraint(
                condition=Q(village__isnull=True) | Q(township__isnull=False),
                name="village_figure_has_township",
            ),
            models.CheckConstraint(
                condition=Q(township__isnull=True) | Q(county__isnull=False),
                name="township_figure_has_county",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.get_metric_display()} {self.value}"

    @property
    def place(self) -> Place:
        return self.herder or self.village or self.township or self.county or self.prefecture

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self.metric]

    @property
    def value_text(self) -> str:
        """The value as written: 150, not 150.00 or 1.5E+2."""
        return f"{self.value.normalize():f}"

    def get_unit_display(self) -> str:
        return Unit(self.unit).label

    def clean(self) -> None:
        """The levels above the place must be the place's own."""
        chain = [
            ("herder", "village"),
            ("village", "township"),
            ("township", "county"),
            ("county", "prefecture"),
        ]
        for child, parent in chain:
            child_place = getattr(self, child)
            if child_place is not None and getattr(child_place, f"{parent}_id") != getattr(
                self, f"{parent}_id"
            ):
                raise ValidationError(
                    {
                        parent: ValidationError(
                            _("%(child)s does not lie within the %(level)s given."),
                            code="place_mismatch",
                            params={
                                "child": child_place,
                                "level": self._meta.get_field(parent).verbose_name,
                            },
                        )
                    }
                )


SCOPE_LEVELS = ("prefecture", "county", "township", "village")


def _exactly_one_of(names: tuple[str, ...]) -> Q:
    return reduce(
        operator.or_,
        (Q(**{f"{name}__isnull": name != chosen for name in names}) for chosen in names),
    )


class ScopeGrant(models.Model):
    """One place a user may work in: a prefecture, county, township or village.
    A user's scope is the set of their grants; with none they see nothing.
    What they may do there is their role's (groups and permissions);
    ``scoping.py`` answers where."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="scope_grants",
        verbose_name=_("user"),
    )
    prefecture = models.ForeignKey(
        Prefecture,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prefecture"),
    )
    county = models.ForeignKey(
        County, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("county")
    )
    township = models.ForeignKey(
        Township,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    village = models.ForeignKey(
        Village,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )

    class Meta:
        verbose_name = _("scope grant")
        verbose_name_plural = _("scope grants")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_of(SCOPE_LEVELS),
                name="scope_grant_names_one_place",
                violation_error_message=_("A scope grant names exactly one place."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"

    @property
    def place(self) -> Place:
        return self.village or self.township or self.county or self.prefecture
