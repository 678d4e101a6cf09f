"""Load the report data file (``livestock/data/*.jsonl``): the places, seasons,
reports and reported figures read from the source reports.

The load is all or nothing: the first bad line stops it with the file's name
and the line's number, and the database is left as it was. Loading the same
file again changes nothing. Lambing records and entries made from herders'
figures go through ``services``, so they obey the same rules as any entry;
once made they are the technicians', and a later load leaves their
corrections standing.
"""

import datetime
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction

from livestock.choices import Metric
from livestock.models import (
    LADDER,
    Herder,
    LambingEntry,
    LambingRecord,
    Report,
    ReportedFigure,
    Season,
)
from livestock.services.entries import EntryConflict, entry_create
from livestock.services.places import herder_create, herder_update, place_create, place_update
from livestock.services.records import record_create, record_update
from livestock.services.reports import figure_create, figure_update, report_create, report_update
from livestock.services.seasons import season_create, season_update

DEFAULT_DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "altay_2025_02.jsonl"

# Entries made from reported figures get a UUID derived from the figure's key,
# so that loading the file again finds them instead of adding them twice.
FIGURE_ENTRY_NAMESPACE = uuid.UUID("6f1c8a52-4a4b-4f3e-9a53-2f0f6d1f6c11")

# The levels of a place path, from the top, with the field naming the parent.
PLACE_LEVELS: list[tuple[type[models.Model], str | None]] = [
    (level.model, level.parent_field) for level in LADDER
]
PLACE_KINDS = {level.name: level.depth for level in LADDER}

FIELDS = {
    **{
        kind: {"name", "name_latin"} | ({"within"} if depth else set())
        for kind, depth in PLACE_KINDS.items()
    },
    "season": {"key", "season_kind", "start_date", "end_date"},
    "report": {"slug", "title", "publisher", "authors", "published_note", "source"},
    "figure": {
        "key",
        "report",
        "place",
        "season",
        "as_of",
        "as_of_note",
        "metric",
        "value",
        "qualifier",
        "quote",
    },
}
OPTIONAL = {"publisher", "authors", "published_note", "season", "as_of_note"}

# The services that write each kind, as every other surface writes it.
CREATE = {
    **{model: partial(place_create, model) for model, _parent in PLACE_LEVELS},
    Herder: herder_create,
    Season: season_create,
    Report: report_create,
    ReportedFigure: figure_create,
}
UPDATE = {
    **dict.fromkeys((model for model, _parent in PLACE_LEVELS), place_update),
    Herder: herder_update,
    Season: season_update,
    Report: report_update,
    ReportedFigure: figure_update,
}


