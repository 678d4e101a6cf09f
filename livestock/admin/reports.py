"""The source reports and their figures."""

from django.contrib import admin

from livestock.admin.base import RelatedFilter, RelatedOnlyFilter, ScopedAdmin
from livestock.models import Report, ReportedFigure


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "authors", "published_note"]
    search_fields = ["title"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(ScopedAdmin):
    list_display = ["as_of", "place", "metric", "qualifier", "value", "report"]
    list_filter = ["metric", ("season", RelatedFilter), ("county", RelatedOnlyFilter)]
    list_select_related = ["report", "prefecture", "county", "township", "village", "herder"]
    search_fields = ["quote", "key"]
