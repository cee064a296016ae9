"""The response model a JSON answer is validated against, and its schema for the model.

Grounding comes in through the validation context (`GROUNDING_CONTEXT_KEY`), so one
class serves every article and its schema is built once. Only grounded decoding (the
evidence must be one of the article's sentences) needs a class per article.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from extractor_schemas import Article, Event
from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from ...checks.grounding import ArticleIndex
from ...text.sentences import split_sentences

GROUNDING_CONTEXT_KEY = "article_index"
_SET_BY_EXTRACTOR = ("evidence_span",)
_UNESCAPABLE = re.compile(r'["\\]')  # llama.cpp's schema-to-grammar mis-escapes these in enums


def article_sentences(article: Article, limit: int = 400, min_length: int = 12) -> list[str]:
    """The body's sentences, verbatim, in order, without duplicates.

    A sentence with a double quote or backslash is split there, so that every
    choice is still a verbatim span but needs no escaping in a grammar.
    """
    seen: dict[str, None] = {}
    text = article.text
    for sentence in split_sentences(article):
        for piece in _UNESCAPABLE.split(text[sentence.start : sentence.end]):
            piece = piece.strip()
            if len(piece) >= min_length:  # a stripped slice of the body: verbatim by construction
                seen.setdefault(piece, None)
    return list(seen)[:limit]


class ArticleEvents(BaseModel):
    """All events reported in the article, each with its verbatim evidence."""

    model_config = ConfigDict(extra="forbid")
    events: list[Event]

    evidence_choices: ClassVar[list[str] | None] = None
    max_events: ClassVar[int | None] = None
    max_text_length: ClassVar[int | None] = None

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> ArticleEvents:
        index = (info.context or {}).get(GROUNDING_CONTEXT_KEY)
        if isinstance(index, ArticleIndex):
            problems = index.problems(list(self.events))
            if problems:
                raise ValueError("answer is not grounded in the article: " + " ".join(problems))
        return self

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema the model sees: no extractor-filled fields, plus any decoding bounds."""
        schema = super().model_json_schema(*args, **kwargs)
        definitions: dict[str, Any] = schema.get("$defs", {})
        definitions.pop("Span", None)
        for definition in definitions.values():
            properties: dict[str, Any] = definition.get("properties", {})
            for name in _SET_BY_EXTRACTOR:
                properties.pop(name, None)
            if cls.max_text_length:
                _bound_strings(properties, cls.max_text_length)
            definition["required"] = list(properties)  # a grammar then emits every field
            if cls.evidence_choices and "evidence" in properties:
                properties["evidence"] = {"type": "string", "enum": cls.evidence_choices}
        if cls.max_events is not None:
            schema["properties"]["events"]["maxItems"] = cls.max_events
        return schema

    @classmethod
    def bounded(
        cls,
        *,
        max_events: int | None = None,
        max_text_length: int | None = None,
        evidence_choices: list[str] | None = None,
    ) -> type[ArticleEvents]:
        """A variant whose schema bounds the answer, for a grammar; `cls` when unbounded."""
        if not (evidence_choices or max_events or max_text_length):
            return cls
        attributes = {
            "evidence_choices": evidence_choices,
            "max_events": max_events,
            "max_text_length": max_text_length,
            "__doc__": cls.__doc__,
            "__module__": cls.__module__,
        }
        return type(cls.__name__, (cls,), attributes)


def _bound_strings(node: Any, max_length: int) -> None:
    """Give every free-text string (not enums or dates) a maximum length."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "enum" not in node and "pattern" not in node:
            node.setdefault("maxLength", max_length)
        for value in node.values():
            _bound_strings(value, max_length)
    elif isinstance(node, list):
        for value in node:
            _bound_strings(value, max_length)