class DataFileError(Exception):
    """A line of the data file that cannot be loaded."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}, line {line}: {message}")
        self.line = line


@dataclass
class LoadSummary:
    """What a load did, by kind: created, changed or already as in the file."""

    created: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)


def load_report_data(path: Path = DEFAULT_DATA_FILE) -> LoadSummary:
    """Load every line of ``path`` in one transaction."""
    loader = _Loader()
    with transaction.atomic():
        for line_number, item in _read_lines(path):
            try:
                loader.load(item)
            except ValidationError as error:
                raise DataFileError(path, line_number, _describe(error)) from error
            except (LookupError, ValueError, TypeError, EntryConflict) as error:
                raise DataFileError(path, line_number, str(error)) from error
    return loader.summary


def _read_lines(path: Path):
    with open(path, encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataFileError(path, line_number, f"not valid JSON: {error.msg}") from error
            if not isinstance(item, dict):
                raise DataFileError(path, line_number, "a line must be a JSON object")
            yield line_number, item


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None


class _Loader:
    def __init__(self):
        self.summary = LoadSummary()
        self.seasons: dict[str, Season] = {}

    def load(self, item: dict) -> None:
        kind = item.get("kind")
        if kind not in FIELDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(FIELDS)}")
        given = set(item) - {"kind"}
        missing = FIELDS[kind] - OPTIONAL - given
        unknown = given - FIELDS[kind]
        if missing or unknown:
            missing_text = ", ".join(sorted(missing)) or "nothing"
            unknown_text = ", ".join(sorted(unknown)) or "nothing"
            raise ValueError(f"{kind}: missing {missing_text}; unknown {unknown_text}")
        if kind in PLACE_KINDS:
            self._place(kind, item)
        else:
            getattr(self, f"_{kind}")(item)

    def _save(self, kind: str, model: type[models.Model], lookup: dict, values: dict):
        """Create the object, or bring it in line with the file, saving only on
        change; either through the service every surface writes it with."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            self.summary.created[kind] += 1
            return CREATE[model](**lookup, **values)
        changes = {name: value for name, value in values.items() if getattr(obj, name) != value}
        if not changes:
            self.summary.unchanged[kind] += 1
            return obj
        self.summary.changed[kind] += 1
        return UPDATE[model](obj, **changes)

    def _find_place(self, path: list[str]) -> list[models.Model]:
        """The places named by a path from the prefecture down, each one found."""
        if not isinstance(path, list) or not 1 <= len(path) <= len(PLACE_LEVELS):
            raise ValueError(f"a place path is a list of 1 to {len(PLACE_LEVELS)} names: {path!r}")
        found: list[models.Model] = []
        for (model, parent_field), name in zip(PLACE_LEVELS, path, strict=False):
            lookup = {"name": name}
            if parent_field:
                lookup[parent_field] = found[-1]
            matches = list(model.objects.filter(**lookup)[:2])
            if len(matches) != 1:
                problem = "no" if not matches else "more than one"
                where = " / ".join(path[: len(found) + 1])
                raise LookupError(f"{problem} {model._meta.model_name} named {where}")
            found.append(matches[0])
        return found

    def _place(self, kind: str, item: dict) -> None:
        depth = PLACE_KINDS[kind]
        model, parent_field = PLACE_LEVELS[depth]
        lookup = {"name": item["name"]}
        if parent_field:
            parents = self._find_place(item["within"])
            if len(parents) != depth:
                raise ValueError(f"a {kind} lies within a path of {depth} places")
            lookup[parent_field] = parents[-1]
        self._save(kind, model, lookup, {"name_latin": item["name_latin"]})

    def _season(self, item: dict) -> None:
        season = self._save(
            "season",
            Season,
            {"kind": item["season_kind"], "start_date": _date(item["start_date"], "start_date")},
            {"end_date": _date(item["end_date"], "end_date")},
        )
        self.seasons[item["key"]] = season

    def _report(self, item: dict) -> None:
        values = {name: item.get(name, "") for name in FIELDS["report"] - {"slug"}}
        self._save("report", Report, {"slug": item["slug"]}, values)

    def _figure(self, item: dict) -> None:
        places = self._find_place(item["place"])
        levels = [level.name for level in LADDER]
        season = None
        if item.get("season") is not None:
            if item["season"] not in self.seasons:
                raise LookupError(f"season {item['season']!r} is not defined above this line")
            season = self.seasons[item["season"]]
        try:
            value = Decimal(str(item["value"]))
        except InvalidOperation:
            raise ValueError(f"value {item['value']!r} is not a number") from None
        figure = self._save(
            "figure",
            ReportedFigure,
            {"key": item["key"]},
            {
                "report": Report.objects.get(slug=item["report"]),
                **dict.fromkeys(levels),
                **dict(zip(levels, places, strict=False)),
                "season": season,
                "as_of": _date(item["as_of"], "as_of"),
                "as_of_note": item.get("as_of_note", ""),
                "metric": item["metric"],
                "value": value,
                "qualifier": item["qualifier"],
                "quote": item["quote"],
            },
        )
        if figure.herder and figure.season and figure.metric in (Metric.EWES, Metric.LAMBS_BORN):
            self._record_from(figure)

    def _record_from(self, figure: ReportedFigure) -> None:
        """A herder's reported ewes become the record's ewes at the start; reported
        lambs born become a dated entry. "More than 50" is recorded as 50."""
        if figure.value != figure.value.to_integral_value():
            raise ValueError(f"{figure.value} is not a whole number of head")
        count = int(figure.value)
        record = LambingRecord.objects.filter(herder=figure.herder, season=figure.season).first()
        if record is None:
            ewes = count if figure.metric == Metric.EWES else None
            record = record_create(herder=figure.herder, season=figure.season, ewes_at_start=ewes)
            self.summary.created["record"] += 1
        if figure.metric == Metric.EWES:
            # Once made, a record is the technicians': a correction of its ewes
            # stands, and loading the report again does not undo it.
            if record.ewes_at_start is None:
                record_update(record=record, ewes_at_start=count)
                self.summary.changed["record"] += 1
            return
        entry_uuid = uuid.uuid5(FIGURE_ENTRY_NAMESPACE, figure.key)
        if LambingEntry.objects.filter(uuid=entry_uuid).exists():
            self.summary.unchanged["entry"] += 1  # as loaded, or as corrected since
            return
        entry_create(
            record=record,
            date=figure.as_of,
            lambs_born=count,
            note=f"{figure.report.title}: {figure.quote}",
            uuid=entry_uuid,
        )
        self.summary.created["entry"] += 1
