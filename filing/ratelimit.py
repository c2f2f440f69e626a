"""A fixed-window rate limit per client, kept in Django's cache (Redis in production, so every server
process shares the count)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def client_key(request) -> str:
    """The client's address (the proxy's X-Forwarded-For only when configured behind one), hashed."""
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[0].strip()
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def hit(request, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one request; False when the client is over ``limit`` in the current window."""
    window = int(time.time() // window_seconds)
    key = f"rl:{scope}:{client_key(request)}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 5)
        return True
    return count <= limit
