"""Users with the places they may work in."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from livestock.models import ScopeGrant


class ScopeGrantInline(admin.TabularInline):
    model = ScopeGrant
    extra = 1
    autocomplete_fields = ["prefecture", "county", "township", "village"]


admin.site.unregister(get_user_model())  # Django's, replaced by the one below


@admin.register(get_user_model())
class UserWithScopeAdmin(UserAdmin):
    """Users with the places they may work in."""

    inlines = [ScopeGrantInline]
