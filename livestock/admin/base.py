"""What every admin page of the service stands on: lists, choices and
autocompletes narrowed to the user's places, forms whose save is a service's
write (refusals shown at their fields), filters applied only when asked."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from livestock.admin.entries import add_service_error
from livestock.filtersets import MAX_ID, possible_id
from livestock.models import (
    County,
    Herder,
    LambingEntry,
    LambingRecord,
    Prefecture,
    ReportedFigure,
    Township,
    Versioned,
    Village,
)
from livestock.places import scoping
from livestock.places.names import names_matching, normalize_name

SCOPED_MODELS = (
    Prefecture,
    County,
    Township,
    Village,
    Herder,
    LambingRecord,
    LambingEntry,
    ReportedFigure,
)


class ServiceForm(forms.ModelForm):
    """A model form that checks what was typed (whole numbers, real dates, a
    place in scope) and leaves the rest to a service (``write``): the model's
    rules, the reason a correction needs, and the version the page showed
    (``seen_version``), so that a save made from an older version is refused,
    naming who saved the newer one. Django's admin saves after validating, with
    no way to show a refusal at its field; so the service is called as the
    form's last validation step, inside the admin's transaction, and what it
    refuses is shown at the field it names."""

    seen_version = forms.IntegerField(
        label=_("version the page showed"),
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=MAX_ID,
    )
    # The service's names for the form's fields, where they differ.
    service_names: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # None for a model not edited by several people at once (models.Versioned).
        self.fields["seen_version"].initial = getattr(self.instance, "version", None)
        # A change of one that is must say the version it was made from: a POST
        # without it (a page made some other way, a script) saved over whatever
        # another person had saved meanwhile, unchecked.
        changed = self.instance.pk is not None
        self.fields["seen_version"].required = changed and isinstance(self.instance, Versioned)

    def _post_clean(self):
        if self._errors:
            return
        try:
            with transaction.atomic():
                self.instance = self.write(self.cleaned_data)
        except ValidationError as error:
            add_service_error(self, error, self.service_names)

    def write(self, data: dict) -> Model:
        raise NotImplementedError

    def added_or_changed(self, data: dict, *, create, update) -> Model:
        """``write`` for a page whose object is added by ``create`` (the form's
        fields) and changed by ``update`` (the fields changed), both services."""
        values = {name: data[name] for name in self.fields if name != "seen_version"}
        if self.instance.pk is None:
            return create(**values)
        changes = {name: values[name] for name in self.changed_data if name in values}
        return update(self.instance, **changes) if changes else self.instance


class WrittenByServiceAdmin:
    """An admin whose form has saved its object through a service already, and
    whose deletions are a service's too: a deletion the service refuses (say, a
    record in approved figures) is undone and said at the top of the page it
    came from, as Django says a protected object, not a server error."""

    def save_model(self, request, obj, form, change):
        pass

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            return self._refused(request, error)

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except ValidationError as error:
            return self._refused(request, error)

    def _refused(self, request, error: ValidationError) -> HttpResponseRedirect:
        self.message_user(request, " ".join(error.messages), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, which redraws a refused form's choice by looking
    its value up: a value that is no id (abc, 1e5, past the database's range)
    is not looked up, so the form shows its field's error instead of a 500."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if possible_id(v) is not None]
        return super().optgroups(name, ids, attr)


class IdAutocompletes:
    """An admin (or inline) whose autocomplete fields redraw a refused form's choice
    with ``IdAutocompleteSelect``: Django's own looked up whatever was posted, and a
    value that is no id (abc, 5,000 digits) was a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget", IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(IdAutocompletes, admin.ModelAdmin):
    """An admin whose lists, choices and URLs stop at the user's scope."""

    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Not found and not in scope look the same: nothing to guess from.
            raise Http404(_("No such object in your places."))
        return obj

    def get_search_results(self, request, queryset, search_term):
        """A term with a NUL character matches nothing stored (PostgreSQL holds no
        NUL in text, and refuses it in a query): no match, not an error. The
        change list's search form refuses it already; the autocomplete does not."""
        if "\x00" in search_term:
            return queryset.none(), False
        # Typed as names are stored (NFC, Kazakh hamza), so either spelling finds them.
        found, duplicates = super().get_search_results(
            request, queryset, normalize_name(search_term)
        )
        if search_term.strip() and self.search_fields:
            # And as every surface searches a name (names.names_matching): a household
            # typed with another dot, or none, is found as the API and the field app find it.
            fields = tuple(field.lstrip("^=@") for field in self.search_fields)
            found |= queryset.filter(names_matching(search_term, self.model, fields))
        return found, duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related: type[Model] = db_field.related_model
        if related in SCOPED_MODELS:
            kwargs["queryset"] = scoping.visible(request.user, related._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin with the model's history (who, when, before and after,
    why) to read. History is read here, never written back: restoring an old
    version would step around the forms that check counts and versions."""

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)  # 404 outside the scope
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, object_id)
        if possible_id(version_id) is None:
            raise Http404(_("No such version."))
        if request.method != "GET":
            raise PermissionDenied(_("History is read only; change the current version."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class AppliedWhenAskedMixin:
    """Django hides a list filter that has a single choice (a technician of one
    village has one village, one township, one season) and then drops the
    filter's URL parameter without applying it: the list, and the exports that
    follow it, would show everything under a filter the user asked for. A
    filter named in the URL is kept, so it is applied, and shown as active."""

    def has_output(self) -> bool:
        return bool(self.used_parameters) or super().has_output()


class RelatedOnlyFilter(AppliedWhenAskedMixin, admin.RelatedOnlyFieldListFilter):
    pass


class RelatedFilter(AppliedWhenAskedMixin, admin.RelatedFieldListFilter):
    pass
