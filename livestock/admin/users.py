"""Users with the places they may work in, written by the services: a user
is added with a role (``user_create``, as ``manage.py add_user`` adds one),
changed (``user_update``), given a password (``user_set_password``), and
granted places one by one (``scope_grant_create``/``_update``/``_delete``)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import csrf_protect_m
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from livestock.access import roles
from livestock.admin.base import IdAutocompletes
from livestock.admin.entries import add_service_error
from livestock.models import SCOPE_LEVELS, ScopeGrant
from livestock.services.users import (
    USER_FIELDS,
    UserNotCreated,
    scope_grant_create,
    scope_grant_delete,
    scope_grant_update,
    user_create,
    user_set_password,
    user_update,
)


class UserAddForm(AdminUserCreationForm):
    """Django's form for a new user, with its role; saved by ``user_create``."""

    role = forms.ChoiceField(
        label=_("role"), choices=[(role, role) for role in roles.ROLE_PERMISSIONS]
    )

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        try:
            created = user_create(
                username=data["username"],
                role=data["role"],
                places=[],
                password=data["password1"] if data["set_usable_password"] else None,
            )
        except UserNotCreated as error:
            self.add_error(None, str(error))
            return
        except ValidationError as error:
            add_service_error(self, error)
            return
        self.instance = created.user

    def save(self, commit=True):
        return self.instance  # saved by the service


class UserChangeByServiceForm(UserChangeForm):
    """Django's form of a user; what changed is saved by ``user_update``."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        changes = {name: data[name] for name in self.changed_data if name in USER_FIELDS}
        related = {
            name: data[name] for name in ("groups", "user_permissions") if name in self.changed_data
        }
        try:
            self.instance = user_update(self.instance, **related, **changes)
        except ValidationError as error:
            add_service_error(self, error)

    def save(self, commit=True):
        return self.instance  # saved by the service


class PasswordByServiceForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        password = self.cleaned_data["password1"] if usable else None
        return user_set_password(self.user, password=password)


class ScopeGrantInline(IdAutocompletes, admin.TabularInline):
    model = ScopeGrant
    extra = 1
    autocomplete_fields = ["prefecture", "county", "township", "village"]


admin.site.unregister(get_user_model())  # Django's, replaced by the one below


@admin.register(get_user_model())
class UserWithScopeAdmin(UserAdmin):
    """Users with the places they may work in."""

    inlines = [ScopeGrantInline]
    add_form = UserAddForm
    form = UserChangeByServiceForm
    change_password_form = PasswordByServiceForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", *UserAdmin.add_fieldsets[0][1]["fields"][1:]),
            },
        ),
    )

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Django's, in its one transaction, undone when the page is drawn again after
        a post: the user's form writes through its service as it validates, before
        the places granted are checked, and a place refused (no such county) showed
        the error while the new user, or the change, stayed stored."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = self._changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and not isinstance(response, HttpResponseRedirect):
                transaction.set_rollback(True)
        return response

    def save_model(self, request, obj, form, change):
        pass  # the form saved the user through a service

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        """The user's places, each added, moved or taken back by a service. The
        lists Django's change message reads are filled as ``formset.save()`` would."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for grant_form in formset.forms:
            grant = grant_form.instance
            if formset.can_delete and formset._should_delete_form(grant_form):
                if grant.pk is not None:
                    scope_grant_delete(grant)
                    formset.deleted_objects.append(grant)
                continue
            if not grant_form.has_changed():
                continue
            places = {level: grant_form.cleaned_data.get(level) for level in SCOPE_LEVELS}
            if grant.pk is None:
                formset.new_objects.append(scope_grant_create(user=form.instance, **places))
            else:
                changed = scope_grant_update(grant, **places)
                formset.changed_objects.append((changed, grant_form.changed_data))
