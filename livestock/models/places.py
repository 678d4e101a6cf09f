"""Where herders live: prefecture, county, township, village, and the herder
household itself, and the ladder they form (``LADDER``); and ``Versioned``,
for objects people edit at the same time."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import audited
from livestock.choices import ReviewState
from livestock.places.names import LookalikeKeyField, NameField


class Place(models.Model):
    """A named place. The Chinese name is kept exactly as written (Kazakh names
    with their middle dot); the Latin transliteration sits beside it.

    ``herder_path`` is the lookup from a herder up to this level, so that any
    query "within this place" is written the same way at every level.
    """

    herder_path: str = ""
    # The field naming the place above; moving a place moves its records'
    # counts in the daily rollups (``services.places.place_update``).
    parent_field: str = ""

    name = NameField(_("name"), max_length=100)
    name_latin = NameField(_("Latin name"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.name_latin}"

    def moved_from(self) -> int | None:
        """The id of the place above this one as stored, when this place is
        stored and now names another (it is moving there); else None."""
        if not self.parent_field or self._state.adding or self.pk is None:
            return None
        parent_id = f"{self.parent_field}_id"
        stored = (
            type(self)._default_manager.filter(pk=self.pk).values_list(parent_id, flat=True).first()
        )
        return None if stored in (None, getattr(self, parent_id)) else stored


class Versioned(models.Model):
    """An object people edit at the same time. ``version`` goes up by one on
    every save, so an edit made from an older version can be refused instead
    of silently overwriting the newer one (``services.guards.check_version``). It is
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

    history = audited()

    class Meta(Place.Meta):
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")
        constraints = [models.UniqueConstraint(fields=["name"], name="prefecture_name_unique")]


class County(Place):
    """A county or county-level city (县 / 市)."""

    herder_path = "village__township__county"
    parent_field = "prefecture"

    prefecture = models.ForeignKey(
        Prefecture, models.PROTECT, related_name="counties", verbose_name=_("prefecture")
    )
    history = audited()

    class Meta(Place.Meta):
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [
            models.UniqueConstraint(fields=["prefecture", "name"], name="county_name_unique")
        ]


class Township(Place):
    """A township or town (乡 / 镇)."""

    herder_path = "village__township"
    parent_field = "county"

    county = models.ForeignKey(
        County, models.PROTECT, related_name="townships", verbose_name=_("county")
    )
    history = audited()

    class Meta(Place.Meta):
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="township_name_unique")
        ]


class Village(Place):
    """A village (村)."""

    herder_path = "village"
    parent_field = "township"

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    history = audited()

    class Meta(Place.Meta):
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_name_unique")
        ]

    def clean(self) -> None:
        """A village whose households are in a township's approved counts cannot
        move to another township, as none of its households can on its own."""
        stored_township = self.moved_from()
        if stored_township is None or self.township_id is None:
            return
        check_move_keeps_approvals(
            self,
            field="township",
            townships={stored_township, self.township_id},
            herders={"herder__village": self.pk},
        )


