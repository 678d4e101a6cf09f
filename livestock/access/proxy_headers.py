"""Which proxy headers a request may carry: those our proxy wrote.

With ``BEHIND_TLS_PROXY``, ``X-Forwarded-Proto`` says whether the client came
over HTTPS and ``X-Forwarded-For`` ends with its address, which the login
lockout and the API's limits count (``throttling.client_address``). Both are
only true when the proxy wrote them: a client that reaches gunicorn directly
could write its own, choose a new address for every guess and escape both
limits. So the headers are kept only on a connection from ``TRUSTED_PROXIES``
and dropped from any other, whose address is then the connection's.
"""

import ipaddress

from django.conf import settings

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


class ProxyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.BEHIND_TLS_PROXY and from_trusted_proxy(request)):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def from_trusted_proxy(request) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXIES)
