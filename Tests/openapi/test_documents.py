"""The OpenAPI documents are valid OpenAPI, describe the API as it is, and the schemas they show are enforced."""
from openapi_spec_validator import validate

from conftest import TOKEN


def test_platform_document_is_valid_openapi(api):
    status, doc = api.call("GET", "/api/v1/openapi.json")
    assert status == 200, doc
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"][0]["url"].startswith("http")
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert (schemes["sessionCookie"]["type"], schemes["sessionCookie"]["in"], schemes["sessionCookie"]["name"]) == ("apiKey", "cookie", "op_session")
    assert schemes["csrfToken"]["name"] == "X-CSRF-Token"
    ops = {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()}
    assert len(ops) > 60
    assert all(p.startswith("/api/v1/") for _, p in ops)
    # Scopes as the /api/v1 route groups apply them.
    assert ops[("GET", "/api/v1/services")]["security"][0] == {"bearerAuth": ["read"]}
    assert ops[("POST", "/api/v1/services")]["security"] == [{"bearerAuth": ["write"]}, {"sessionCookie": [], "csrfToken": []}]
    assert ops[("POST", "/api/v1/api-keys")]["x-required-scope"] == "admin"
    assert ops[("POST", "/api/v1/auth/login")]["security"] == []
    assert ops[("GET", "/api/v1/services/{id}/versions/{version}/files")]["parameters"][1]["name"] == "version"
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_platform_document_needs_credentials(api):
    status, body = api.call("GET", "/api/v1/openapi.json", token=None)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


def test_documented_bodies_are_enforced(api):
    status, doc = api.call("GET", "/api/v1/openapi.json")
    schema = doc["paths"]["/api/v1/brain"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["kind", "text"]
    status, body = api.call("POST", "/api/v1/brain", {"kind": "fact", "text": 7})
    assert status == 400
    assert body["error"]["code"] == "invalid_body"
    assert "body.text" in body["error"]["message"]
    status, body = api.call("POST", "/api/v1/brain", raw=b"{not json")
    assert (status, body["error"]["code"]) == (400, "invalid_json")
    status, body = api.call("POST", "/api/v1/brain", {"kind": "fact", "text": "documented is enforced"})
    assert status == 201, body


def test_service_document_is_valid_openapi(api, notes):
    status, doc = api.call("GET", "/api/v1/services/notes/openapi.json")
    assert status == 200, doc
    validate(doc)
    assert doc["info"]["title"] == "Notes"
    assert "notes" in doc["servers"][0]["url"] and not doc["servers"][0]["url"].endswith("/")
    post = doc["paths"]["/notes"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["text"]
    assert doc["paths"]["/notes/{id}"]["delete"]["parameters"][0] == {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    assert "get" in doc["paths"]["/notes"]
    status, body = api.call("GET", "/api/v1/services/no-such-service/openapi.json")
    assert (status, body["error"]["code"]) == (404, "not_found")
