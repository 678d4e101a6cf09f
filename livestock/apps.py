"""The app, and Django's admin with this service's site.

The admin site is here, not in ``livestock.admin``: Django makes the site
before it imports that package, and importing a module inside it would run
the package's registrations against a site not yet made.

The admin's index is grouped by what a technician does. Django lists an
app's models alphabetically by their names; in Chinese that is code-point
order, which put places before counts and the records a technician opens every
day in the middle. Here the service's models come in groups, in the order of a
day's work: counts first, then reviews and the reports' figures, then places,
then seasons. Other apps (users, login attempts) follow, for the superusers who
see them.
"""

from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class LivestockConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestock"
    verbose_name = _("Lambing season")

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from simple_history.signals import pre_create_historical_record

        from livestock.audit.attribution import describe_change
        from livestock.places.names import register_folding

        pre_create_historical_record.connect(describe_change, dispatch_uid="audit_describe_change")
        # Names are found whatever their case in any script, SQLite too (places/names.py).
        connection_created.connect(register_folding, dispatch_uid="names_register_folding")

        # A login saves the user's last_login; that is not a change to audit.
        def update_last_login_without_history(sender, user, **kwargs):
            user.skip_history_when_saving = True
            try:
                update_last_login(sender, user, **kwargs)
            finally:
                del user.skip_history_when_saving

        if user_logged_in.disconnect(dispatch_uid="update_last_login"):
            user_logged_in.connect(
                update_last_login_without_history, dispatch_uid="update_last_login", weak=False
            )


class LambingAdminConfig(admin_apps.AdminConfig):
    """Django's admin with this service's site: its index grouped for technicians."""

    default = False  # named in INSTALLED_APPS; "livestock" alone is LivestockConfig
    default_site = "livestock.apps.LambingAdminSite"


# (group, the models' names in it, in order). A model missing here is listed
# at the end of the last group, so none is ever hidden.
GROUPS = [
    (_("Daily counts"), ["lambingrecord", "herder"]),
    (_("Review and reports"), ["review", "reportedfigure", "report"]),
    (_("Places"), ["village", "township", "county", "prefecture"]),
    (_("Seasons"), ["season"]),
]
APP_LABEL = "livestock"


class LambingAdminSite(admin.AdminSite):
    """The admin's index in the groups of ``GROUPS``; its logout page, and its login
    page drawn for nobody logged in, drop the field pages the phone kept for offline
    work (templates/admin/_kept_cleared.html)."""

    site_header = _("Lambing-season tracker")
    site_title = _("Lambing-season tracker")
    index_title = _("Counts and places")
    # Its logout drops what the phone kept for offline work (the field app's pages),
    # and so does its login page shown to nobody logged in: a session ended without a
    # logout (expired, or ended on the server) sends a field page there.
    logout_template = "admin/logged_out.html"
    login_template = "admin/lambing_login.html"

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        grouped, others = [], []
        for app in app_list:
            if app["app_label"] != APP_LABEL:
                others.append(app)
                continue
            models = {model["object_name"].lower(): model for model in app["models"]}
            for name, model_names in GROUPS:
                group = [
                    models.pop(model_name) for model_name in model_names if model_name in models
                ]
                if group:
                    grouped.append({**app, "name": name, "models": group})
            if models and grouped:
                grouped[-1]["models"].extend(models.values())
        return [*grouped, *others]
