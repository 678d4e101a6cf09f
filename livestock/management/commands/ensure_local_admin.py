"""``python manage.py ensure_local_admin``: a superuser for a first local run.

Creates the superuser ``admin`` with a random password, printed once, unless
a superuser exists already; then it says so and changes nothing.
"""

import secrets

from django.contrib.auth import get_user_model

from livestock.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Create a local superuser 'admin' with a one-time password, unless one exists."

    def handle(self, *args, **options):
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; log in with its password.")
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(
            self.style.SUCCESS("Created superuser 'admin' with password: ")
            + password
            + "  (shown once; change it after logging in)"
        )
