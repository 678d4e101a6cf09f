"""Which places, herders, records, entries and figures a user may see.

The one answer to "where may this user work": the admin, the API, the pages
and the exports all filter through ``visible()``. A user's scope is the set
of places of their ``ScopeGrant``s; a user with no grant sees nothing, a
superuser everything. What they may do there (read or change) is their
role's permissions (``roles.py``).

A grant covers its place and everything below it. Places above a grant are
visible too, read-only by role, so that a township's technician can see the
name of their county; nothing beside the grant is. What stands for a whole
place, a township's review with its totals, is visible only to grants that
cover the place (``within()``). A reader who opens such a place above their
grants sees only part of it: ``part_seen()`` says which, once, for every page,
export and API answer that names the place, and ``parts_seen()`` for each row
of a summary at once.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Model, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext, pgettext

from livestock.i18n import shown_languages
from livestock.models import (
    LEVEL_NAMED,
    LEVEL_OF,
    DailyRollup,
    Herder,
    LambingEntry,
    LambingRecord,
    Place,
    ReportedFigure,
    Review,
    ScopeGrant,
    Township,
)
from livestock.models.prepared import PreparedGet

# Models that hang below a herder, with the lookup to it.
BELOW_HERDER = {LambingRecord: "herder", LambingEntry: "record__herder"}
# Models that hang below a township, with the lookup to it.
BELOW_TOWNSHIP = {Review: "township"}

User = AbstractBaseUser | AnonymousUser


def _lookup(model: type[Model], level: str) -> str:
    """The lookup from an object of ``model`` to its place of ``level``."""
    granted = LEVEL_NAMED[level]
    if model in (ReportedFigure, DailyRollup):
        return level
    if model in BELOW_HERDER:
        return f"{BELOW_HERDER[model]}__{LEVEL_OF[Herder].path_to(granted)}"
    if model in BELOW_TOWNSHIP:
        return f"{BELOW_TOWNSHIP[model]}__{LEVEL_OF[Township].path_to(granted)}"
    return LEVEL_OF[model].path_to(granted)


def grants(user: User) -> list[ScopeGrant]:
    """The user's grants, read once per user object (so once per request; an
    API request with a token reads them with the token: ``grant_rows``)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_scope_grants"):
        user._scope_grants = _grants_of_user().all(user.pk)
    return user._scope_grants


@functools.cache
def _grants_of_user() -> PreparedGet:
    """A user's grants, by the user's id: compiled and planned once (every API
    request asks)."""
    return PreparedGet(ScopeGrant.objects.all(), field="user")


@functools.cache
def grant_rows(*, user_id: str) -> str:
    """The SQL of ``grants``' read as one value, an array of the grants' rows
    (each an array of their columns), for the user ``user_id``: SQL, a column
    of the statement it is a subquery of (PostgreSQL). ``keep_grants`` takes
    what it reads."""
    prepared = _grants_of_user()
    if prepared.sql.count("%s") != 1:
        raise ValueError(f"a user's grants are read with one parameter: {prepared.sql}")
    columns = ", ".join(f"g.{field.column}" for field in ScopeGrant._meta.concrete_fields)
    return (
        f"ARRAY(SELECT ARRAY[{columns}] "  # noqa: S608
        f"FROM ({prepared.sql.replace('%s', user_id)}) AS g)"
    )


def keep_grants(user: User, rows: list[list[int | None]]) -> None:
    """Keep the grants ``grant_rows`` read as ``user``'s, as ``grants`` keeps
    what it reads."""
    user._scope_grants = [
        ScopeGrant.from_db(ScopeGrant.objects.db, _GRANT_FIELDS, row) for row in rows
    ]


_GRANT_FIELDS = [field.attname for field in ScopeGrant._meta.concrete_fields]


def scope_key(user: User) -> tuple:
    """What ``visible()`` and ``within()`` narrow a query by for ``user``, as a
    value: users with the same key are narrowed alike, so a query's compiled
    form can be kept by it (``services.guards.lock_record``)."""
    if user.is_authenticated and user.is_superuser:
        return ("superuser",)
    return tuple((grant.level, getattr(grant, f"{grant.level}_id")) for grant in grants(user))


def grant_levels(user: User) -> set[str]:
    """The levels ("prefecture" … "village") of the places the user's grants name."""
    return {grant.level for grant in grants(user)}


