"""Bearer-token auth: off by default; when EXTRACTOR_API_TOKEN is set, all but health checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from extractor.service import auth
from tests.fakes.no_events_server import NoEventsServer
from tests.service_support import client_for

TOKEN = "fixture-token-7f3a9c"
ARTICLE = {"text": "An article. It says little."}
PROTECTED = [
    ("post", "/v1/extract", ARTICLE),
    ("post", "/v1/extract/batch", {"articles": [ARTICLE]}),
    ("get", "/metrics", None),
    ("get", "/openapi.json", None),
    ("get", "/docs", None),
]


@pytest.fixture
def fake() -> Iterator[NoEventsServer]:
    with NoEventsServer() as server:
        yield server


@pytest.fixture
def guarded(fake: NoEventsServer) -> Iterator[TestClient]:
    with client_for(fake.base_url, api_token=TOKEN) as client:
        yield client


def _call(client: TestClient, method: str, path: str, body: object, **headers: str) -> int:
    return client.request(method, path, json=body, headers=headers).status_code


def test_without_a_token_setting_every_route_is_open(fake: NoEventsServer) -> None:
    with client_for(fake.base_url) as client:
        statuses = [_call(client, *route) for route in PROTECTED]
        schema = client.get("/openapi.json").json()
    assert statuses == [200] * len(PROTECTED)
    assert "securitySchemes" not in schema.get("components", {})


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_with_a_token_every_route_needs_it(
    guarded: TestClient, method: str, path: str, body: object
) -> None:
    missing = guarded.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["error"] == "unauthorized"
    assert TOKEN not in missing.text
    assert _call(guarded, method, path, body, authorization="Bearer wrong-token") == 401
    assert _call(guarded, method, path, body, authorization=f"Basic {TOKEN}") == 401
    assert _call(guarded, method, path, body, authorization=f"Bearer {TOKEN}") == 200


def test_health_checks_need_no_token(guarded: TestClient) -> None:
    assert guarded.get("/healthz").status_code == 200
    assert guarded.get("/readyz").status_code == 200


def test_the_schema_documents_bearer_auth_and_401(guarded: TestClient) -> None:
    schema = guarded.get("/openapi.json", headers={"authorization": f"Bearer {TOKEN}"}).json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in schema["paths"]["/v1/extract"]["post"]["responses"]
    assert "security" not in schema["paths"]["/healthz"]["get"]


def test_the_token_is_compared_in_constant_time(
    guarded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    assert _call(guarded, "get", "/metrics", None, authorization="Bearer nope") == 401
    assert compared == [(b"nope", TOKEN.encode())]


def test_an_empty_token_setting_means_no_auth(
    fake: NoEventsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRACTOR_API_TOKEN", "")
    with client_for(fake.base_url) as client:
        assert client.post("/v1/extract", json=ARTICLE).status_code == 200
