"""The bulletin as a PDF, made by WeasyPrint on the server.

Nothing is fetched while it is made: the only resources a bulletin names are
the app's own static files (its stylesheet), which ``StaticFilesOnly`` reads
from disk; any other URL (another host, a file: path, a data: URL) is
refused. Chinese is set in Noto Sans CJK, the font Debian's
``fonts-noto-cjk`` installs where fontconfig (and so WeasyPrint, through
Pango) finds it.

WeasyPrint is loaded with the first PDF a process makes, not with this module:
the bulletin's views import it with the URLs, and loading WeasyPrint and Pango
took 0.6 s (about 5 s under load) of every process's first request, whatever
that request was.
"""

import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

# Where the static files appear to WeasyPrint: a host that cannot resolve,
# so that a URL the fetcher lets through by mistake still reaches nothing.
BASE_URL = "http://bulletin.invalid/"


def static_file(url: str) -> Path | None:
    """The file on disk behind one of the app's static URLs, or None."""
    parts = urlsplit(url)
    prefix = urlsplit(BASE_URL + settings.STATIC_URL.lstrip("/")).path
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path.removeprefix(prefix))
    if not name or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    if staticfiles_storage.exists(name):
        return Path(staticfiles_storage.path(name))
    return None


@functools.cache
def _static_files_only_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        """Serves the app's static files and refuses every other URL."""

        def fetch(self, url, headers=None):
            path = static_file(url)
            if path is None:
                raise ValueError(f"not fetched (only the app's static files are): {url}")
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": mime_type}
            )

    return StaticFilesOnly


def static_files_only():
    """WeasyPrint's URL fetcher that serves the app's static files and refuses
    every other URL."""
    return _static_files_only_class()()


def pdf_from_html(html: str) -> bytes:
    """The PDF of a page whose links to static files are ``settings.STATIC_URL`` paths."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=static_files_only()).write_pdf()
