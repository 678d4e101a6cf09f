"""The audit trail: every change kept by the models' histories, as one list.

Each audited model has its own history table (django-simple-history). The
list merges them, each filtered and ordered in the database; only the rows of
one page are then read in full, with the version before each, so a page costs
a few queries per model, however many changes there are.
"""

import datetime
import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, F, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.audit.attribution import AuditedChange, Surface
from livestock.models import LambingRecord

ACTIONS = {"+": _("added"), "~": _("changed"), "-": _("deleted")}
COLUMNS = (
    "history_id",
    "history_date",
    "history_type",
    "history_user_id",
    "history_change_reason",
    "history_surface",
    "history_source",
    "object_id",
    "model_label",
)
# Fields of the history tables that are not the object's own.
NOT_SHOWN = {"id", "version", "created_at", "updated_at", "changed_at"}
# A place filter reaches each model's rows through these lookups (any of them).
PLACE_LOOKUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "livestock.county": {"county": ("id",)},
    "livestock.township": {"county": ("county",), "township": ("id",)},
    "livestock.village": {"county": ("township__county",), "township": ("township",)},
    "livestock.herder": {
        "county": ("village__township__county",),
        "township": ("village__township",),
    },
    "livestock.lambingrecord": {
        "county": ("herder__village__township__county",),
        "township": ("herder__village__township",),
    },
    "livestock.lambingentry": {
        "county": ("record__herder__village__township__county",),
        "township": ("record__herder__village__township",),
    },
    "livestock.reportedfigure": {"county": ("county",), "township": ("township",)},
    "livestock.review": {"county": ("township__county",), "township": ("township",)},
    "livestock.scopegrant": {
        "county": ("county", "township__county", "village__township__county"),
        "township": ("township", "village__township"),
    },
}
PLACE_LEVELS = ("county", "township")


def audited_models() -> dict[str, type[Model]]:
    """The history model of every audited model, by the audited model's label."""
    found = {}
    for model in apps.get_models():
        if issubclass(model, AuditedChange):
            found[model.instance_type._meta.label_lower] = model
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class AuditFilter:
    """What the list is narrowed to; empty means everything."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    user_id: int | None = None
    model: str | None = None
    surface: str | None = None
    place_level: str | None = None
    place_id: int | None = None


def _one_model(label: str, history: type[Model], audit_filter: AuditFilter) -> QuerySet | None:
    rows = history.objects.order_by()
    if audit_filter.date_from:
        start = datetime.datetime.combine(audit_filter.date_from, datetime.time.min)
        rows = rows.filter(history_date__gte=timezone.make_aware(start))
    if audit_filter.date_to:
        end = datetime.datetime.combine(
            audit_filter.date_to + datetime.timedelta(days=1), datetime.time.min
        )
        rows = rows.filter(history_date__lt=timezone.make_aware(end))
    if audit_filter.user_id:
        rows = rows.filter(history_user_id=audit_filter.user_id)
    if audit_filter.surface:
        rows = rows.filter(history_surface=audit_filter.surface)
    if audit_filter.place_level:
        lookups = PLACE_LOOKUPS.get(label, {}).get(audit_filter.place_level)
        if not lookups:
            return None  # this model has no place at that level
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: audit_filter.place_id})
        rows = rows.filter(condition)
    return rows.annotate(
        object_id=F("id"), model_label=Value(label, output_field=CharField())
    ).values(*COLUMNS)


NEWEST_FIRST = ("-history_date", "-history_id")


def _newest_first(row: dict) -> tuple:
    return (row["history_date"], row["history_id"], row["model_label"])


class ChangeList:
    """Every change of the history tables that a filter lets through, newest
    first, as rows of ``COLUMNS``; it counts and slices like a queryset, so a
    ``Paginator`` pages it.

    A slice reads the newest rows of each table through its ``history_date``
    index and merges them, instead of sorting the union of every table: a page
    costs a query per table whatever their size."""

    def __init__(self, parts: list[QuerySet]):
        self.parts = parts

    def count(self) -> int:
        """In one query, the union of the tables' filtered rows counted."""
        if not self.parts:
            return 0
        first, *others = self.parts
        return (first.union(*others, all=True) if others else first).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict]:
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("A list of changes is read a slice at a time.")
        start, stop = key.start or 0, key.stop
        newest = [list(part.order_by(*NEWEST_FIRST)[:stop]) for part in self.parts]
        merged = heapq.merge(*newest, key=_newest_first, reverse=True)
        return list(itertools.islice(merged, start, stop))

    def chunks(self, size: int) -> Iterator[list[dict]]:
        """All the changes, ``size`` at a time, each chunk read after the last
        one's oldest change (so reading them all reads each row once)."""
        last = None
        while True:
            parts = self.parts if last is None else [self._older(part, last) for part in self.parts]
            chunk = ChangeList(parts)[:size]
            if chunk:
                yield chunk
            if len(chunk) < size:
                return
            last = chunk[-1]

    @staticmethod
    def _older(part: QuerySet, row: dict) -> QuerySet:
        date, history_id = row["history_date"], row["history_id"]
        older = Q(history_date__lt=date) | Q(history_date=date, history_id__lt=history_id)
        label = part.query.annotations["model_label"].value
        if label < row["model_label"]:
            older |= Q(history_date=date, history_id=history_id)
        return part.filter(older)