class Herder(Versioned, Place):
    """A herder household (牧民 / 养殖户), named after its head. Two households of
    one village may share a name, so the name is not unique. Most herders of
    Altay are Kazakh: beside the Chinese and Latin names, the name as the family
    writes it in Kazakh, for those who read Kazakh and to be found by it."""

    herder_path = "pk"
    parent_field = "village"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="herders", verbose_name=_("village")
    )
    name_kazakh = NameField(
        _("Kazakh name"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("As the family writes it: in the Arabic script, or in Cyrillic. Optional."),
    )
    # How each name looks (``places/names.py``): an import finds by them the
    # households of a village whose name looks like a new household's.
    name_key = LookalikeKeyField(of="name")
    name_latin_key = LookalikeKeyField(of="name_latin")
    name_kazakh_key = LookalikeKeyField(of="name_kazakh")
    # History is read by the household (``id``) and by date, never by village;
    # the keys are the names' own, and kept with them.
    history = audited(
        no_db_index=["village"], excluded_fields=["name_key", "name_latin_key", "name_kazakh_key"]
    )

    class Meta(Place.Meta):
        verbose_name = _("herder household")
        verbose_name_plural = _("herder households")
        indexes = [models.Index(fields=["village", "name"])]

    def clean(self) -> None:
        """A household whose counts are in a township's approved counts cannot
        move out of it (or into another township with approved counts): the
        approved figures would change. Reopening comes first."""
        stored_village = self.moved_from()
        if stored_village is None or self.village_id is None:
            return
        townships = set(
            Village.objects.filter(pk__in=[stored_village, self.village_id]).values_list(
                "township_id", flat=True
            )
        )
        check_move_keeps_approvals(
            self, field="village", townships=townships, herders={"herder": self.pk}
        )


@dataclass(frozen=True)
class Level:
    """One rung of the place ladder, prefecture → county → township → village →
    herder household: the one table every layer derives its own from (scoping's
    paths, the rollups' place columns and levels, the summaries' drill-down,
    the forms' and the report data's place kinds, ``add_user``'s names)."""

    depth: int  # 0 for the prefecture; also the level of its daily rollup rows
    model: type[Place]
    name: str  # the model's name: the column of a scope grant, rollup row or figure
    parent_field: str | None  # the field naming the place above
    children: str | None  # the related name of the places below
    herder_path: str  # the lookup from a herder household up to a place of this level

    @property
    def parent(self) -> "Level | None":
        return LADDER[self.depth - 1] if self.depth else None

    @property
    def child(self) -> "Level | None":
        return LADDER[self.depth + 1] if self.depth + 1 < len(LADDER) else None

    def path_to(self, other: "Level") -> str:
        """The lookup from a place of this level to its place of ``other``'s level:
        up through parents, or down through children (``pk`` for itself)."""
        if other.depth == self.depth:
            return "pk"
        if other.depth < self.depth:
            return "__".join(
                LADDER[depth].parent_field for depth in range(self.depth, other.depth, -1)
            )
        return "__".join(LADDER[depth].children for depth in range(self.depth, other.depth))


def _ladder(*models: type[Place]) -> tuple[Level, ...]:
    return tuple(
        Level(
            depth=depth,
            model=model,
            name=model._meta.model_name,
            parent_field=model.parent_field or None,
            children=(
                below._meta.get_field(below.parent_field).remote_field.related_name
                if (below := (models[depth + 1] if depth + 1 < len(models) else None))
                else None
            ),
            herder_path=model.herder_path,
        )
        for depth, model in enumerate(models)
    )


LADDER = _ladder(Prefecture, County, Township, Village, Herder)
LEVEL_OF: dict[type[Place], Level] = {level.model: level for level in LADDER}
LEVEL_NAMED: dict[str, Level] = {level.name: level for level in LADDER}
# The levels a user may be granted (a scope grant names a place of one of them).
GRANT_LADDER = LADDER[:-1]


def villages_within(place: Place) -> "models.QuerySet[Village]":
    """The villages of a prefecture, county or township (a village: itself),
    by the ladder's lookup from a village up to ``place``'s level."""
    lookup = LEVEL_OF[Village].path_to(LEVEL_OF[type(place)])
    return Village.objects.filter(**{lookup: place.pk})


def check_move_keeps_approvals(
    place: Place, *, field: str, townships: set[int], herders: dict[str, int]
) -> None:
    """Refuse moving ``place`` (a household, or a village with its households)
    from one township to another while either township's counts of a season in
    which these households were recorded are approved: the approved figures
    would change. Within one township they stay as they are."""
    if len(townships) < 2:
        return
    # Read from the townships' side (``Township.reviews``), in one filter so
    # that every condition holds of the same review: the models of reviews
    # hang below places, and places import nothing of them.
    lookup = {f"reviews__season__lambing_records__{name}": value for name, value in herders.items()}
    township = (
        Township.objects.filter(pk__in=townships, reviews__state=ReviewState.APPROVED, **lookup)
        .annotate(locked=Max("reviews__as_of"))
        .order_by("-locked")
        .first()
    )
    if township is not None:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "%(place)s cannot move: the counts of %(township)s up to %(locked)s are "
                        "approved and would change. Ask an official who may reopen them "
                        "(rule: approved counts are locked)."
                    ),
                    code="locked_date",
                    params={"place": place, "township": township, "locked": township.locked},
                )
            }
        )
