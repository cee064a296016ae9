"""Schemathesis against the service's own OpenAPI schema, the backend a fixture fake.

Every generated request (valid and invalid bodies, with auth on) must get a
documented status with a body that matches the schema, and never a 5xx. All
built-in checks run; one is narrowed: a schema-valid article may still be
refused with 422 `article_error` by the article rules JSON Schema cannot state
(a date prefix must be a real day, binary data is not text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from extractor.service.models import NOT_BLANK_PATTERN
from tests.fakes.no_events_server import NoEventsServer
from tests.service_support import build_app

TOKEN = "fixture-token-for-schemathesis"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def api_schema() -> Iterator[Any]:
    with NoEventsServer() as fake:
        app = build_app(
            fake.base_url,
            api_token=TOKEN,
            service={"batch_max_items": 3, "batch_concurrency": 2, "max_body_bytes": 64_000},
        )
        yield schemathesis.openapi.from_asgi("/openapi.json", app, headers=AUTH)


def positive_data_accepted_unless_an_article_rule(ctx: Any, response: Any, case: Any) -> None:
    """Schema-valid data is accepted, or refused only by an article rule (422 article_error)."""
    if response.status_code == 422 and response.json().get("error") == "article_error":
        return
    positive_data_acceptance(ctx, response, case)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_response_is_documented_and_never_a_server_error(case: Any) -> None:
    case.call_and_validate(
        headers=AUTH,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_accepted_unless_an_article_rule],
    )


# ECMAScript's `\s`, which JSON Schema patterns use (schemathesis generates by it).
ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def test_the_documented_text_pattern_refuses_what_the_api_finds_blank() -> None:
    """A text of one character that `str.strip` removes is refused (422), so the schema
    must not call it valid: its pattern, read the ECMAScript way, finds no match."""
    ecma_pattern = re.compile(
        NOT_BLANK_PATTERN.replace(r"\S", f"[^{ECMA_SPACE}]").replace(r"\s", ECMA_SPACE)
    )
    blank = [chr(code) for code in range(0x3001) if chr(code).isspace()]
    assert blank and all(ecma_pattern.search(char) is None for char in blank)
    assert ecma_pattern.search("\ufeffA") and ecma_pattern.search("A")
