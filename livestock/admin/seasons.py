"""The seasons' page."""

from django.contrib import admin

from livestock.models import Season
from livestock.services.seasons import season_update


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date"]

    def save_model(self, request, obj, form, change):
        """A change goes through ``season_update``: its records' flags
        move with its dates."""
        if not change:
            return super().save_model(request, obj, form, change)
        season_update(obj, **{name: form.cleaned_data[name] for name in form.changed_data})