def changes(audit_filter: AuditFilter) -> ChangeList:
    """Every change that ``audit_filter`` lets through, newest first. Slice it
    (a page) and pass the slice to ``describe``."""
    parts = []
    for label, history in audited_models().items():
        if audit_filter.model and label != audit_filter.model:
            continue
        part = _one_model(label, history, audit_filter)
        if part is not None:
            parts.append(part)
    return ChangeList(parts)


@dataclass
class Change:
    """One change as a person reads it."""

    when: datetime.datetime
    who: str
    surface: str
    source: str
    model: str
    object_label: str
    object_url: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, before, after
    reason: str = ""

    @property
    def changed(self) -> str:
        return "; ".join(
            f"{name}: {before} → {after}" if before is not None else f"{name}: {after}"
            for name, before, after in self.fields
        )

    def as_row(self) -> list[str]:
        """The row in the screen's columns, as the screen and the files show it."""
        return [
            timezone.localtime(self.when).strftime("%Y-%m-%d %H:%M:%S"),
            self.who,
            self.surface,
            self.source,
            self.model,
            self.object_label,
            self.action,
            self.changed,
            self.reason,
        ]


HEADERS = [
    _("when"),
    _("who"),
    _("surface"),
    _("source"),
    _("kind of object"),
    _("object"),
    _("action"),
    _("changes (before → after)"),
    _("reason"),
]


def describe(page: list[dict]) -> list[Change]:
    """The changes of one page, each with what it changed field by field. Reads
    each model's rows on the page and the version before each in two queries,
    the users in one, and the names of the places, seasons and records they
    refer to in one per kind."""
    history_models = audited_models()
    by_model: dict[str, list[int]] = {}
    for row in page:
        by_model.setdefault(row["model_label"], []).append(row["history_id"])
    full: dict[tuple[str, int], tuple[Model, Model | None]] = {}
    for label, ids in by_model.items():
        history = history_models[label]
        earlier = history.objects.filter(
            id=OuterRef("id"), history_date__lt=OuterRef("history_date")
        ).order_by("-history_date", "-history_id")
        rows = list(
            history.objects.filter(history_id__in=ids).annotate(
                previous_id=Subquery(earlier.values("history_id")[:1])
            )
        )
        previous = history.objects.in_bulk(
            [row.previous_id for row in rows if row.previous_id], field_name="history_id"
        )
        _read_memberships(history, [*rows, *previous.values()])
        for row in rows:
            full[label, row.history_id] = (row, previous.get(row.previous_id))

    users = get_user_model().objects.in_bulk({row["history_user_id"] for row in page} - {None})
    names = _Names()
    pending = []
    for row in page:
        record, before = full[row["model_label"], row["history_id"]]
        pending.append((row, record, _field_changes(record, before, names)))
    names.fetch()
    surfaces = dict(Surface.choices)
    result = []
    for row, record, field_changes in pending:
        user = users.get(row["history_user_id"])
        result.append(
            Change(
                when=row["history_date"],
                who=user.get_username() if user else "—",
                surface=str(surfaces.get(row["history_surface"], row["history_surface"] or "—")),
                source=row["history_source"],
                model=str(record.instance_type._meta.verbose_name),
                object_label=_object_label(record),
                object_url=_object_url(record) if row["history_type"] != "-" else "",
                action=str(ACTIONS.get(row["history_type"], row["history_type"])),
                fields=[
                    (name, names.show(before_value), names.show(after_value))
                    if before_value is not _NOTHING
                    else (name, None, names.show(after_value))
                    for name, before_value, after_value in field_changes
                ],
                reason=row["history_change_reason"] or "",
            )
        )
    return result


