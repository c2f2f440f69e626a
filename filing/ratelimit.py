"""The client's address and a fixed-window rate limit per client, kept in Django's cache (Redis in
production: a system check refuses a per-process cache there, so every server process shares the count).

The address: with no trusted proxy (``TRUSTED_PROXY_COUNT = 0``) it is the connection's ``REMOTE_ADDR``.
Behind N trusted proxies, each of which appends the address it received the request from to
``X-Forwarded-For``, the client is the N-th address from the right of ``X-Forwarded-For + [REMOTE_ADDR]``:
everything to its left was written by the client itself and is ignored, so a spoofed header cannot move the
client to another bucket. (django-ipware's proxy counting does not fit a proxy that appends the client's
address to an empty header, so the rule is written here, in one place, and used by the rate limits, the
login lockout (django-axes) and the API throttles.)
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address as the configured number of trusted proxies report it."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted <= 0:
        return _valid(remote) or remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain = [*forwarded, remote]
    candidate = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
    return _valid(candidate) or _valid(remote) or remote


def client_key(request) -> str:
    """The client's address, hashed (rate-limit keys carry no address in clear)."""
    return hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]


def hit(request, scope: str, limit: int, window_seconds: int, *, key: str | None = None) -> bool:
    """Count one request; False when the client (or ``key``, e.g. an e-mail address) is over ``limit`` in
    the current window."""
    window = int(time.time() // window_seconds)
    subject = hashlib.sha256(key.encode()).hexdigest()[:32] if key is not None else client_key(request)
    cache_key = f"rl:{scope}:{subject}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 5)
        return True
    return count <= limit
