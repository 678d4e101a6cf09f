"""Townships' reviews, read only: they change on the summary pages."""

from django.contrib import admin

from livestock.admin.base import RelatedFilter, RelatedOnlyFilter, ScopedHistoryAdmin
from livestock.models import Review


@admin.register(Review)
class ReviewAdmin(ScopedHistoryAdmin):
    """The reviews of the townships in the user's places, read only: states
    change on the summary pages (``services.reviews``), never by editing here."""

    list_display = [
        "township",
        "season",
        "as_of",
        "state",
        "comment",
        "changed_by",
        "changed_at",
        "approved_by",
    ]
    list_filter = ["state", ("season", RelatedFilter), ("township__county", RelatedOnlyFilter)]
    list_select_related = ["township", "season", "changed_by", "approved_by"]
    readonly_fields = [field.name for field in Review._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
