"""The three roles, as Django groups with model permissions.

A role says *what* a user may do; ``scoping.py`` says *where*. A superuser
has every permission everywhere.
"""

TECHNICIAN = "technician"
OFFICIAL = "official"
INTEGRATION = "integration"

READ_ONLY_MODELS = (
    "prefecture",
    "county",
    "township",
    "village",
    "season",
    "report",
    "reportedfigure",
)
COUNTED_MODELS = ("herder", "lambingrecord", "lambingentry")


def _codenames(actions: tuple[str, ...], models: tuple[str, ...]) -> set[str]:
    return {f"{action}_{model}" for action in actions for model in models}


READ_EVERYTHING = _codenames(("view",), READ_ONLY_MODELS + COUNTED_MODELS + ("review",))
# Granted to an integration user only when its token may write (add_user --write).
WRITE_COUNTS = _codenames(("add", "change"), COUNTED_MODELS)

# Review and sign-off (models/review.py): technicians submit a township's
# counts, officials approve or send them back, and reopen approved ones.
SUBMIT_COUNTS = {"submit_review"}
APPROVE_COUNTS = {"approve_review", "reopen_review"}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    TECHNICIAN: READ_EVERYTHING | WRITE_COUNTS | {"delete_lambingentry"} | SUBMIT_COUNTS,
    OFFICIAL: READ_EVERYTHING | APPROVE_COUNTS,
    INTEGRATION: READ_EVERYTHING,
}


def sync_role_groups(apps) -> None:
    """Make each role's group hold exactly its permissions. Called by migrations,
    with the historical app registry."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Migrations' app configs have no models module, which create_permissions
        # takes to mean "nothing to do"; lend them one for the call.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        permissions = permission_model.objects.filter(
            content_type__app_label="livestock", codename__in=codenames
        )
        group.permissions.set(permissions)
