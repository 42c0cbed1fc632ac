"""The OpenAPI document at /api/v2/openapi.json is a contract clients can be generated from
(issue 12): valid, authenticated, with bodies, answers and errors declared."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from support import Server

WRITES = ("post", "put", "patch")
ERROR_REF = "#/components/schemas/Error"
# Writes that read no body: the token in the path, or nothing at all.
NO_BODY = {
    ("post", "/api/v2/webhooks/feed/{token}/notify"),
    ("post", "/api/v2/{username}/feeds/{feed_key}/webhooks"),
    ("post", "/api/v2/{username}/integrations/{service}/{rest}"),
    ("post", "/api/v2/{username}/actions/{action_id}/run"),
    ("post", "/api/v2/{username}/triggers/{action_id}/run"),
}


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/api/v2/openapi.json", timeout=30)
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert len(operations(document)) > 100


def test_rest_of_integration_path_is_declared(document: dict[str, Any]) -> None:
    item = document["paths"]["/api/v2/{username}/integrations/{service}/{rest}"]
    for operation in item.values():
        names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert names == {"username", "service", "rest"}


def test_security_scheme_on_every_authenticated_operation(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} == {
        ("apiKey", "header", "X-AIO-Key"),
        ("apiKey", "query", "x-aio-key"),
    }
    for method, path, operation in operations(document):
        if path.startswith("/api/v2/webhooks/"):
            assert operation["security"] == [], (method, path)
            continue
        requirements = operation.get("security")
        assert requirements, (method, path)
        assert all(set(r) <= set(schemes) for r in requirements)


def test_every_write_declares_its_body(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if method not in WRITES or (method, path) in NO_BODY:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        assert content, (method, path)
        assert all(media.get("schema") for media in content.values()), (method, path)


def component(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    named: dict[str, Any] = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return named


def test_wrapped_and_bare_bodies_as_json_and_form(document: dict[str, Any]) -> None:
    create = document["paths"]["/api/v2/{username}/feeds"]["post"]["requestBody"]["content"]
    bare, wrapped = (component(document, s) for s in create["application/json"]["schema"]["anyOf"])
    assert "name" in bare["properties"]
    assert wrapped["required"] == ["feed"]
    form = component(document, create["application/x-www-form-urlencoded"]["schema"])
    assert form == bare
    point = document["paths"]["/api/v2/{username}/feeds/{feed_key}/data"]["post"]
    schema = point["requestBody"]["content"]["application/json"]["schema"]["anyOf"][0]
    assert component(document, schema)["required"] == ["value"]


def test_every_answer_has_a_schema_and_errors_are_the_error_shape(
    document: dict[str, Any],
) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        responses = operation["responses"]
        if "/integrations/{service}/" not in path:  # not offered: always 404
            assert any(code.startswith("2") for code in responses), (method, path)
        for code, response in responses.items():
            content = response.get("content")
            assert content, (method, path, code)
            for media in content.values():
                assert media.get("schema"), (method, path, code)
            if code[0] in "45":
                assert content["application/json"]["schema"] == {"$ref": ERROR_REF}, (
                    method,
                    path,
                    code,
                )
        for code in ("400", "404", "422", "503"):
            assert code in responses, (method, path, code)
        if not path.startswith("/api/v2/webhooks/"):
            assert "401" in responses, (method, path)
        if method in WRITES:
            assert "413" in responses, (method, path)


def test_record_shapes_are_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in (
        "User",
        "Feed",
        "Datum",
        "Group",
        "Dashboard",
        "Block",
        "LayoutItem",
        "Throttle",
        "Activity",
        "Permission",
        "Token",
        "NewToken",
        "Chart",
        "Receiver",
    ):
        assert name in schemas, name
    assert document["paths"]["/api/v2/user"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/User"}


def test_numbers_are_typed(document: dict[str, Any]) -> None:
    chart = document["paths"]["/api/v2/{username}/feeds/{feed_key}/data/chart"]["get"]
    types = {p["name"]: p["schema"].get("type") for p in chart["parameters"]}
    assert types["hours"] == "number"
    assert types["resolution"] == "integer"
    assert types["raw"] == "boolean"
    data = document["paths"]["/api/v2/{username}/feeds/{feed_key}/data"]["get"]
    assert {p["name"]: p["schema"].get("type") for p in data["parameters"]}["limit"] == "integer"


def test_operation_ids_are_short_and_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _m, _p, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert {"create_feed", "create_data", "list_data", "chart", "get_user"} <= set(ids)
