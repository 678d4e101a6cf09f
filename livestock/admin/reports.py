"""The source reports and their figures, added and corrected by the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from livestock.admin.base import (
    RelatedFilter,
    RelatedOnlyFilter,
    ScopedAdmin,
    ServiceForm,
    WrittenByServiceAdmin,
)
from livestock.models import Report, ReportedFigure
from livestock.services.reports import figure_create, figure_update, report_create, report_update


class ReportForm(ServiceForm):
    def write(self, data: dict) -> Report:
        return self.added_or_changed(data, create=report_create, update=report_update)


class ReportedFigureForm(ServiceForm):
    def write(self, data: dict) -> ReportedFigure:
        return self.added_or_changed(data, create=figure_create, update=figure_update)


@admin.register(Report)
class ReportAdmin(WrittenByServiceAdmin, admin.ModelAdmin):
    form = ReportForm
    list_display = ["title", "authors", "published_note"]
    search_fields = ["title"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(WrittenByServiceAdmin, ScopedAdmin):
    form = ReportedFigureForm
    list_display = ["as_of", "place", "metric", "qualifier", "value_shown", "report"]
    list_filter = ["metric", ("season", RelatedFilter), ("county", RelatedOnlyFilter)]
    list_select_related = ["report", "prefecture", "county", "township", "village", "herder"]
    search_fields = ["quote", "key"]

    @admin.display(description=_("value"), ordering="value")
    def value_shown(self, figure: ReportedFigure) -> str:
        """As written (150, 1.5), not as stored (150.00)."""
        return figure.value_text
