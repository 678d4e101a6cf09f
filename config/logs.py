"""What the server writes to its log (stderr, which gunicorn and systemd keep).

Every unexpected exception is written with its traceback, the request's
method and path and the id of the user who sent it, whatever surface it
failed on: the pages and the admin (Django's ``django.request`` logger) and
the API (``livestock.api.errors``, which answers such a request itself). No
request body, header, cookie or query string is written: they may hold
passwords, tokens or counts.
"""

import logging


class RequestContext(logging.Filter):
    """Adds ``request_line`` (method and path) and ``user_id`` to a record whose
    ``extra`` names its request; ``-`` when there is none."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_line = "-"
        record.user_id = "-"
        if request is not None:
            record.request_line = (
                f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')}"
            )
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                record.user_id = user.pk
        return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": RequestContext}},
    "formatters": {
        "server": {
            "format": (
                "%(asctime)s %(levelname)s %(name)s [%(request_line)s user=%(user_id)s] %(message)s"
            )
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_context"],
            "formatter": "server",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # Django's own handlers write to the console only with DEBUG on, and mail
        # the ADMINS (none) otherwise: these write everything to stderr instead.
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
