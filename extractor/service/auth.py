"""Optional bearer-token auth (`EXTRACTOR_API_TOKEN`), compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from .problems import ServiceError

_bearer = HTTPBearer(
    auto_error=False,
    description="The value of EXTRACTOR_API_TOKEN; needed on every route but the health checks.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison (it leaks only whether the lengths differ)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def require_token(token: SecretStr) -> Callable[..., Awaitable[None]]:
    """A dependency that refuses a request without `Authorization: Bearer <token>` (401)."""
    expected = token.get_secret_value()

    async def check(credentials: Credentials) -> None:
        if credentials is None or not token_matches(credentials.credentials, expected):
            raise ServiceError(
                401,
                "unauthorized",
                "missing or wrong bearer token (Authorization: Bearer $EXTRACTOR_API_TOKEN)",
                headers={"www-authenticate": "Bearer"},
            )

    return check
