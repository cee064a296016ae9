"""The version of every rule that shapes an answer, in one table.

Bump a rule's version when a change to it can change the prompt the model sees or
the events that come out. The result cache keys on the whole table (and on the
prompt template's own version), so a bump is a cache miss, never a stale answer.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

COMPACT_CODEC: Final = "c2"  # extractor.formats.compact.codec: reading compact-v1 answers
SENTENCES: Final = "s2"  # extractor.text.sentences: numbering, evidence choices, chunk pieces
CHUNKING: Final = "k2"  # extractor.text.chunking: chunk sizes and overlap rules
DATES: Final = "d2"  # extractor.checks.dates: the date check
ANCHORING: Final = "a1"  # extractor.checks.anchoring: which sentence an event cites
REPEATS: Final = "r1"  # extractor.checks.repeats: a happening told twice
MERGE: Final = "m1"  # extractor.checks.merge: one event reported by two chunks
JSON_ANSWER: Final = "j2"  # extractor.formats.json.response: the response model, schema bounds

RULES: Final = MappingProxyType(
    {
        "compact_codec": COMPACT_CODEC,
        "sentences": SENTENCES,
        "chunking": CHUNKING,
        "dates": DATES,
        "anchoring": ANCHORING,
        "repeats": REPEATS,
        "merge": MERGE,
        "json_answer": JSON_ANSWER,
    }
)


def rule_versions() -> dict[str, str]:
    """The table as it is now (read at call time, so a test can patch `RULES`)."""
    return dict(RULES)
