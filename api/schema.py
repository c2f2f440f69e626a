"""Schema extensions: an input that refuses unknown fields (``StrictInput``) says so in the schema
(``additionalProperties: false``), so a client generator and the contract test (schemathesis's negative
data) know that an extra field is an error, not something silently dropped."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension


class StrictInputExtension(OpenApiSerializerExtension):
    target_class = "workflows.serializers.StrictInput"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


#: What each error status means in this API (docs/api.md, "Errors"); every answer has the Error shape.
ERROR_MEANINGS = {
    "400": "invalid input: `errors` names each field (an unknown or read-only field too); a malformed filter",
    "401": "no token, a bad or expired token",
    "403": "your role may not do this (on an object you can see)",
    "404": "absent or outside your scope (the two are indistinguishable)",
    "409": "wrong state for the action, a lost race, or a stale `version` (`current_version` is given)",
    "422": "a roster file rejected whole, with its per-row `report`",
    "429": "rate limit (per user, per client for anonymous calls, and the login lockout)",
}


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation lists the errors it can answer (400 for a body or a filter, 401,
    404 on an object's address, 429 everywhere) with what each means, in the one Error shape."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, methods in result.get("paths", {}).items():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            wanted = ["401", "429"]
            if operation.get("requestBody") or operation.get("parameters"):
                wanted.append("400")
            if "{" in path:
                wanted.append("404")
            for code in wanted:
                responses.setdefault(code, {"content": error})
            for code, response in responses.items():
                if code in ERROR_MEANINGS and not response.get("description"):
                    response["description"] = ERROR_MEANINGS[code]
    return result
