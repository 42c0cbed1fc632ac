"""The OpenAPI 3.1 document at ``/api/v2/openapi.json``: the contract clients are made from.

Routes declare their answers (``response_model``) and bodies (``body()``, since they read
bodies by hand). ``install`` then adds what holds for every operation at once: the
``X-AIO-Key`` security scheme, the ``{"error": ...}`` answers, the number types of query
parameters parsed by hand, and short operation ids for generated clients.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from stonechat.protocols.http.schemas import Error

ERROR_REF = {"$ref": "#/components/schemas/Error"}
WRITES = ("post", "put", "patch")
UNAUTHENTICATED_PREFIX = "/api/v2/webhooks/"

SECURITY_SCHEMES = {
    "AioKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-AIO-Key",
        "description": "Your master key, or a device token",
    },
    "AioKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "x-aio-key",
        "description": "The key as a query parameter (for clients that cannot set headers)",
    },
}
SECURITY: list[dict[str, list[str]]] = [{"AioKeyHeader": []}, {"AioKeyQuery": []}]

ERRORS = {
    400: "The request could not be read: malformed body, wrong parameter",
    401: "No key, or a key that belongs to nobody",
    403: "A valid key that may not do this (a token without the right, another user)",
    404: "No such user or record, or one the caller may not see",
    413: "The body is over 4 MiB",
    422: "A value breaks a rule (the error names it)",
    429: "Over a rate limit: see Retry-After",
    503: "The database is away: try again after Retry-After",
}

# Query parameters the routes parse by hand (to answer their own errors and clamp), typed
# here as clients should send them.
QUERY_TYPES: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "At most 1000"},
    "hours": {"type": "number", "exclusiveMinimum": 0, "description": "Span before end_time"},
    "resolution": {"type": "integer", "minimum": 1, "description": "Minutes per chart point"},
    "raw": {"type": "boolean", "description": "Every point, not aggregated"},
    "field": {"type": "string", "enum": ["avg", "sum", "val", "min", "max", "val_count"]},
}


def inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its ``$defs`` put in place: a request body schema given through
    ``openapi_extra`` is not collected into the document's components."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def request_body(
    model: type[BaseModel],
    wrapper: str | None = None,
    *,
    form: bool = True,
    required: bool = True,
    also: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An ``openapi_extra`` request body: ``model`` bare, or under ``wrapper``; as JSON and,
    with ``form``, as a form. ``also`` is one more JSON shape accepted (a bare array)."""
    inner = inline(model.model_json_schema())
    shapes = [inner]
    if wrapper:
        shapes.append(
            {
                "title": f"Wrapped{model.__name__}",
                "type": "object",
                "properties": {wrapper: inner},
                "required": [wrapper],
            },
        )
    if also:
        shapes.append(also)
    json_schema = shapes[0] if len(shapes) == 1 else {"anyOf": shapes}
    content: dict[str, Any] = {"application/json": {"schema": json_schema}}
    if "example" in inner:
        content["application/json"]["example"] = inner["example"]
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": inner}
    return {"requestBody": {"required": required, "content": content}}


def _operation_ids(document: dict[str, Any]) -> None:
    """Short unique ids (``create_feed``, ``group_create_data``) in place of FastAPI's (the
    function name, path and method): generated clients name their functions after them."""
    seen: set[str] = set()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            name = operation["operationId"]
            default_tail = re.sub(r"\W", "_", path) + f"_{method}"
            name = name.removesuffix(default_tail)  # explicit ids are kept whole
            name = name.rstrip("_")  # next_
            if path.endswith("/data/prev"):
                name = "prev"
            if method == "put" and name.startswith("update_"):
                name = "replace_" + name.removeprefix("update_")
            for kind in ("feed", "group", "dashboard"):
                acl = f"/{kind}s/{{{kind}_key}}/acl"
                if acl in path and "_permission" in name and kind not in name:
                    name = name.replace("permission", f"{kind}_permission")
            if "/groups/{group_key}/feeds/{feed_key}/data" in path:
                name = f"group_{name}"
            if name in seen:
                name = f"{name}_{method}"
            seen.add(name)
            operation["operationId"] = name


def _hoist(node: Any, schemas: dict[str, Any]) -> Any:
    """Named object schemas of request bodies moved into the components (generated clients
    then call them ``FeedBody``, not ``CreateFeedJsonBodyType1``)."""
    if isinstance(node, list):
        return [_hoist(v, schemas) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _hoist(v, schemas) for k, v in node.items()}
    title = node.get("title")
    named = node.get("type") == "object" and "properties" in node and isinstance(title, str)
    if named and schemas.setdefault(title, node) == node:
        return {"$ref": f"#/components/schemas/{title}"}
    return node


def _complete(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = Error.model_json_schema()
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in document.get("paths", {}).items():
        public = path.startswith(UNAUTHENTICATED_PREFIX)
        for method, operation in operations.items():
            operation["security"] = [] if public else SECURITY
            if "requestBody" in operation:
                operation["requestBody"] = _hoist(operation["requestBody"], schemas)
            responses = operation.setdefault("responses", {})
            codes = [400, 404, 422, 429, 503]
            if not public:
                codes += [401, 403]
            if method in WRITES:
                codes.append(413)
            for code in sorted(codes):
                declared = responses.get(str(code), {}).get("content", {})
                if declared.get("application/json", {}).get("schema") == ERROR_REF:
                    continue  # the route's own words for it
                responses[str(code)] = {
                    "description": ERRORS[code],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
            for parameter in operation.get("parameters", []):
                typed = QUERY_TYPES.get(parameter["name"])
                if parameter["in"] == "query" and typed is not None:
                    parameter["schema"] = typed
    _operation_ids(document)
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document (built once, on the first request for it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                    servers=app.servers,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
