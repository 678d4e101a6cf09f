"""How the field app's phone is told that its technician's session has ended.

A session may end without a logout: it expires, or is ended on the server (a
password changed, an administrator). The phone keeps its technician's pages for
offline work until it hears of it, and its script cannot read where a redirect to
the login page leads (an opaque answer, the same as a mobile network's portal's).
So an answer drawn for nobody logged in to a request of a page's script says so in
a header (``LOGGED_OUT_HEADER``), and the phone drops what it kept of its owner's
(static/field/kept.js; never the outbox of counts not yet uploaded).

One rule for every surface the phone's script asks (``session_ended``): the field
app's own pages and JSON (``field.views.TechnicianView``) and the API its outbox is
uploaded to (``api.errors.exception_handler``, its not-authenticated answer).
"""

from django.http import HttpResponseBase

# Said by an answer to the phone's script drawn for nobody logged in.
LOGGED_OUT_HEADER = "X-Field-Logged-Out"


def asked_by_a_script(request) -> bool:
    """Whether a page's script or the service worker asked (a fetch), not the browser
    opening a page. Where a redirect leads is hidden from them: field.js asks with
    ``redirect: "manual"`` (following one to the login page drew it behind the
    technician's back), and the answer is then an opaque redirect, the same as one a
    mobile network's portal would make. A browser that does not say (no
    Sec-Fetch-Mode), and a client that is no browser (an integration), are taken to
    open a page."""
    return request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate"


def session_ended(request) -> bool:
    """Whether the answer to ``request`` tells the phone its session has ended: a
    page's script asked, and nobody is logged in (no session, or one that ended).
    Someone logged in and refused (a role that may not, a place outside theirs) is
    not told so."""
    return not request.user.is_authenticated and asked_by_a_script(request)


def told_session_ended(response: HttpResponseBase) -> HttpResponseBase:
    """``response``, saying the session has ended: for an answer to a request whose
    session has (``session_ended``)."""
    response[LOGGED_OUT_HEADER] = "1"
    return response
