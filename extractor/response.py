"""The response model instructor validates each answer against."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from extractor_schemas import Article, Event
from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from .grounding import ArticleIndex

GROUNDING_CONTEXT_KEY = "article_index"
_SET_BY_EXTRACTOR = ("evidence_span",)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]?\s+|\n+")
_UNESCAPABLE = re.compile(r'["\\]')  # llama.cpp's schema-to-grammar mis-escapes these in enums


def article_sentences(article: Article, limit: int = 400, min_length: int = 12) -> list[str]:
    """The body's sentences, verbatim, in order, without duplicates.

    A sentence with a double quote or backslash is split there, so that every
    choice is still a verbatim span but needs no escaping in a grammar.
    """
    seen: dict[str, None] = {}
    for sentence in _SENTENCE_END.split(article.body):
        for piece in _UNESCAPABLE.split(sentence):
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
    # The article the answer must be grounded in. Kept on the per-article class, not in
    # instructor's `context`: instructor renders a given context into the messages as a
    # Jinja template, which would run any `{{ ... }}` an article contains.
    article_index: ClassVar[ArticleIndex | None] = None

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> ArticleEvents:
        index = (info.context or {}).get(GROUNDING_CONTEXT_KEY) or type(self).article_index
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
    def constrained(
        cls,
        article: Article,
        *,
        evidence_from_sentences: bool,
        max_events: int | None,
        max_text_length: int | None,
        index: ArticleIndex | None = None,
    ) -> type[ArticleEvents]:
        """A per-article variant: grounded in `index`, with schema bounds for a grammar."""
        if not (evidence_from_sentences or max_events or max_text_length or index):
            return cls
        attributes = {
            "article_index": index,
            "evidence_choices": article_sentences(article) if evidence_from_sentences else None,
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
