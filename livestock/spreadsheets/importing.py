"""A counts spreadsheet imported: each row's household, record and entry
written through the services as the importing user, in one transaction (all
or nothing; a preview is the same import rolled back)."""

import datetime
import functools
import hashlib
import re
import threading
import uuid as uuid_module
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from livestock import i18n
from livestock.audit.attribution import Surface, acting_as
from livestock.counting import rollups
from livestock.filtersets import possible_id
from livestock.models import Herder, LambingRecord, Place, Season, Village
from livestock.models.fields import not_a_choice, not_a_date, not_a_whole_number
from livestock.models.review import approved_through_townships
from livestock.places import scoping
from livestock.places.lookalikes import resemblance
from livestock.places.names import Folded, folded, lookalike_key, normalize_name, shown
from livestock.services.collector import collected_rarely
from livestock.services.entries import NewEntry, entries_create
from livestock.services.places import herder_build, herder_update, herders_create
from livestock.services.records import record_build, record_update, records_create
from livestock.services.threads import WriteThread, switched_often
from livestock.spreadsheets.columns import (
    CHOICE_KEYS,
    COLUMN_BY_KEY,
    ENTRY_KEYS,
    FIELD_COLUMNS,
    FIELDS,
    NUMBER_KEYS,
    TEXT_KEYS,
    normalized,
)
from livestock.spreadsheets.reading import (
    FileRefused,
    ReadLimits,
    RowError,
    Table,
    cell_shown,
    read_table,
)

# A preview lists this many of the households a file creates, and counts the rest.
NEW_HOUSEHOLDS_LISTED = 100


@dataclass(frozen=True)
class NewHousehold:
    """A household a file creates, as its first row names it: a name misspelt
    makes a second household beside the real one, and the preview's list is
    where whoever imports can see it before anything is stored."""

    line: int
    village_id: int
    village: str  # county, township and village, as a person reads them
    name: str
    name_latin: str
    name_kazakh: str
    # The household its name looks like (``lookalike_key``), for which it is
    # refused: a stored one "name (id N)", or one new on an earlier line.
    resembles: str = ""


@dataclass
class ImportResult:
    """What an import did (or, rolled back, would do)."""

    rows: int = 0
    counts: Counter = field(default_factory=Counter)  # ("entry", "created") → n
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    # The first NEW_HOUSEHOLDS_LISTED households created, in the file's order.
    new_herders: list[NewHousehold] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> int:
        return self.counts[(kind, outcome)]

    @property
    def new_herders_not_listed(self) -> int:
        """How many households the file creates beyond those listed (a household
        refused for looking like another is listed, not created)."""
        listed = sum(not household.resembles for household in self.new_herders)
        return max(0, self.count("herder", "created") - listed)

    @property
    def kinds(self) -> list[tuple[str, str, int, int, int]]:
        """(kind, its name, created, changed, unchanged) per kind of object."""
        names = {
            "herder": gettext_lazy("herder households"),
            "record": gettext_lazy("lambing records"),
            "entry": gettext_lazy("lambing entries"),
        }
        return [
            (
                kind,
                str(name),
                self.count(kind, "created"),
                self.count(kind, "changed"),
                self.count(kind, "unchanged"),
            )
            for kind, name in names.items()
        ]


def listed(errors: list[RowError]) -> tuple[list[RowError], int]:
    """The errors an answer lists (``IMPORT_MAX_ERRORS_LISTED``), and how many
    more it only counts: a file of thousands of bad rows is answered in a
    page, not in thousands of rows of errors."""
    limit = settings.IMPORT_MAX_ERRORS_LISTED
    return errors[:limit], max(0, len(errors) - limit)


