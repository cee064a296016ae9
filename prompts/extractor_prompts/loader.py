"""Load prompt templates (sandboxed Jinja2) and their few-shot examples."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

from extractor_schemas import Article, Event
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict

_VERSION_TAG = re.compile(r"\{#-?\s*version:\s*(\S+)\s*-?#\}")
_CLOSING_TAG = re.compile(r"</article", re.IGNORECASE)


def fence(body: str) -> str:
    """Keep an article from closing its own delimiter early."""
    return _CLOSING_TAG.sub("<\\/article", body)


class FewShotExample(BaseModel):
    """An article with its events, checked against the schemas when loaded."""

    model_config = ConfigDict(extra="forbid")
    article: Article
    events: list[Event]

    @cached_property
    def events_json(self) -> str:
        return json.dumps(
            {"events": [e.model_dump(mode="json", exclude={"evidence_span"}) for e in self.events]},
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class Messages:
    system: str
    user: str

    def as_openai(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    source: str
    declared_version: str

    @property
    def version(self) -> str:
        """Declared version plus a content hash, so an edit without a bump still shows."""
        digest = hashlib.sha256(self.source.encode()).hexdigest()[:8]
        return f"{self.declared_version}+{digest}"

    def render(self, article: Article, examples: list[FewShotExample]) -> Messages:
        template = _compiled(self.source)
        context: dict[str, Any] = {"article": article, "examples": examples}
        blocks = {
            name: "".join(block(template.new_context(context))).strip()
            for name, block in template.blocks.items()
        }
        return Messages(system=blocks["system"], user=blocks["user"])


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters["fence"] = fence
    return env


@cache
def _compiled(source: str) -> Template:
    """Compiling is most of a render's cost (about 2 ms): once per template source."""
    return _environment().from_string(source)


def load_template(name: str = "events") -> PromptTemplate:
    source = resources.files(__package__).joinpath("templates", f"{name}.jinja").read_text("utf-8")
    match = _VERSION_TAG.search(source)
    if match is None:
        raise ValueError(f"prompt template {name!r} declares no '{{#- version: ... -#}}' tag")
    return PromptTemplate(name=name, source=source, declared_version=match.group(1))


def load_examples(name: str = "default") -> list[FewShotExample]:
    """Load `examples/<name>.json`: a list of {article: {...}, events: [...]}, validated."""
    raw = resources.files(__package__).joinpath("examples", f"{name}.json").read_text("utf-8")
    examples = [FewShotExample.model_validate(item) for item in json.loads(raw)]
    for example in examples:
        for event in example.events:
            if event.evidence not in example.article.text:
                raise ValueError(
                    f"few-shot example {example.article.id!r}: evidence is not in its article: "
                    f"{event.evidence!r}"
                )
    return examples
