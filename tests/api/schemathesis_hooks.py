"""Schemathesis hooks of the contract test (loaded with ``SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks``,
no Django here): every generated body gets a field no endpoint declares, and any 2xx to such a request is a
failure — an endpoint that drops an unknown field silently would let a client believe it changed
something."""

from __future__ import annotations

import schemathesis

UNKNOWN = "x_no_such_field"


@schemathesis.hook
def map_body(context, body):
    if isinstance(body, dict):
        return {**body, UNKNOWN: "x"}
    return body


@schemathesis.check
def unknown_field_refused(ctx, response, case):
    if isinstance(case.body, dict) and UNKNOWN in case.body and 200 <= response.status_code < 300:
        raise AssertionError(f"answered {response.status_code} to a body with the unknown field {UNKNOWN!r}")
    return None
