from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class LivestockConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "livestock"
    verbose_name = _("Lambing season")

    def ready(self):
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in
        from simple_history.signals import pre_create_historical_record

        from livestock.audit import describe_change

        pre_create_historical_record.connect(describe_change, dispatch_uid="audit_describe_change")

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
    default_site = "livestock.admin_site.LambingAdminSite"