class RowRefused(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors  # (column key, message)


IMPORT_PERMISSIONS = [
    f"livestock.{action}_{model}"
    for action in ("add", "change")
    for model in ("herder", "lambingrecord", "lambingentry")
]


def may_import(user: AbstractBaseUser) -> bool:
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


def import_counts(
    *,
    content: bytes,
    user: AbstractBaseUser,
    dry_run: bool = False,
    reason: str = "",
    progress: Callable[[int, int], None] | None = None,
    source: str = "",
    limits: ReadLimits | None = None,
) -> ImportResult:
    """Import a file as ``user``, into ``user``'s places only. With any row
    refused, or ``dry_run``, nothing is kept and the result says what would
    have been done. ``progress`` is called with the rows done and the rows in all.
    The history names ``user`` and says the change came from an import, from
    ``source`` (the file and the surface it was sent through)."""
    if not may_import(user):
        raise FileRefused(_("Importing needs the technician's right to add and change counts."))
    with collected_rarely():
        return _import(content, user, dry_run, reason, progress, source, limits)


def _import(content, user, dry_run, reason, progress, source, limits) -> ImportResult:
    table = read_table(content, limits)
    result = ImportResult(rows=len(table.rows), errors=list(table.errors))
    importer = _Importer(table=table, user=user, reason=reason, result=result)
    importer.source = source
    try:
        _import_rows(importer, table, result, dry_run=dry_run, progress=progress)
    except IntegrityError:
        # Another request stored one of these entries or records between their
        # look-up and the import's insert; the whole import was rolled back.
        raise FileRefused(
            _(
                "Someone saved some of these counts while the file was being imported; "
                "nothing was stored. Import the file again."
            )
        ) from None
    return result


def _import_rows(importer, table, result, *, dry_run, progress) -> None:
    # No savepoint per row: each service is atomic on its own, and with any row
    # refused the whole import is rolled back.
    with (
        transaction.atomic(),
        importer.acting(),
        rollups.places_summed_later(),
        checked_as_written(not dry_run),
        importer.writer,
    ):
        for done, (line, cells) in enumerate(table.rows, start=1):
            row = dict(zip(table.keys, cells, strict=True))
            try:
                importer.import_row(line, row)
            except RowRefused as refused:
                importer.refuse(line, row, refused)
            if len(importer.pending) >= ENTRY_BATCH:
                importer.store(meanwhile=True)
            if progress is not None:
                progress(done, result.rows)
        importer.store()
        rollups.add_summed_places()
        result.errors.sort(key=lambda error: error.line)
        result.applied = not (result.errors or dry_run)
        if not result.applied:
            transaction.set_rollback(True)


@contextmanager
def checked_as_written(kept: bool):
    """An import to be kept has its rows' references checked as each batch is
    written (``SET CONSTRAINTS ALL IMMEDIATE``), in the writer's statements
    while the next rows are read (``BatchWriter``), not all at its commit: a
    table's references are checked at commit by default (Django makes them
    ``DEFERRABLE INITIALLY DEFERRED``), and 100,000 rows' entries, records,
    households and history rows were checked there, after the last row, while
    nothing else ran. The same checks, refusing the same rows; deferred again
    at the block's end, for what the transaction does after it (a block
    given up is rolled back with the mode it set). A preview,
    rolled back, checks nothing at commit, and is left so."""
    if not kept or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if not transaction.get_rollback():  # else rolled back, its mode with it
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# A number's value when its cell is empty: its field's default, or None where
# the field may be empty (asked once: a field's get_default() was a tenth of parse()).
NUMBER_DEFAULTS = {
    key: None if FIELDS[key].null else FIELDS[key].get_default() for key in NUMBER_KEYS
}
# An entry's columns but its date: a row with any of them is an entry's.
ENTRY_KEYS_BUT_DATE = tuple(key for key in ENTRY_KEYS if key != "date")
# New entries are stored this many at a time (``entries_create``), with their
# new households and records. Fewer, larger batches share more of their
# places' rollup rows (a village's, a township's day) in one upsert: from 1,000
# to 5,000 a batch, a third less of PostgreSQL's time for new households.
ENTRY_BATCH = 5000
# The villages a file names are read this many names a query, and their
# households this many villages a query (``_Importer.villages_named``, ``herders_of``).
NAMES_A_QUERY = 2000
VILLAGES_A_QUERY = 200
# A stored household's and record's columns, read as rows (``_Importer.herders_of``).
HERDER_FIELDS = tuple(field.attname for field in Herder._meta.concrete_fields)
RECORD_FIELDS = tuple(field.attname for field in LambingRecord._meta.concrete_fields)


class _Importer:
    """Resolves a row's names within the user's places and applies it through
    ``services``. Names looked up once are remembered for the file; a village's
    households and their records are read once. Entries are stored in batches."""

    def __init__(self, *, table: Table, user, reason: str, result: ImportResult):
        self.user = user
        self.reason = reason
        self.result = result
        self.villages = scoping.visible(user, Village.objects.all())
        self.herders = scoping.visible(user, Herder.objects.all())
        self.place_cache: dict[tuple, Village] = {}
        self.season_cache: dict[str, Season] = {}
        # A row's names → its household, and the names it had then (``_names``).
        self.herder_cache: dict[tuple, tuple[Herder, tuple]] = {}
        # Stored households named by the file, by id: one instance each, which
        # a change by any row updates (``herder``), so no row reads an old name.
        self.stored_herders: dict[int, Herder] = {}
        self.record_cache: dict[tuple, LambingRecord] = {}
        self.seasons = list(Season.objects.all())
        self.entry_lines: dict[uuid_module.UUID, int] = {}
        self.counted: dict[tuple[str, object], str] = {}
        self.village_herders: dict[int, Households] = {}
        self.wanted_names: dict[int, set[str]] | None = None
        self.wanted_keys: dict[int, set[str]] = defaultdict(set)
        self.lookalikes: set[tuple[int, str]] = set()  # (village id, name) refused as such
        self.named_villages: dict[str, list[Village]] | None = None
        self.village_records: dict[int, dict[tuple[int, int], tuple]] = {}
        self.locks: dict[tuple[int, int], datetime.date | None] = {}
        # Made and validated row by row, saved together by store().
        self.new_herders: list[Herder] = []
        # The households the file adds, by village id, and once stored, the line
        # that adds each by its id (``new_line``): a row renaming or moving a
        # household is checked against them (``check_not_like_new``), and a
        # message names one by its line, never by the id it holds while the file
        # is imported (``known_as``).
        self.new_in_village: dict[int, list[Herder]] = defaultdict(list)
        self.new_lines: dict[int, int] = {}
        self.new_records: list[LambingRecord] = []
        self.pending: list[tuple] = []
        self.table = table
        self.writer = BatchWriter()
        self.codes = {key: _choice_spellings(FIELDS[key].choices) for key in CHOICE_KEYS}

    def acting(self):
        """Who the history of what the import writes names, and how."""
        return acting_as(self.user, surface=Surface.IMPORT, source=self.source)

    def count(self, kind: str, outcome: str, obj) -> None:
        """Count each object once, however many rows name it: as created if a
        row made it, else as changed if any row changed it."""
        counted = (kind, _key(obj))
        before = self.counted.get(counted)
        if before is None or (before == "unchanged" and outcome == "changed"):
            if before is not None:
                self.result.counts[(kind, before)] -= 1
            self.counted[counted] = outcome
            self.result.counts[(kind, outcome)] += 1

    def refuse(self, line: int, row: dict[str, str], refused: RowRefused) -> None:
        for key, message in refused.errors:
            self.result.errors.append(
                RowError(line, self.table.header_of(key), cell_shown(row.get(key, "")), message)
            )

    def import_row(self, line: int, row: dict[str, str]) -> None:
        values, errors = self.parse(row)
        if errors:
            raise RowRefused(errors)
        herder = self.herder(line, row)
        season = self.season(row, values)
        if season is None:
            if values["ewes_at_start"] is not None:
                raise RowRefused([("season", _("ewes at start belong to a season; name it"))])
            return
        record = self.record(herder, season, values["ewes_at_start"])
        if values["date"] is not None:
            self.entry(line, row, record, values)

    def parse(self, row: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        """The row's counts, date, codes and uuid as values, or what is wrong with them."""
        values, errors = {}, []
        if "\x00" in "".join(row.values()):  # seldom: then which cells hold one
            for key, text in row.items():
                if "\x00" in text:
                    errors.append((key, _("a NUL character (\\x00) cannot be stored; remove it")))
        for key in NUMBER_KEYS:
            text = row.get(key, "").replace(",", "")
            if not text:
                values[key] = NUMBER_DEFAULTS[key]
                continue
            try:
                values[key] = whole_number(text)
            except ValueError as error:
                errors.append((key, str(error)))
        text = row.get("date", "")
        values["date"] = None
        if text:
            values["date"] = _parse_date(text)
            if values["date"] is None:
                errors.append(("date", not_a_date(text).messages[0]))
        for key, spellings in self.codes.items():
            text = row.get(key, "")
            values[key] = spellings.get(normalized(text), None) if text else ""
            if values[key] is None:
                errors.append((key, not_a_choice(text, FIELDS[key].choices).messages[0]))
        for key in TEXT_KEYS:
            values[key] = row.get(key, "")
        text = row.get("uuid", "")
        values["uuid"] = None
        if text:
            try:
                values["uuid"] = uuid_module.UUID(text)
            except ValueError:
                errors.append(("uuid", _("%(value)s is not a UUID") % {"value": text}))
        has_entry_content = any(map(row.get, ENTRY_KEYS_BUT_DATE)) or values["uuid"]
        if values["date"] is None and not errors and has_entry_content:
            errors.append(("date", _("counts need the date they were counted on")))
        return values, errors

    # Places and herders

    def village(self, row: dict[str, str]) -> Village:
        names = (row.get("county", ""), row.get("township", ""), row.get("village", ""))
        if names in self.place_cache:
            return self.place_cache[names]
        county, township, village = names
        if not village:
            raise RowRefused([("village", _("name the village (or give the herder id)"))])
        found = _one_village(
            [
                place
                for place in self.villages_named(village)
                if (not township or _is_named(place.township, township))
                and (not county or _is_named(place.township.county, county))
            ]
        )
        self.place_cache[names] = found
        return found

    def villages_named(self, text: str) -> list[Village]:
        """The villages within the user's places that ``text`` names (by id,
        Chinese name or Latin name in any case), in name order. The villages
        every row of the file names are read at once, on the first call (with
        their townships and counties): a file of households across a region
        names thousands, and a query each was a third of its import."""
        if self.named_villages is None:
            texts = sorted(set(self.table_column("village")) - {""})
            self.named_villages = defaultdict(list)
            for start in range(0, len(texts), NAMES_A_QUERY):
                part = texts[start : start + NAMES_A_QUERY]
                words = [text for text in part if not WHOLE_NUMBER.fullmatch(text)]
                places = (
                    self.villages.select_related("township__county")
                    .annotate(latin_folded=Folded("name_latin"))
                    .filter(
                        Q(pk__in_array=[int(text) for text in part if WHOLE_NUMBER.fullmatch(text)])
                        | Q(name__in_array=words)
                        | Q(latin_folded__in_array=[folded(word) for word in words])
                    )
                )
                # Which of the part's texts may name a place: by its id, its
                # name, its Latin name in any case (then asked as one row asks).
                may_name: dict[object, list[str]] = defaultdict(list)
                for given in part:
                    if WHOLE_NUMBER.fullmatch(given):
                        may_name[int(given)].append(given)
                    else:
                        may_name[given].append(given)
                        may_name["latin", folded(given)].append(given)
                for place in places:
                    for key in (place.pk, place.name, ("latin", folded(place.name_latin))):
                        for named in may_name.get(key, ()):
                            if _is_named(place, named) and place not in self.named_villages[named]:
                                self.named_villages[named].append(place)
            for found in self.named_villages.values():
                found.sort(key=lambda place: (place.name, place.pk))
        return self.named_villages.get(text, [])

    def table_column(self, key: str) -> list[str]:
        """The cells of the column ``key``, a row each ("" for a column the file
        has not): for a pass over the whole file, which made a dict of each
        row's cells for the few it asks, most of the pass."""
        if key not in self.table.keys:
            return [""] * len(self.table.rows)
        at = self.table.keys.index(key)
        return [cells[at] for _line, cells in self.table.rows]

    def herder(self, line: int, row: dict[str, str]) -> Herder:
        """The row's household: by id (then its names and village in the row are
        changes to make), or by name within the village (created when new). A
        row naming it as an earlier row did is answered from the cache while
        no row has changed it since; else its names are applied again."""
        get = row.get  # a tuple written out: one made from a generator was a tenth of this
        key = (
            get("county", ""),
            get("township", ""),
            get("village", ""),
            get("herder_id", ""),
            get("herder", ""),
            get("herder_latin", ""),
            get("herder_kazakh", ""),
        )
        cached = self.herder_cache.get(key)
        if cached is not None and cached[1] == _names(cached[0]):
            return cached[0]
        # As names are stored (NFC, Kazakh hamza), so that the row finds its household.
        name = normalize_name(row.get("herder", ""))
        name_latin = normalize_name(row.get("herder_latin", ""))
        name_kazakh = normalize_name(row.get("herder_kazakh", ""))
        herder_id = row.get("herder_id", "")
        if herder_id:
            herder_pk = possible_id(herder_id)
            if herder_pk is None:
                message = _(
                    "%(value)s is not a herder household's id: a whole number from 1, "
                    "as the template or an export gives it"
                ) % {"value": shown(herder_id)}
                raise RowRefused([("herder_id", message)])
            herder = self.stored_herders.get(herder_pk)
            if herder is None:
                herder = (
                    self.herders.select_related("village__township__county")
                    .filter(pk=herder_pk)
                    .first()
                )
                if herder is None:
                    raise RowRefused(
                        [("herder_id", _("no herder household with this id in your places"))]
                    )
                self.stored_herders[herder_pk] = herder
            wanted = {
                "village": self.village(row) if row.get("village") else herder.village,
                "name": name or herder.name,
                "name_latin": name_latin or herder.name_latin,
                "name_kazakh": name_kazakh or herder.name_kazakh,
            }
        else:
            if not name:
                raise RowRefused([("herder", _("name the herder household or give its id"))])
            village = self.village(row)
            candidates = [
                self.stored_herder(herder, village)
                for herder in self.herders_of(village).named(name)
            ]
            if len(candidates) > 1:
                raise RowRefused([("herder", self.ambiguous(village, candidates))])
            if not candidates:
                self.check_not_lookalike(line, name, name_latin, name_kazakh, village)
                herder = self.apply(
                    "herder",
                    lambda: herder_build(
                        village=village, name=name, name_latin=name_latin, name_kazakh=name_kazakh
                    ),
                )
                herder.import_key = ("new", id(herder))
                herder.import_line = line
                self.new_herders.append(herder)
                self.new_in_village[village.pk].append(herder)
                self.count("herder", "created", herder)
                self.list_new(line, village, name, name_latin, name_kazakh)
                self.herder_cache[key] = (herder, _names(herder))
                self.village_herders[village.pk].add(herder)
                return herder
            herder = candidates[0]
            wanted = {
                "name_latin": name_latin or herder.name_latin,
                "name_kazakh": name_kazakh or herder.name_kazakh,
            }
        changes = {name: value for name, value in wanted.items() if getattr(herder, name) != value}
        if changes:
            if {"name", "village"} & changes.keys():
                self.check_not_like_new(herder, village=wanted["village"], name=wanted["name"])
            before = _names(herder)
            stored = self.saved(herder)
            if self.new_herders and {"name", "village"} & changes.keys():
                # A new name is checked against the village's households in the
                # database (``check_not_lookalike``): the new ones of earlier rows too.
                self.store()
            changed = self.apply(
                "herder", lambda: herder_update(stored, confirmable=False, **changes)
            )
            # The one instance every row and cache of the file holds, changed.
            for attname in HERDER_FIELDS:
                setattr(herder, attname, getattr(changed, attname))
            if "village" in changes:  # read both villages' households again when asked
                herder.village = changed.village
                for village_id in (before[0], herder.village_id):
                    self.village_herders.pop(village_id, None)
                    self.village_records.pop(village_id, None)
            elif before[0] in self.village_herders:
                self.village_herders[before[0]].renamed(herder, before)
            self.count("herder", "changed", herder)
        else:
            self.count("herder", "unchanged", herder)
        self.herder_cache[key] = (herder, _names(herder))
        return herder

    def list_new(self, line, village, name, name_latin, name_kazakh, resembles="") -> None:
        """A new household in the preview's list, while it lists fewer than
        ``NEW_HOUSEHOLDS_LISTED``."""
        if len(self.result.new_herders) < NEW_HOUSEHOLDS_LISTED:
            self.result.new_herders.append(
                NewHousehold(
                    line,
                    village.pk,
                    f"{_parents(village)} {village.name}",
                    name,
                    name_latin,
                    name_kazakh,
                    resembles,
                )
            )

    def new_line(self, household) -> int | None:
        """The line of the file that adds ``household`` (a ``Herder``, or a row of
        one read from the database), or None for a household stored before."""
        line = getattr(household, "import_line", None)
        if line is None and household.id is not None:
            line = self.new_lines.get(household.id)
        return line

    def known_as(self, household) -> str:
        """A household as whoever imports the file knows it: by its names and its
        id, or, one the file adds, by its names and the line that adds it. The id
        such a household has while the file is imported is nobody's: none before
        its batch is stored, then one the file's author never saw, rolled back
        with a file refused or previewed."""
        label = " ".join(filter(None, (household.name, household.name_latin)))
        line = self.new_line(household)
        if line is None:
            return f"{label} (id {household.id})"
        return _("%(household)s, new on line %(line)s") % {"household": label, "line": line}

    def ambiguous(self, village: Village, candidates: list[Herder]) -> str:
        """Why a row's name finds several households of ``village``, and how the
        row can mean one of them, Chinese with the English beside it. A stored
        household is meant by its herder id. One the file adds has no id anyone
        could give (``known_as``): it is meant by the name its line gives it,
        where no other household of the village answers to that name, else only
        once the names differ. "Give the herder id" alone, said of two
        households a file adds, asked for what does not exist."""
        households = self.herders_of(village)
        new = []  # (its line, its name, whether that name finds it alone)
        for household in candidates:
            line = self.new_line(household)
            if line is not None:
                named = households.named(household.name)
                alone = [self.stored_herder(other, village) for other in named] == [household]
                new.append((line, household.name, alone))

        def message() -> str:
            listed = ", ".join(self.known_as(household) for household in candidates)
            if not new:
                return _(
                    "ambiguous: several households of %(village)s have this name: %(listed)s; "
                    "give the herder id"
                ) % {"village": village, "listed": listed}
            ways = [
                (
                    _("to mean the one new on line %(line)s, write %(name)s as that line does")
                    if alone
                    else _(
                        "the name of the one new on line %(line)s, %(name)s, is another "
                        "household's too: write their names so that they differ"
                    )
                )
                % {"line": line, "name": name}
                for line, name, alone in new
            ]
            if len(new) < len(candidates):
                ways.append(_("to mean a stored one, give its herder id"))
            between_ways = pgettext("import: between two ways of meaning a household", "; ")
            return _(
                "ambiguous: several households of %(village)s have this name: %(listed)s. "
                "A household new in this file has no herder id yet and is told apart by its "
                "name alone: %(ways)s"
            ) % {"village": village, "listed": listed, "ways": between_ways.join(ways)}

        return i18n.in_languages(message, i18n.shown_languages())

    def check_not_like_new(self, herder: Herder, *, village: Village, name: str) -> None:
        """Refuse a row renaming or moving a household (by its herder id) so that its
        name looks like (``lookalike_key``) that of a household the file adds to the
        village. ``herder_update`` refuses it too, by the same rule
        (``services.places.check_not_lookalike``), once those households are stored,
        but names the one it found by the id it holds inside this import; here it is
        named by its line, and the message says how to mean it."""
        found = resemblance(
            name,
            (
                new
                for new in self.new_in_village.get(village.pk, ())
                if new is not herder and new.village_id == village.pk
            ),
        )
        if found is None:
            return
        message = i18n.in_both(
            gettext_noop(
                "looks like the name of the household %(household)s, new on line %(line)s of "
                "this file; they differ in: %(differences)s. If both lines mean this household, "
                "give its herder id on line %(line)s too; a file cannot confirm that it is "
                "another household: if it truly is, rename it in the admin, ticking “This is "
                "another household” (in the API: confirm_distinct: true)."
            ),
            household=found.label,
            line=self.new_line(found.household),
            differences=found.differences,
        )
        raise RowRefused([("herder", message)])

    def check_not_lookalike(self, line, name, name_latin, name_kazakh, village) -> None:
        """Refuse a new household whose name looks like (``lookalike_key``) a
        name of a household of its village, stored or new in the file: a
        file names a household by its name, so one written with another
        character, a space too many, is taken for a new one and stored beside
        it. The message says how to write it to mean that one; a new household
        that truly is another is added on its own, confirmed as such (the admin,
        the API, the field app: ``services.places.check_not_lookalike``). Which
        household and which characters: ``places.lookalikes``, as there, but
        among the households read with the file's names, in memory."""
        found = resemblance(name, self.herders_of(village).resembling(name))
        if found is None:
            return
        other, written, unlike = found.household, found.written, found.differences
        label = self.known_as(other)
        other_line = self.new_line(other)
        if other_line is not None:  # new on an earlier line of the file, stored or not
            message = _(
                "looks like %(written)s, a new household on line %(line)s of this file, but is "
                "written with other characters (%(differences)s): write both alike"
            ) % {"written": written, "line": other_line, "differences": unlike}
        else:
            message = _(
                "looks like the household %(household)s of %(village)s but is written with other "
                "characters (%(differences)s), and a file does not add a household beside one "
                "whose name looks like it: to mean that household, write %(written)s or give "
                "the herder id %(id)s"
            ) % {
                "household": label,
                "village": village.name,
                "differences": unlike,
                "written": written,
                "id": other.id,
            }
        if (village.pk, name) not in self.lookalikes:  # listed once, refused at each row
            self.lookalikes.add((village.pk, name))
            self.list_new(line, village, name, name_latin, name_kazakh, resembles=label)
        raise RowRefused([("herder", message)])

    def herders_of(self, village: Village) -> "Households":
        """The village's households that the file may name (new ones, and rows
        of stored ones), read once per file. Only the stored households named
        as the file's rows of that village name theirs are read
        (``names_wanted``, ``_may_be_named``): a file of new households in a
        region's villages read every household of each, a hundred thousand
        rows to find none. A stored household becomes a model instance only
        when a row names it (``stored_herder``). With them, the stored
        households whose names look like one of those (``lookalike_key``, by
        the keys stored beside the names), so that a new one is checked against
        them in memory."""
        if village.pk not in self.village_herders:
            # With those of every other village the file's rows name, not read
            # yet: a query per village was a third of a large file's import.
            wanted = self.names_wanted()
            unread = [village.pk, *(pk for pk in wanted if pk not in self.village_herders)]
            for start in range(0, len(unread), VILLAGES_A_QUERY):
                chunk = list(dict.fromkeys(unread[start : start + VILLAGES_A_QUERY]))
                names = set().union(*(wanted.get(pk, ()) for pk in chunk))
                keys = set().union(*(self.wanted_keys.get(pk, ()) for pk in chunk))
                by_village: dict[int, list] = {pk: [] for pk in chunk}
                herders = (
                    self.herders.annotate(latin_folded=Folded("name_latin"))
                    .filter(village__in_array=chunk)
                    .filter(_may_be_named(names, keys))
                )
                for herder in herders.values_list(*HERDER_FIELDS, named=True):
                    by_village[herder.village_id].append(herder)
                for pk, found in by_village.items():
                    self.village_herders[pk] = Households(found)
        return self.village_herders[village.pk]

    def names_wanted(self) -> dict[int, set[str]]:
        """By village id, the household names (as stored: ``normalize_name``)
        that the file's rows give in that village (found as ``village()``
        finds a row's), made once per file; and their look-alike keys
        (``wanted_keys``)."""
        if self.wanted_names is None:
            # The names as the rows give them, made as stored once each.
            by_place: dict[tuple[str, str, str], set[str]] = defaultdict(set)
            columns = ("county", "township", "village", "herder_id", "herder")
            for county, township, village, herder_id, herder in zip(
                *map(self.table_column, columns), strict=True
            ):
                if herder and not herder_id:
                    by_place[county, township, village].add(herder)
            self.wanted_names = defaultdict(set)
            for (county, township, village), given in by_place.items():
                names = {normalize_name(name) for name in given}
                try:
                    place = self.village(
                        {"county": county, "township": township, "village": village}
                    )
                except RowRefused:  # the row is refused when it comes
                    continue
                self.wanted_names[place.pk] |= names
                self.wanted_keys[place.pk] |= {lookalike_key(name) for name in names}
        return self.wanted_names

    def records_of(self, village_id: int) -> dict[tuple[int, int], tuple]:
        """The village's stored records as rows by (household, season), read once
        per file when a row names one of its stored households."""
        if village_id not in self.village_records:
            records = LambingRecord.objects.filter(herder__village=village_id)
            self.village_records[village_id] = {
                (record.herder_id, record.season_id): record
                for record in records.values_list(*RECORD_FIELDS, named=True)
            }
        return self.village_records[village_id]

    def stored_herder(self, herder, village: Village) -> Herder:
        """A household of ``herders_of(village)`` as a model instance, the
        same one for each row that names it."""
        if isinstance(herder, Herder):
            return herder
        instance = self.stored_herders.get(herder.id)
        if instance is None:
            instance = Herder.from_db(self.herders.db, HERDER_FIELDS, herder)
            instance.village = village
            self.stored_herders[herder.id] = instance
        return instance

    # Seasons, records, entries

    def season(self, row: dict[str, str], values: dict) -> Season | None:
        text = row.get("season", "")
        if not text:
            if values["date"] is None:
                return None
            found = [s for s in self.seasons if s.start_date <= values["date"] <= s.end_date]
            if not found:
                raise RowRefused(
                    [
                        (
                            "date",
                            _("%(value)s is in no season; name the season")
                            % {"value": values["date"]},
                        )
                    ]
                )
            return found[0]
        if text not in self.season_cache:
            wanted = normalized(text).replace("-", "–")
            for season in self.seasons:
                names = {str(season.pk)}
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        names.add(normalized(season.name))
                if wanted in names:
                    self.season_cache[text] = season
                    break
            else:
                listed = "; ".join(s.name for s in self.seasons)
                raise RowRefused(
                    [
                        (
                            "season",
                            _("no such season; the seasons are: %(listed)s") % {"listed": listed},
                        )
                    ]
                )
        return self.season_cache[text]

    def record(self, herder: Herder, season: Season, ewes_at_start: int | None) -> LambingRecord:
        key = (_key(herder), season.pk)
        record = self.record_cache.get(key)
        if record is not None and ewes_at_start in (None, record.ewes_at_start):
            return record  # as a row found it before, and counted then
        if record is None and herder.pk:
            row = self.records_of(herder.village_id).get((herder.pk, season.pk))
            record = row and LambingRecord.from_db(self.herders.db, RECORD_FIELDS, row)
        if record is None:
            locked_through = self.locked_through(season, herder.village.township_id)
            record = self.apply(
                "record",
                lambda: record_build(
                    herder=herder,
                    season=season,
                    ewes_at_start=ewes_at_start,
                    locked_through_known=True,
                    locked_through=locked_through,
                ),
            )
            record.import_key = ("new", id(record))
            self.new_records.append(record)
            self.count("record", "created", record)
        elif ewes_at_start is not None and ewes_at_start != record.ewes_at_start:
            stored = self.saved(record)
            record = self.apply(
                "record",
                lambda: record_update(
                    record=stored, ewes_at_start=ewes_at_start, reason=self.reason
                ),
            )
            record.import_key = _key(stored)
            self.count("record", "changed", record)
        else:
            self.count("record", "unchanged", record)
        self.record_cache[key] = record
        return record

    def locked_through(self, season: Season, township_id: int) -> datetime.date | None:
        """The date through which the township's counts of the season are
        approved, looked up once per file, with those of every township the
        file's villages lie in."""
        key = (season.pk, township_id)
        if key not in self.locks:
            # With the other townships of the villages the file names: a query
            # per township was 80 queries of a file across a region.
            townships = {
                place.township_id
                for found in (self.named_villages or {}).values()
                for place in found
            }
            self.locks |= approved_through_townships(
                (season.pk, township)
                for township in townships | {township_id}
                if (season.pk, township) not in self.locks
            )
        return self.locks[key]

    def entry(self, line: int, row: dict, record: LambingRecord, values: dict) -> None:
        content = {key: values[key] for key in ENTRY_KEYS}
        self.pending.append((line, row, record, content, values["uuid"]))

    def saved(self, obj):
        """``obj`` stored, for a row that changes it: a household or record that
        an earlier row of the file made is stored first, with its batch (and
        the batch being written meanwhile, waited for), so that a later row
        changes it as it would a stored one, by the same service and rules (a
        changed ewes count needs the import's reason), and its history keeps
        both values."""
        if obj.pk is None:
            self.store()
        return obj

    def store(self, *, meanwhile: bool = False) -> None:
        """Save the new households and records, then the pending entries
        (``entries_create``); each refused entry is its row's error.
        An entry's derived uuid needs its record's id, so it is made here.
        ``meanwhile``: in a second thread while the next rows are read
        (``BatchWriter``); else at once, after the batch before."""
        batch = (self.new_herders, self.new_records, self.pending)
        self.new_herders, self.new_records, self.pending = [], [], []
        if meanwhile:
            self.writer.start(lambda: self._store(*batch))
        else:
            self.writer.finish()
            self._store(*batch)

    def _store(self, new_herders: list, new_records: list, pending: list) -> None:
        if new_herders:
            herders_create(herders=new_herders, user=self.user)
            self.new_lines.update((herder.pk, herder.import_line) for herder in new_herders)
        # A new record's daily rollups are made once, from its entries, at the
        # end of the block: not first as a household counted from today, then
        # moved to its first entry's date (two upserts of as many rows).
        with rollups.deferred():
            if new_records:
                records_create(records=new_records, user=self.user)
            # The batch's new records of households the file adds: no other
            # transaction sees either until the import commits, so they need
            # no lock, and their places are as the import made them. A new
            # record of a stored household is read and locked as any stored
            # one: another request may have moved the household meanwhile.
            made = [record for record in new_records if record.herder_id in self.new_lines]
            self._store_entries(pending, made=made)

    def _store_entries(self, pending: list, *, made: list[LambingRecord]) -> None:
        items = []
        for line, row, record, content, given_uuid in pending:
            entry_uuid = given_uuid or derived_uuid(record, content)
            if entry_uuid in self.entry_lines:
                column = "uuid" if given_uuid else "date"
                message = _(
                    "the same entry as line %(line)s; if both are counts, give each its own uuid"
                ) % {"line": self.entry_lines[entry_uuid]}
                self.refuse(line, row, RowRefused([(column, message)]))
                continue
            self.entry_lines[entry_uuid] = line
            items.append((line, row, NewEntry(record, entry_uuid, content)))
        entries_create(items=[item for _l, _r, item in items], created_by=self.user, made=made)
        for line, row, item in items:
            if item.conflict is not None:
                # Not the API's advice (send it under a new uuid): from a file,
                # a row so sent is a second entry, its counts counted twice.
                # Said alike whoever's entry it is (tests/test_side_doors.py).
                message = _(
                    "the uuid %(uuid)s is a saved entry's; a file does not change a saved "
                    "entry: correct it on its record's page, with a reason, or take this "
                    "row out"
                ) % {"uuid": item.uuid}
                self.refuse(line, row, RowRefused([("uuid", message)]))
            elif item.error is not None:
                self.refuse(line, row, _refused("entry", item.error))
            else:
                self.count("entry", "created" if item.is_new else "unchanged", item.entry)

    def apply(self, kind: str, write: Callable):
        """Run a service; its validation errors become the row's errors, each at
        the column of its field."""
        try:
            return write()
        except ValidationError as error:
            raise _refused(kind, error) from None


class BatchWriter:
    """A batch's writes (``_Importer.store``) run in a second thread, on the
    same connection and in the same transaction, while the calling thread
    reads and checks the next rows: psycopg lets go of the GIL while it waits
    for the server, so the server's work on a batch (its COPYs, its rollups'
    upsert) runs on the second core beside the next batch's Python, where one
    thread waited for it. One batch at a time: ``start`` waits for the one
    before. A statement of the calling thread meanwhile (a stored household
    looked up, a record changed, a savepoint) waits for the batch first
    (``__call__``, the connection's execute wrapper), so that the two never
    interleave on the connection; an error of the batch is raised by the
    next ``start`` or ``finish``, between rows, as a batch written at once
    raised it (the import is then rolled back). Used as a context manager,
    it waits for the batch on the way out, whatever happened, and raises its
    error before the block's, which may follow from it. Elsewhere than
    PostgreSQL, a batch is written at once in the calling thread.

    While batches are written so, the interpreter hands the GIL over sooner
    (``switched_often``): the writer's every round trip to the server (a
    batch makes about 35: its savepoints, ids, COPYs, reads and upserts)
    ends waiting for the GIL, which the reading thread, busy in Python, gives
    up only at the switch interval, 5 ms by default; with both threads on a
    core of their own, up to 5 ms a round trip (a Python thread spinning
    beside 400 ``SELECT 1``: 0.04-0.1 ms a round trip alone or at 1 ms,
    up to 4.8 ms at 5 ms)."""

    def __init__(self) -> None:
        self.thread: WriteThread | None = None
        self.error: BaseException | None = None
        # What holds once batches are written in a thread, until the end.
        self.threaded: ExitStack | None = None

    def start(self, write: Callable[[], None]) -> None:
        """Run ``write`` (in a ``WriteThread``, as this thread would)."""
        self.finish()
        if connection.vendor != "postgresql" or not connection.in_atomic_block:
            write()
            return
        if self.threaded is None:
            self.threaded = ExitStack()
            self.threaded.enter_context(connection.execute_wrapper(self))
            self.threaded.enter_context(switched_often())
        self.thread = WriteThread(write, name="import-batch-writer")
        self.thread.start()

    def wait(self) -> None:
        """Wait for the batch being written to end, through an interrupt
        meanwhile, raised once it has (``WriteThread.wait``)."""
        thread = self.thread
        if thread is not None:
            try:
                thread.wait()
            finally:
                self.thread = None
                self.error = self.error or thread.error

    def finish(self) -> None:
        """Wait for the batch being written, and raise its error if it failed."""
        self.wait()
        error, self.error = self.error, None
        if error is not None:
            raise error

    def __call__(self, execute, sql, params, many, context):
        # The batch's error is left to the next start or finish: raised here,
        # inside a row's service, it was taken for that row's error.
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            self.wait()
        return execute(sql, params, many, context)

    def __enter__(self) -> "BatchWriter":
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        try:
            self.finish()
        finally:
            if self.threaded is not None:
                self.threaded.close()
                self.threaded = None


class Households:
    """A village's households (stored ones as rows, new ones as instances), found
    by a row's name: its Chinese name, its Latin name in any case, or its Kazakh
    name (names are stored normalized, and the row's is read so). Indexed,
    since each of a file's new households is looked for among hundreds."""

    def __init__(self, herders: Iterable) -> None:
        self.herders: list = []
        self.by_name: dict[str, list[int]] = {}
        self.by_latin: dict[str, list[int]] = {}  # folded (any case)
        self.by_kazakh: dict[str, list[int]] = {}
        self.by_key: dict[str, list[int]] = {}  # any of its names' lookalike_key
        for herder in herders:
            self.add(herder)

    def add(self, herder) -> None:
        self.herders.append(herder)
        self._index(len(self.herders) - 1, herder.name, herder.name_latin, herder.name_kazakh)

    def _index(self, position: int, name: str, name_latin: str, name_kazakh: str) -> None:
        self.by_name.setdefault(name, []).append(position)
        self.by_latin.setdefault(folded(name_latin), []).append(position)
        if name_kazakh:
            self.by_kazakh.setdefault(name_kazakh, []).append(position)
        for key in _keys(name, name_latin, name_kazakh):
            self.by_key.setdefault(key, []).append(position)

    def renamed(self, herder: Herder, before: tuple) -> None:
        """``herder`` renamed by a row (``before``: its ``_names`` until then):
        found by its new names from now on, as a stored one would be, and no
        longer by its old ones. One not read with the village (no row named it
        by its old names) is added: a later row may name it by its new ones,
        or by one that looks like them."""
        _village_id, name, name_latin, name_kazakh = before
        for position in self.by_name.get(name, ()):
            kept = self.herders[position]
            if kept is herder or (not isinstance(kept, Herder) and kept.id == herder.pk):
                break
        else:
            self.add(herder)
            return
        self.by_name[name].remove(position)
        self.by_latin[folded(name_latin)].remove(position)
        if name_kazakh:
            self.by_kazakh[name_kazakh].remove(position)
        for key in _keys(name, name_latin, name_kazakh):
            self.by_key[key].remove(position)
        self.herders[position] = herder
        self._index(position, herder.name, herder.name_latin, herder.name_kazakh)

    def named(self, name: str) -> list:
        """Those named ``name``: their Chinese name, their Latin name in any case,
        or their Kazakh name; in the order they were read."""
        positions = {
            *self.by_name.get(name, ()),
            *self.by_latin.get(folded(name), ()),
            *self.by_kazakh.get(name, ()),
        }
        return [self.herders[position] for position in sorted(positions)]

    def resembling(self, name: str) -> list:
        """Those with a name that looks like ``name`` (``lookalike_key``), in
        the order they were read."""
        positions = self.by_key.get(lookalike_key(name), ())
        return [self.herders[position] for position in sorted(set(positions))]


def _keys(*names: str) -> set[str]:
    """The look-alike keys of a household's names (an empty name has none)."""
    return {lookalike_key(name) for name in names if name} - {""}


def _may_be_named(names: set[str], keys: set[str]) -> Q:
    """Households that one of ``names`` may name as ``Households.named`` finds
    them (which decides), on a query annotated with ``latin_folded``
    (``Folded``): by their Chinese or Kazakh name, by their Latin name in any
    case (folded in the database as ``folded`` folds it in Python); and those
    with a name that looks like one of them (its look-alike key among ``keys``:
    ``Households.resembling`` decides)."""
    if not names:
        return Q(pk__in=[])
    keys = keys - {""}
    return (
        Q(name__in_array=names)
        | Q(name_kazakh__in_array=names)
        | Q(latin_folded__in_array={folded(name) for name in names})
        | Q(name_key__in_array=keys)
        | Q(name_latin_key__in_array=keys)
        | Q(name_kazakh_key__in_array=keys)
    )


def _refused(kind: str, error: ValidationError) -> RowRefused:
    """A service's validation error as a row's errors, each at its field's column."""
    if not hasattr(error, "error_dict"):
        return RowRefused([(_default_column(kind), " ".join(error.messages))])
    return RowRefused(
        [
            (_column_of(kind, field_name), " ".join(ValidationError(errors).messages))
            for field_name, errors in error.error_dict.items()
        ]
    )


def _names(herder: Herder) -> tuple[int, str, str, str]:
    """What a row may change of a household: its village and names."""
    return (herder.village_id, herder.name, herder.name_latin, herder.name_kazakh)


def _key(obj) -> object:
    """An object's identity within an import: its id, or for one made by the
    import and not saved yet, a key of its own that it keeps once saved."""
    return getattr(obj, "import_key", None) or obj.pk


# Derived entry identities are keyed with this salt and the SECRET_KEY.
ROW_SALT = "livestock.spreadsheets.derived_uuid"


def derived_uuid(record: LambingRecord, content: dict) -> uuid_module.UUID:
    """An entry's identity when the file gives none: its record and everything
    counted in it, keyed with this deployment's ``SECRET_KEY`` (an HMAC), so
    that the same row imported again gets the same uuid and nobody else can
    compute it: a plain uuid5 of record and counts let anyone send the uuid of
    another county's candidate counts and learn from the answer whether they
    are stored. (A new ``SECRET_KEY`` makes new identities: a file imported
    before and after the change is stored twice.)"""
    parts = [str(record.pk)] + [
        "" if (value := content[key]) is None else str(value) for key in ENTRY_KEYS
    ]
    inner, outer = (state.copy() for state in _row_hmac(settings.SECRET_KEY))
    inner.update("|".join(parts).encode())
    outer.update(inner.digest())
    return uuid_module.UUID(bytes=outer.digest()[:16], version=5)


@functools.lru_cache(maxsize=4)
def _row_hmac(secret: str) -> tuple:
    """``salted_hmac(ROW_SALT, …, algorithm="sha256")`` keyed once per
    ``SECRET_KEY``: its inner and outer SHA-256 states with the padded key
    already fed (RFC 2104), which each row's digest copies and finishes. The
    same digest as ``salted_hmac``'s (``tests/test_side_doors.py`` pins a
    row's), a third less of the time of each of a file's rows than a copy of
    the ``hmac`` object (its copy, update and digest each a Python call
    around OpenSSL's), in the batch writer, whose time the import waits for."""
    key = hashlib.sha256(ROW_SALT.encode() + secret.encode()).digest()
    block = key.ljust(hashlib.sha256().block_size, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    return inner, outer


def _default_column(kind: str) -> str:
    return {"herder": "herder", "record": "ewes_at_start", "entry": "date"}[kind]


def _column_of(kind: str, field_name: str) -> str:
    if field_name in COLUMN_BY_KEY:
        return field_name
    return FIELD_COLUMNS.get(field_name) or _default_column(kind)


# Counts and ids have at most this many digits: more is no count, and past
# 4,300 digits Python refuses to read the number at all.
MAX_DIGITS = 18


WHOLE_NUMBER = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(text: str) -> int:
    """A cell's whole number of 0 or more, in ASCII digits (``²`` or ``٣`` is no
    count), or a ``ValueError`` whose message names the value and the rule."""
    if WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if text.isascii() and text.isdigit():
        raise ValueError(
            _("%(value)s has more than %(digits)s digits")
            % {"value": shown(text), "digits": MAX_DIGITS}
        )
    raise ValueError(not_a_whole_number(text).messages[0])


def _is_named(place: Place, text: str) -> bool:
    """Whether ``text`` names ``place``: its id, its Chinese name or its Latin
    name in any case."""
    if WHOLE_NUMBER.fullmatch(text):
        return place.pk == int(text)
    return place.name == text or folded(place.name_latin) == folded(text)


def _one_village(villages: list[Village]) -> Village:
    found = villages[:6]
    if not found:
        raise RowRefused([("village", _("no such village in your places"))])
    if len(found) > 1:
        listed = ", ".join(f"{place} (id {place.pk}, {_parents(place)})" for place in found[:5])
        message = _(
            "ambiguous: it names %(listed)s; add the township and county, or give the id"
        ) % {"listed": listed}
        raise RowRefused([("village", message)])
    return found[0]


def _parents(village: Village) -> str:
    return f"{village.township.county.name} {village.township.name}"


def _choice_spellings(choices) -> dict[str, str]:
    """A choice by its code or its label in any of the site's languages (a
    Kazakh page's message lists them in Kazakh: ``models.fields.not_a_choice``)."""
    spellings = {}
    for code, label in choices:
        spellings[normalized(code)] = code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                spellings[normalized(str(label))] = code
    return spellings


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


# A date as a spreadsheet writes it most often, read without strptime.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(text: str) -> datetime.date | None:
    text = text.strip().split(" ")[0]
    if ISO_DATE.fullmatch(text):
        try:
            return datetime.date.fromisoformat(text)  # what %Y-%m-%d reads it as
        except ValueError:
            return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None


# Writing: the template and exports
