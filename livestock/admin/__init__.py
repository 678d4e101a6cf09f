"""The Django admin: the field technicians' daily tool.

Every list, form choice, autocomplete and URL is narrowed by
``scoping.visible``; an object outside the user's scope is a 404. Forms check
what was typed; every write is a call of the services (which hold the rules,
the locks, the reasons a correction needs and the versions), whose refusals
are shown at their fields. A record's entries are written one at a time from
its page (``admin.entries``).

Django's autodiscovery imports this package; the pages register in their
modules, one per kind of object, on the site of ``livestock.apps``.
"""

from livestock.admin import places, records, reports, reviews, seasons, users  # noqa: F401
