"""The OpenAPI schema's view of every operation, with the answers besides 200 it can give: a
400 for a filter value the page's form refuses, a 404 for a missing (or unpublished) record or
a cursor that is not one, a 429 past the rate limit."""

from drf_spectacular.openapi import AutoSchema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Each refused parameter with what is wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class OpenAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        if self._is_list_view():
            responses.setdefault("400", _json("A filter value was refused.", _FIELD_ERRORS))
        responses.setdefault("404", _json("No such published record, or not a cursor.", _DETAIL))
        responses.setdefault(
            "429", _json("Too many requests: see the Retry-After header.", _DETAIL)
        )
        return operation
