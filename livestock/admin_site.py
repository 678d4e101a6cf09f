"""The admin site, with its index grouped by what a technician does.

Django lists an app's models alphabetically by their names; in Chinese that
is code-point order, which put places before counts and the records a
technician opens every day in the middle. Here the service's models come in
groups, in the order of a day's work: counts first, then reviews and the
reports' figures, then places, then seasons. Other apps (users, login
attempts) follow, for the superusers who see them.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
