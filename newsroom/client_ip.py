"""The address a request came from, behind as many trusted reverse proxies as configured.

Behind a reverse proxy (nginx, a load balancer), ``REMOTE_ADDR`` is the
proxy's address for every request: login throttling would then lock a
username out for everyone at once. Each proxy appends the address it was
reached from to ``X-Forwarded-For``, so with ``NEWSROOM_TRUSTED_PROXIES=N``
the client is the N-th address from the right. Entries further left came
from the client itself and prove nothing. With no proxy configured, or a
header too short to have passed through them all, ``REMOTE_ADDR`` it is.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.NEWSROOM_TRUSTED_PROXIES
    if not proxies:
        return remote_addr
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote_addr
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