_NOTHING = object()


def _read_memberships(history: type[Model], rows: list[Model]) -> None:
    """Each row's many-to-many values as they were (a user's groups and
    permissions), one query per field, kept on the row as ``_memberships``."""
    for row in rows:
        row._memberships = {}
    for m2m_field in getattr(history, "_history_m2m_fields", []):
        kept = apps.get_model(history._meta.app_label, f"{history.__name__}_{m2m_field.name}")
        target = f"{m2m_field.m2m_reverse_field_name()}_id"
        by_row: dict[int, set] = {}
        pairs = kept.objects.filter(history_id__in=[row.history_id for row in rows])
        for history_id, target_id in pairs.values_list("history_id", target):
            by_row.setdefault(history_id, set()).add(target_id)
        for row in rows:
            row._memberships[m2m_field] = frozenset(by_row.get(row.history_id, ()))


class _Names:
    """Names of the objects the changed foreign keys refer to, read together."""

    def __init__(self):
        self.wanted: dict[type[Model], set] = {}
        self.found: dict[tuple[type[Model], object], str] = {}

    def want(self, model: type[Model], pk) -> tuple[type[Model], object]:
        self.wanted.setdefault(model, set()).add(pk)
        return (model, pk)

    def want_all(self, model: type[Model], pks: frozenset) -> tuple:
        for pk in pks:
            self.want(model, pk)
        return ("all", model, pks)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            objects = model._default_manager.all()
            if model is LambingRecord:
                objects = objects.select_related("herder", "season")
            for pk, obj in objects.in_bulk(pks).items():
                # A permission by its code name: its str() reads its content type.
                self.found[model, pk] = obj.codename if model is Permission else str(obj)

    def show(self, value) -> str:
        if isinstance(value, tuple) and len(value) == 3 and value[0] == "all":
            _all, model, pks = value
            shown = sorted(self.found.get((model, pk), f"#{pk}") for pk in pks)
            return ", ".join(shown) or "—"
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], type):
            model, pk = value
            return self.found.get(value, f"#{pk}") if pk is not None else "—"
        if value is None or value == "":
            return "—"
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return str(value)


def _field_changes(record: Model, before: Model | None, names: _Names) -> list[tuple]:
    """(field, before, after) for each field that changed; for an addition or a
    first recorded version, each field that has a value; nothing for a deletion."""
    if record.history_type == "-":
        return []
    changes = []
    for model_field in record.instance_type._meta.concrete_fields:
        if model_field.name in NOT_SHOWN or model_field.name.startswith("history_"):
            continue
        try:
            record._meta.get_field(model_field.name)
        except FieldDoesNotExist:
            continue  # not kept in the history (a user's password)
        after = getattr(record, model_field.attname)
        if before is not None:
            previous = getattr(before, model_field.attname)
            if previous == after:
                continue
        elif after in (None, ""):
            continue
        changes.append(
            (
                str(model_field.verbose_name),
                _display(model_field, previous, names) if before is not None else _NOTHING,
                _display(model_field, after, names),
            )
        )
    for m2m_field, after in getattr(record, "_memberships", {}).items():
        if before is not None:
            previous = before._memberships.get(m2m_field, frozenset())
            if previous == after:
                continue
        elif not after:
            continue
        target = m2m_field.related_model
        changes.append(
            (
                str(m2m_field.verbose_name),
                names.want_all(target, previous) if before is not None else _NOTHING,
                names.want_all(target, after),
            )
        )
    return changes


def _display(model_field, value, names: _Names):
    if value is None:
        return None
    if model_field.is_relation:
        return names.want(model_field.related_model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return value


def _object_label(record: Model) -> str:
    for name in ("name", "username", "title", "key"):
        value = getattr(record, name, None)
        if value:
            return f"#{record.id} {value}"
    if hasattr(record, "record_id") and hasattr(record, "date"):
        return f"#{record.id} ({record.date})"
    return f"#{record.id}"


def _object_url(record: Model) -> str:
    meta = record.instance_type._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.id])
    except NoReverseMatch:
        return ""
