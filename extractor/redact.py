"""Keep secrets out of messages, logs and records."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-*]{6,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._\-~+/=]{6,}"
    r"|(?i:api[_-]?key)[\"':= ]+[A-Za-z0-9._\-]{6,})"
)
MASK = "[redacted]"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove every given secret and anything shaped like an API key or bearer token."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return _SHAPES.sub(MASK, text)
