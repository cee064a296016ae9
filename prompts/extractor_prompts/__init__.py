"""Prompt templates and few-shot examples. Depends only on the schemas."""

from .loader import FewShotExample, Messages, PromptTemplate, fence, load_examples, load_template

__all__ = [
    "FewShotExample",
    "Messages",
    "PromptTemplate",
    "fence",
    "load_examples",
    "load_template",
]
