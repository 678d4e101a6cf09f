"""Households and places: added, renamed, moved under another place (their
records' daily rollups move with them)."""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from livestock import i18n
from livestock.audit import bulk_insert
from livestock.counting import rollups
from livestock.models import Herder, Place, Village
from livestock.places.lookalikes import Resemblance, resemblance
from livestock.places.names import lookalike_key
from livestock.services.guards import check_version, only_fields

LOOKALIKE_NAME = "lookalike_name"  # the code of the refusal, for the forms that offer to confirm


@transaction.atomic
def herder_create(
    *,
    village: Village,
    name: str,
    name_latin: str,
    name_kazakh: str = "",
    confirm_distinct: bool = False,
) -> Herder:
    """A new household. Its Latin name may be left empty: a technician meeting a
    household at a pasture (the field app) adds it before anyone has written its
    transliteration; the API's and the admin's forms still ask for one. Refused
    when its name looks like one of its village's households' unless the user
    confirms it is another household (``check_not_lookalike``)."""
    herder = Herder(village=village, name=name, name_latin=name_latin, name_kazakh=name_kazakh)
    herder.full_clean(exclude=[] if name_latin else ["name_latin"])
    check_not_lookalike(village=village, name=herder.name, confirm_distinct=confirm_distinct)
    herder.save()
    return herder


def herder_lookalike(
    *, village: Village, name: str, herder: Herder | None = None
) -> Resemblance | None:
    """The household of ``village`` whose name (Chinese, Latin or Kazakh) looks
    like ``name`` (``lookalike_key``, by the keys stored beside the names), the
    first added; None when none does. ``herder``, the household being renamed
    or moved, is not among them: a household is never its own look-alike."""
    key = lookalike_key(name)
    if not key:
        return None
    households = (
        Herder.objects.filter(village=village)
        .filter(Q(name_key=key) | Q(name_latin_key=key) | Q(name_kazakh_key=key))
        .only("pk", "name", "name_latin", "name_kazakh")
        .order_by("pk")
    )
    if herder is not None:
        households = households.exclude(pk=herder.pk)
    return resemblance(name, households)


def check_not_lookalike(
    *,
    village: Village,
    name: str,
    confirm_distinct: bool,
    herder: Herder | None = None,
    confirmable: bool = True,
) -> None:
    """Refuse a household named ``name`` in ``village`` (a new one, or
    ``herder`` renamed or moved there) whose name looks like a household's of
    the village (a Cyrillic а for a Latin a, a full-width letter, an invisible
    character, a space around the middle dot, or the very same name): a name
    misspelt on a phone became a second household, and the season's counts were
    split between the two; a household renamed so became one that every later
    count, file and search took for the other. ``herder`` itself is never its
    own look-alike (马 renamed 馬). In the field a technician may truly meet two
    households with names that near, so the refusal names the household and the
    characters that differ, and the user may confirm it is another
    (``confirm_distinct``); where they cannot (``confirmable`` False: a file's
    row), the refusal says where they can. In the page's two languages (Chinese
    with English beside it), as the admin, the API, the field app and an import
    each show it."""
    if confirm_distinct:
        return
    found = herder_lookalike(village=village, name=name, herder=herder)
    if found is None:
        return
    if confirmable:
        message = gettext_noop(
            "looks like the name of the household %(household)s (id %(id)s) of this village; "
            "they differ in: %(differences)s. If it truly is another household, tick "
            "“This is another household” (in the API: confirm_distinct: true) and "
            "save it again."
        )
    else:
        message = gettext_noop(
            "looks like the name of the household %(household)s (id %(id)s) of this village; "
            "they differ in: %(differences)s. A file cannot confirm that it is another "
            "household: if it truly is, rename it in the admin, ticking “This is another "
            "household” (in the API: confirm_distinct: true)."
        )
    refusal = i18n.in_both(
        message,
        household=found.label,
        id=found.household.pk,
        differences=found.differences,
    )
    raise ValidationError({"name": ValidationError(refusal, code=LOOKALIKE_NAME)})


def herder_build(*, village: Village, name: str, name_latin: str, name_kazakh: str = "") -> Herder:
    """A new household, validated as ``herder_create`` validates it, not yet
    saved: an import saves its new households together (``herders_create``).
    ``village`` is one read from the database, so its existence is not asked again."""
    herder = Herder(village=village, name=name, name_latin=name_latin, name_kazakh=name_kazakh)
    herder.full_clean(exclude=["village"])
    return herder


@transaction.atomic
def herders_create(*, herders: list[Herder], user: AbstractBaseUser | None = None) -> list[Herder]:
    """Save households made by ``herder_build``, with their history (by COPY on
    PostgreSQL: ``bulk_insert``)."""
    return bulk_insert.insert_with_history(herders, Herder, user=user)


@transaction.atomic
def herder_update(
    herder: Herder,
    *,
    seen_version: int | None = None,
    confirm_distinct: bool = False,
    confirmable: bool = True,
    **changes,
) -> Herder:
    """Rename a household or move it to another village; made from a page that
    showed ``seen_version``, refused if someone saved a newer one meanwhile.
    A new name, or a new village, is refused when the name looks like one of the
    village's other households' unless the user confirms it is another
    (``check_not_lookalike``); a name and village kept as they were are not
    asked again (two households confirmed distinct keep their names)."""
    only_fields(
        "herder_update", changes, {"village", "name", "name_latin", "name_kazakh"}, verb="change"
    )
    if seen_version is not None:
        check_version(herder, seen_version=seen_version)
    held = Herder.objects.select_for_update().get(pk=herder.pk)
    named = (held.village_id, held.name)

    def check(renamed: Herder) -> None:
        if (renamed.village_id, renamed.name) != named:
            check_not_lookalike(
                village=renamed.village,
                name=renamed.name,
                confirm_distinct=confirm_distinct,
                herder=renamed,
                confirmable=confirmable,
            )

    return _place_save(held, changes, check=check)


@transaction.atomic
def place_create(model: type[Place], **fields) -> Place:
    """A new prefecture, county, township or village: its names and, below a
    prefecture, the place it lies in (``parent_field``)."""
    allowed = {"name", "name_latin", *([model.parent_field] if model.parent_field else [])}
    only_fields("place_create", fields, allowed, verb="set")
    place = model(**fields)
    place.full_clean()
    place.save()
    return place


@transaction.atomic
def place_update(place: Place, **changes) -> Place:
    """Rename a prefecture, county, township or village, or move it under
    another place (``parent_field``): its households' counts go along."""
    allowed = {"name", "name_latin", *([place.parent_field] if place.parent_field else [])}
    only_fields("place_update", changes, allowed, verb="change")
    return _place_save(type(place).objects.select_for_update().get(pk=place.pk), changes)


def _place_save(
    place: Place, changes: dict, *, check: Callable[[Place], None] | None = None
) -> Place:
    """Apply ``changes`` to the stored, held ``place`` and save it, once valid
    and ``check`` has not refused it as changed; when it moved under another
    place, its records' daily rollups move with it."""
    for field, value in changes.items():
        setattr(place, field, value)
    place.full_clean()
    if check is not None:
        check(place)
    moved = place.moved_from() is not None
    place.save()
    if moved:
        rollups.moved(place)
    return place
