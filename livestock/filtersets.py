"""Filters for the API's lists (and the pages' later): places by id at any
level, seasons, date ranges, and a search on Chinese and Latin names."""

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from livestock.choices import Metric
from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    ReportedFigure,
    Township,
    Village,
)


class NameSearchFilterSet(filters.FilterSet):
    """``search=`` matches any of ``search_fields``, Chinese or Latin, in part."""

    search_fields: tuple[str, ...] = ("name", "name_latin")
    search = filters.CharFilter(method="filter_search", label=_("name (Chinese or Latin)"))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class PlaceFilterSet(NameSearchFilterSet):
    """``county=``, ``township=``, ``village=`` by id, for a model that lies in a
    village; ``village_path`` is the lookup from the model to it."""

    village_path = "village"
    county = filters.NumberFilter(label=_("county id"))
    township = filters.NumberFilter(label=_("township id"))
    village = filters.NumberFilter(label=_("village id"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["village"].field_name = self.village_path
        self.filters["township"].field_name = f"{self.village_path}__township"
        self.filters["county"].field_name = f"{self.village_path}__township__county"


class CountyFilterSet(NameSearchFilterSet):
    class Meta:
        model = County
        fields = ["prefecture"]


class TownshipFilterSet(NameSearchFilterSet):
    class Meta:
        model = Township
        fields = ["county"]


class VillageFilterSet(NameSearchFilterSet):
    county = filters.NumberFilter(field_name="township__county", label=_("county id"))

    class Meta:
        model = Village
        fields = ["township"]


class HerderFilterSet(PlaceFilterSet):
    class Meta:
        model = Herder
        fields = []


class LambingRecordFilterSet(PlaceFilterSet):
    village_path = "herder__village"
    search_fields = ("herder__name", "herder__name_latin")

    class Meta:
        model = LambingRecord
        fields = ["season", "herder"]


class LambingEntryFilterSet(PlaceFilterSet):
    village_path = "record__herder__village"
    search_fields = ("record__herder__name", "record__herder__name_latin")
    season = filters.NumberFilter(field_name="record__season", label=_("season id"))
    date = filters.DateFromToRangeFilter(label=_("date (date_after, date_before)"))

    class Meta:
        model = LambingEntry
        fields = ["record"]


class ReportedFigureFilterSet(filters.FilterSet):
    as_of = filters.DateFromToRangeFilter(label=_("as of (as_of_after, as_of_before)"))
    metric = filters.ChoiceFilter(choices=Metric.choices)
    search = filters.CharFilter(field_name="quote", lookup_expr="icontains", label=_("quote"))

    class Meta:
        model = ReportedFigure
        fields = ["county", "township", "village", "herder", "season", "report"]
