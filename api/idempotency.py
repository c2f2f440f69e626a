"""Idempotency keys on creating POSTs (``Idempotency-Key`` header): a client that retries after a timeout
gets the first answer instead of a second object.

Same key + same request (method, path, body — uploaded files by content) = the first answer, with the
header ``Idempotent-Replayed: true``. Same key + another request = 409. Only successful answers are kept:
a refused request can be corrected and sent again with the same key. The answer and its record are written
in one transaction, so two concurrent requests with one key create one object (the second waits on the
unique key, then replays the first).
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from api.models import IdempotentRequest
from filing.errors import Conflict, Invalid

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY = 100


def key(request) -> str:
    """The request's ``Idempotency-Key`` header ('' without one); Invalid when it is not a usable key."""
    value = request.META.get(HEADER, "")
    if value and (len(value) > MAX_KEY or not value.isprintable() or not value.strip()):
        message = _("幂等键须为1至%(n)d个可打印字符。") % {"n": MAX_KEY}
        raise Invalid(message, errors={"Idempotency-Key": [message]})
    return value.strip()


def _fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body
        for name, values in sorted(data.lists()):
            digest.update(name.encode() + b"=")
            for value in values:
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\0")
    else:
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def _replay(record: IdempotentRequest, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Conflict(_("该幂等键已用于另一个请求，请换一个键。"))
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"})


def idempotent(post):
    """Decorate an API view's ``post``."""

    @functools.wraps(post)
    def wrapper(self, request, *args, **kwargs):
        key_ = key(request)
        if not key_:
            return post(self, request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        previous = IdempotentRequest.objects.filter(user=request.user, key=key_).first()
        if previous is not None:
            return _replay(previous, fingerprint)
        try:
            with transaction.atomic():
                response = post(self, request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    IdempotentRequest.objects.create(
                        user=request.user,
                        key=key_,
                        method=request.method,
                        path=request.path[:300],
                        fingerprint=fingerprint,
                        status=response.status_code,
                        body=response.data,
                    )
        except IntegrityError:
            previous = IdempotentRequest.objects.filter(user=request.user, key=key_).first()
            if previous is None:
                raise
            return _replay(previous, fingerprint)
        return response

    return wrapper