def visible(user: User, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see. Deny by default."""
    return _narrowed(user, queryset, with_places_above=True)


def within(user: User, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to the places the user's grants cover: like
    ``visible()``, without the places above a grant that it shows by name. What
    acts on a whole place (signing off a township's counts) asks this."""
    return _narrowed(user, queryset, with_places_above=False)


def _narrowed(user: User, queryset: QuerySet, *, with_places_above: bool) -> QuerySet:
    if user.is_authenticated and user.is_superuser:
        return queryset
    model = queryset.model
    condition = Q(pk__in=[])
    reaches_down = False
    for grant in grants(user):
        level = grant.level
        depth = LEVEL_NAMED[level].depth
        finer = model in LEVEL_OF and depth > LEVEL_OF[model].depth
        if finer and not with_places_above:
            continue
        if model in BELOW_TOWNSHIP and depth > LEVEL_OF[Township].depth:
            # A review holds the whole township's totals: a village's grant does
            # not reach it.
            continue
        lookup = _lookup(model, level)
        condition |= Q(**{lookup: getattr(grant, f"{level}_id")})
        reaches_down = reaches_down or finer
    narrowed = queryset.filter(condition)
    return narrowed.distinct() if reaches_down else narrowed


@dataclass(frozen=True)
class PartSeen:
    """What a reader sees of ``place`` when their grants lie below it (布尔津县's
    official opening 阿勒泰地区): ``places``, the places of their grants within it.
    Every total read for them there is the sum of those places alone, so each
    surface that names ``place`` names the part with it; an official copying
    "阿勒泰地区 … 1,397 households" upward would report a prefecture of ten
    thousand as its one county."""

    place: Place
    places: tuple[Place, ...]

    def title_in(self, language: str) -> str:
        """The place with the part seen, in ``language``: "阿勒泰地区（您的范围：
        布尔津县）", "Altay Prefecture (your places: Burqin County)"; the English
        with the places' Latin names, every other language with their names as
        written."""

        def name(place: Place) -> str:
            return place.name_latin if language == "en" else place.name

        with translation.override(language):
            return gettext("%(place)s (your places: %(yours)s)") % {
                "place": name(self.place),
                "yours": _list_of([name(place) for place in self.places]),
            }

    def title(self) -> str:
        """``title_in`` the page's two languages, "first · beside" (Chinese with
        the English beside it, Kazakh with the Chinese)."""
        first, beside = shown_languages()
        return f"{self.title_in(first)} · {self.title_in(beside)}"

    def in_sentence(self) -> str:
        """The part as a sentence's subject, in the active language, with the
        places' names as written: "布尔津县（阿勒泰地区中您的范围）", so a
        sentence's figures are said of the part, not of the place."""
        return gettext("%(yours)s (your places in %(place)s)") % {
            "yours": _list_of([place.name for place in self.places]),
            "place": self.place.name,
        }


def _list_of(names: list[str]) -> str:
    return pgettext("bulletin: between two places of a list", ", ").join(names)


def part_seen(user: User, place: Place | None) -> PartSeen | None:
    """The part of ``place`` that ``user`` sees when their grants lie below it and
    none covers it whole (``within()``); None when they see all of it (a grant at
    or above it, a superuser), or for no place (the overview, "all of your
    places" already): ``parts_seen`` of the one place."""
    if place is None:
        return None
    return parts_seen(user, [place]).get(place.pk)


def parts_seen(user: User, places: Sequence[Place]) -> dict[int, PartSeen]:
    """The part each of ``places`` (of one level: a summary's rows) that ``user``
    sees only part of, by the place's id; a place seen whole is left out. A grant
    within another of the user's grants is part of that one, not named again. The
    same queries however many the places: none for a user with no grant below their
    level (most pages), else one per level of those grants, and one for the cover
    of the places that have a part."""
    if not places or (user.is_authenticated and user.is_superuser):
        return {}
    level = LEVEL_OF[type(places[0])]
    below: dict[str, list[int]] = {}
    for grant in grants(user):
        if LEVEL_NAMED[grant.level].depth > level.depth:
            below.setdefault(grant.level, []).append(getattr(grant, f"{grant.level}_id"))
    by_place: dict[int, list[Place]] = {}
    for name, ids in below.items():
        granted = LEVEL_NAMED[name]
        path = granted.path_to(level)
        within_places = granted.model.objects.filter(
            pk__in=ids, **{f"{path}__in": [place.pk for place in places]}
        )
        for other, other_ids in below.items():
            # A grant within another of the user's grants (布尔津县 and its 窝依莫克镇)
            # is not a part of its own: named beside it, the two read as places to
            # add up.
            if LEVEL_NAMED[other].depth < granted.depth:
                lookup = f"{granted.path_to(LEVEL_NAMED[other])}__in"
                within_places = within_places.exclude(**{lookup: other_ids})
        for granted_place in within_places.annotate(part_of=F(path)).order_by("pk"):
            by_place.setdefault(granted_place.part_of, []).append(granted_place)
    if not by_place:
        return {}
    covered = set(
        within(user, level.model.objects.filter(pk__in=by_place)).values_list("pk", flat=True)
    )
    return {
        place.pk: PartSeen(place=place, places=tuple(by_place[place.pk]))
        for place in places
        if place.pk in by_place and place.pk not in covered
    }
