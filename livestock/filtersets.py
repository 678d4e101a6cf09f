"""Filters for the API's lists: places by id at any level, seasons, date
ranges, and a search on Chinese and Latin names (and herders' Kazakh names)."""

import datetime
import re

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField, RangeField
from drf_spectacular.utils import extend_schema_field

from livestock.choices import Metric
from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    ReportedFigure,
    Review,
    Township,
    Village,
)
from livestock.models.review import ReviewState
from livestock.places.names import names_matching, shown

# Database ids are 64-bit; a larger number is no id (and overflows SQLite).
MAX_ID = 2**63 - 1


def sent_more_than_once(params) -> dict[str, str]:
    """The parameters of a query (a ``QueryDict``) sent more than once, each with
    its refusal: no parameter of the API or the pages takes a list, and the last
    value was read, the others dropped (?as_of=2025-02-01&as_of=2025-02-05 answered
    as of 5 February)."""
    return {
        name: _("%(name)s is sent %(count)s times (%(values)s); send it once.")
        % {"name": name, "count": len(values), "values": ", ".join(map(shown, values))}
        for name, values in (params.lists() if hasattr(params, "lists") else ())
        if len(values) > 1
    }


def possible_id(text) -> int | None:
    """``text`` (a form's value, a part of a path) as the id it can be: ASCII digits
    naming 1 to ``MAX_ID``; None for anything else (abc, 1e5, ², past the
    database's range), counted before it is read, since Python reads no number of
    more than 4,300 digits (a 500 for 5,000 digits posted)."""
    text = str(text)
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        number = int(text)
        if 1 <= number <= MAX_ID:
            return number
    return None


# A date as the API's and the pages' parameters take it.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def not_a_date(value: str) -> str:
    """The one wording of a date that is not one, for the pages' and the API's
    parameters alike, saying the value back as every refusal does (``shown``: a
    value of 4,000 characters by its start and its length)."""
    return _("%(value)s is not a date (YYYY-MM-DD).") % {"value": shown(value)}


def iso_date(value: str) -> datetime.date:
    """``value`` read as YYYY-MM-DD and nothing else: not a format of the
    request's language, as Django's DateField reads one (02/11/2025 was
    11 February in English and refused in Chinese, 2025/02/11 the reverse), nor
    ISO's week dates or basic form, which Python reads (2025-W06-2, 20250211)."""
    if ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise forms.ValidationError(not_a_date(value), code="invalid")


class IsoDateField(forms.DateField):
    """A date parameter, read by ``iso_date``, refused with the value as sent."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        return iso_date(value)


class IsoDateRangeField(DateRangeField):
    def __init__(self, *args, **kwargs):
        RangeField.__init__(self, (IsoDateField(), IsoDateField()), *args, **kwargs)


class IsoDateRangeFilter(filters.DateFromToRangeFilter):
    """``NAME_after`` and ``NAME_before``, each a date as ``iso_date`` reads it."""

    field_class = IsoDateRangeField


class IdField(forms.IntegerField):
    """An id as ``possible_id`` reads one: ASCII digits naming 1 to ``MAX_ID``.
    Django's IntegerField read any script's digits (``?village=١`` was village 1,
    as ``/herders/١/`` was not) and refused "abc" without saying it back."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = possible_id(str(value).strip())
        if number is None:
            raise forms.ValidationError(
                _("%(value)s is not an id: a whole number from 1 to %(max)s, in digits 0–9.")
                % {"value": shown(value), "max": MAX_ID},
                code="invalid",
            )
        return number


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(filters.NumberFilter):
    """An id, as a number: an id outside the user's scope finds nothing, like one
    that does not exist, so no answer tells which ids exist elsewhere; and no
    list of choices names places or herders the user may not see."""

    field_class = IdField


class NameSearchFilterSet(filters.FilterSet):
    """``search=`` matches any of ``search_fields``, Chinese or Latin, in part."""

    search_fields: tuple[str, ...] = ("name", "name_latin")
    search = filters.CharFilter(method="filter_search", label=_("name (Chinese or Latin)"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(names_matching(value, queryset.model, self.search_fields))


class PlaceFilterSet(NameSearchFilterSet):
    """``county=``, ``township=``, ``village=`` by id, for a model that lies in a
    village; ``village_path`` is the lookup from the model to it."""

    village_path = "village"
    search_fields = ("name", "name_latin", "name_kazakh")
    search = filters.CharFilter(
        method="filter_search", label=_("herder's name (Chinese, Latin or Kazakh)")
    )
    county = IdFilter(label=_("county id"))
    township = IdFilter(label=_("township id"))
    village = IdFilter(label=_("village id"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["village"].field_name = self.village_path
        self.filters["township"].field_name = f"{self.village_path}__township"
        self.filters["county"].field_name = f"{self.village_path}__township__county"


class CountyFilterSet(NameSearchFilterSet):
    prefecture = IdFilter(label=_("prefecture id"))

    class Meta:
        model = County
        fields = []


class TownshipFilterSet(NameSearchFilterSet):
    county = IdFilter(label=_("county id"))

    class Meta:
        model = Township
        fields = []


class VillageFilterSet(NameSearchFilterSet):
    county = IdFilter(field_name="township__county", label=_("county id"))
    township = IdFilter(label=_("township id"))

    class Meta:
        model = Village
        fields = []


class HerderFilterSet(PlaceFilterSet):
    class Meta:
        model = Herder
        fields = []


class LambingRecordFilterSet(PlaceFilterSet):
    village_path = "herder__village"
    search_fields = ("herder__name", "herder__name_latin", "herder__name_kazakh")
    season = IdFilter(label=_("season id"))
    herder = IdFilter(label=_("herder household id"))

    class Meta:
        model = LambingRecord
        fields = []


class LambingEntryFilterSet(PlaceFilterSet):
    village_path = "record__herder__village"
    search_fields = (
        "record__herder__name",
        "record__herder__name_latin",
        "record__herder__name_kazakh",
    )
    season = IdFilter(field_name="record__season", label=_("season id"))
    record = IdFilter(label=_("lambing record id"))
    date = IsoDateRangeFilter(label=_("date (date_after, date_before)"))

    class Meta:
        model = LambingEntry
        fields = []


class ReportedFigureFilterSet(filters.FilterSet):
    as_of = IsoDateRangeFilter(label=_("as of (as_of_after, as_of_before)"))
    metric = filters.ChoiceFilter(choices=Metric.choices)
    search = filters.CharFilter(field_name="quote", lookup_expr="icontains", label=_("quote"))

    county = IdFilter(label=_("county id"))
    township = IdFilter(label=_("township id"))
    village = IdFilter(label=_("village id"))
    herder = IdFilter(label=_("herder household id"))
    season = IdFilter(label=_("season id"))
    report = filters.CharFilter(field_name="report__slug", label=_("report key"))

    class Meta:
        model = ReportedFigure
        fields = []


class ReviewFilterSet(filters.FilterSet):
    as_of = IsoDateRangeFilter(label=_("as of (as_of_after, as_of_before)"))
    state = filters.ChoiceFilter(choices=ReviewState.choices)
    county = IdFilter(field_name="township__county", label=_("county id"))
    township = IdFilter(label=_("township id"))
    season = IdFilter(label=_("season id"))

    class Meta:
        model = Review
        fields = []
