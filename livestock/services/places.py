"""Households and places: added, renamed, moved under another place (their
records' daily rollups move with them)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from livestock.audit import bulk_insert
from livestock.counting import rollups
from livestock.models import Herder, Place, Village
from livestock.services.guards import check_version, only_fields


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
    """Save households made by ``herder_build``, with their history (by COPY on
    PostgreSQL: ``bulk_insert``)."""
    return bulk_insert.insert_with_history(herders, Herder, user=user)


@transaction.atomic
def herder_update(herder: Herder, *, seen_version: int | None = None, **changes) -> Herder:
    """Rename a household or move it to another village; made from a page that
    showed ``seen_version``, refused if someone saved a newer one meanwhile."""
    only_fields(
        "herder_update", changes, {"village", "name", "name_latin", "name_kazakh"}, verb="change"
    )
    if seen_version is not None:
        check_version(herder, seen_version=seen_version)
    return _place_save(Herder.objects.select_for_update().get(pk=herder.pk), changes)


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
