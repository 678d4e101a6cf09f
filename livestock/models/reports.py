"""Reports and the figures taken from them, kept as reported."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import audited
from livestock.choices import (
    METRIC_UNITS,
    Metric,
    Qualifier,
    Unit,
)
from livestock.models.lambing import Season
from livestock.models.places import County, Herder, Place, Prefecture, Township, Village


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
    history = audited()

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
    history = audited()

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
        return f"{self.place} · {self.get_metric_display()} {self.value_text}"

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

    @property
    def number(self) -> int | Decimal:
        """The value as a file or a division holds it: a whole value as a whole
        number (50, not the stored 50.00; every count of head, households or
        enterprises is whole), any other without trailing zeros (1.5)."""
        if self.value == self.value.to_integral_value():
            return int(self.value)
        return self.value.normalize()

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
