"""The API's documentation page, drawn on the server from the OpenAPI schema itself: no
JavaScript and no third-party assets (the site's Content-Security-Policy allows neither)."""

from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator


def _operations(schema: dict) -> list[dict]:
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": p.get("name", ""),
                    "where": p.get("in", ""),
                    "description": p.get("description", ""),
                    "type": (p.get("schema") or {}).get("type", ""),
                    "choices": (p.get("schema") or {}).get("enum", []),
                    "required": p.get("required", False),
                }
                for p in operation.get("parameters", [])
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "id": operation.get("operationId", ""),
                    "parameters": parameters,
                }
            )
    return operations


def api_docs(request):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "api/docs.html",
        {"info": schema.get("info", {}), "operations": _operations(schema), "nav": "api"},
    )
