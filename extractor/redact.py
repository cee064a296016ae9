"""Keep secrets out of messages, logs and records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

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


_known_secrets: set[str] = set()
_default_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _default_factory(*args, **kwargs)
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    message = record.getMessage()
    cleaned = redact(message, _known_secrets)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_text:
        record.exc_text = redact(record.exc_text, _known_secrets)
    return record


def protect_logs(secret: str | None) -> None:
    """Redact `secret` (and key-shaped text) from every log record of this process.

    Libraries log what providers answer (instructor logs each failed attempt with the
    provider's message, which may quote the key), so redaction sits where every
    record is made, whatever logger or handler carries it.
    """
    if secret:
        _known_secrets.add(secret)
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
