"""What keeps a new kind of count to the few files ``docs/architecture.md``
lists: every layer past those files reads the count by name from one
declaration, so adding it there reaches the rollups, the API and the pages."""

import datetime
import importlib
import inspect
import pkgutil
import re
from dataclasses import fields
from pathlib import Path

import pytest
from django.utils import translation

from livestock import i18n, templatetags
from livestock.api.serializers import LambingEntrySerializer, TotalsSerializer
from livestock.counting import metrics, rollups, walk
from livestock.counting.totals import NUMBERS, LambingTotals
from livestock.field import rules_description
from livestock.models import DailyRollup, LambingEntry
from livestock.pages import summary_table
from livestock.spreadsheets import columns

ROOT = Path(__file__).resolve().parent.parent


def test_what_the_walk_reads_of_an_entry_is_read_from_the_entries_by_name():
    read = [field.name for field in fields(walk.EntryFacts)]
    assert list(LambingEntry.RUNNING_TOTAL_FIELDS) == read
    for name in read:
        LambingEntry._meta.get_field(name)  # a model field, not a spelling of one


def test_every_number_of_the_totals_is_a_rollup_column_of_the_same_name():
    assert DailyRollup.COUNT_FIELDS == NUMBERS == tuple(f.name for f in fields(LambingTotals))
    assert rollups.COUNTED == DailyRollup.COUNTED
    for name in DailyRollup.COUNTED:
        DailyRollup._meta.get_field(name)


def test_the_apis_totals_carry_every_metric_of_the_registry():
    codes = [
        metric.code for metric in (*metrics.COUNTS, *metrics.HOUSEHOLDS_COVERED, *metrics.RATES)
    ]
    # Beside them, each rate with its numerator, denominator and households.
    assert [name for name in TotalsSerializer().fields if name != "rates"] == codes
    assert set(codes) <= {
        *NUMBERS,
        *(name for name in dir(LambingTotals) if name.endswith("_rate")),
    }


def test_an_entrys_content_is_the_apis_and_the_services():
    entry_fields = set(LambingEntrySerializer().fields)
    assert set(LambingEntry.CONTENT_FIELDS) <= entry_fields


def test_the_summary_shows_the_registrys_counts_marked_for_it():
    shown = [column.key for column in summary_table.COLUMNS if column.kind == "count"]
    assert shown == [metric.code for metric in metrics.COUNTS if metric.on_summary]


FIELD_APP = [
    ROOT / "templates" / "field" / "_count_inputs.html",
    ROOT / "livestock" / "static" / "field" / "field.js",
]


@pytest.mark.parametrize("path", FIELD_APP, ids=lambda path: path.name)
def test_the_field_apps_entry_inputs_name_no_field_of_an_entry(path):
    """The field app's form and script draw an entry's inputs from the rules
    description, so a new kind of count needs neither file: no field but the
    date (every entry's, with its own input) is named, as a string, a property
    or an attribute's value. (The script may read a total the page shows,
    ``[data-total=…]``: not an input.)"""
    text = re.sub(r"data-total=[^\]]*\]", "", path.read_text(encoding="utf-8"))
    named = [
        name
        for name in LambingEntry.CONTENT_FIELDS
        if name != "date" and re.search(rf"[\"'.=]{name}\b", text)
    ]
    assert named == []


def test_the_rules_description_holds_every_field_an_entry_takes():
    description = rules_description.describe(season=None, today=datetime.date(2025, 2, 11))
    assert list(description["fields"]) == list(LambingEntry.CONTENT_FIELDS)


def test_a_spreadsheets_entry_columns_are_the_entrys_fields_by_their_names():
    assert columns.ENTRY_KEYS == LambingEntry.CONTENT_FIELDS
    for name in LambingEntry.CONTENT_FIELDS:
        label = LambingEntry._meta.get_field(name).verbose_name
        with translation.override("zh-hans"):
            chinese = str(label)
        with translation.override("en"):
            english = str(label)
        assert columns.COLUMN_BY_KEY[name].header == f"{chinese} {english}"


def test_no_template_filter_or_tag_is_named_as_a_function_of_i18n():
    """One name, one meaning: ``i18n.in_both`` makes a message's plain "first ·
    beside" from a msgid and its values, and a template filter also named
    ``in_both`` made a label's marked-up pair from a lazily translated text (now
    ``label_both``): who read one in a template took it for the other."""
    helpers = {
        name
        for name, value in vars(i18n).items()
        if inspect.isfunction(value) and value.__module__ == i18n.__name__
    }
    shared = {}
    for module in pkgutil.iter_modules(templatetags.__path__):
        library = importlib.import_module(f"{templatetags.__name__}.{module.name}").register
        for name, made in {**library.filters, **library.tags}.items():
            # Django's own, which i18n_bidi hands on (its language_bidi filter is i18n's).
            if name in helpers and made.__module__.startswith("livestock."):
                shared[name] = module.name
    assert shared == {}
