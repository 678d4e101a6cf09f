"""The seasons' page: a season is added and changed by the services (its
records' flags move with its dates)."""

from django.contrib import admin

from livestock.admin.base import ServiceForm, WrittenByServiceAdmin
from livestock.models import Season
from livestock.services.seasons import season_create, season_update


class SeasonForm(ServiceForm):
    class Meta:
        model = Season
        fields = ["kind", "start_date", "end_date"]

    def write(self, data: dict) -> Season:
        return self.added_or_changed(data, create=season_create, update=season_update)


@admin.register(Season)
class SeasonAdmin(WrittenByServiceAdmin, admin.ModelAdmin):
    form = SeasonForm
    list_display = ["__str__", "start_date", "end_date"]
