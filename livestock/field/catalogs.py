"""The addresses of the field app's catalogs (``views.FieldCatalog``): one per
language, with the version of the texts it holds in its query (``?v=``).

The service worker answers a catalog from the copy it kept, at once (``sw.js``,
``keptFirst``): waited for from the network as long as a page, it held every page
kept on the phone on a signal that answers nothing. Under one address for ever,
the first page after a deploy that changed the app's texts got the copy kept
before it, and showed the new lines untranslated. The address now changes with
the compiled catalogs, so a new page asks for the new one, and the worker (whose
list of catalogs changes with it) keeps it at its next installation."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.urls import reverse

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@functools.cache
def version() -> str:
    """A digest of every compiled catalog of the app's script (``djangojs.mo``):
    what a page shows next to its own language is another language's texts."""
    digest = hashlib.sha256()
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/djangojs.mo")):
        digest.update(path.parent.parent.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def catalog_url(language: str) -> str:
    """The address of ``language``'s catalog, with the texts' version."""
    return f"{reverse('field:catalog', args=[language])}?v={version()}"


def catalog_urls() -> list[str]:
    """Every language's, as the service worker keeps them."""
    return [catalog_url(code) for code, _name in settings.LANGUAGES]
