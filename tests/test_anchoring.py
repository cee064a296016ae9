"""Evidence re-anchoring: a cited sentence next to the one that states the event is mended."""

from __future__ import annotations

from extractor.articles import parse_article
from extractor.checks.anchoring import reanchor, support
from extractor.formats.compact.codec import decode
from extractor.text.sentences import split_sentences

ARTICLE = parse_article(
    "ALMATY, March 3 (Wire) - Steppe Cement said on Monday it had signed a $40 million loan "
    "with Halyk Bank. The money will fund a new kiln. Construction of the new kiln at Karaganda "
    "will start in June, chief executive Aida Nurova said. Demand for cement is rising. "
    "The company also agreed to explore solar power with Samruk Energy.",
    "steppe",
    "2025-03-05",
)
SENTENCES = split_sentences(ARTICLE)


def _decoded(answer: str) -> list:
    return decode(answer, ARTICLE)


def test_an_event_citing_the_next_sentence_moves_to_the_one_that_states_it() -> None:
    [event] = _decoded(
        "investment occurred - s2\norg Steppe Cement\ninvestor Halyk Bank\nvalue 40 million USD"
    )
    moved = reanchor(event, ARTICLE, SENTENCES)
    assert moved.evidence.startswith("ALMATY, March 3 (Wire) - Steppe Cement said on Monday")
    assert moved.evidence_span is not None
    assert ARTICLE.text[moved.evidence_span.start : moved.evidence_span.end] == moved.evidence


def test_of_two_sentences_naming_its_project_a_milestone_takes_the_one_of_its_stage() -> None:
    [event] = _decoded(
        "milestone planned 2025-06 s4\nloc Karaganda\norg Steppe Cement\n"
        "project new kiln\nstage construction_start"
    )
    moved = reanchor(event, ARTICLE, SENTENCES)
    assert moved.evidence.startswith("Construction of the new kiln at Karaganda will start")


def test_a_sentence_that_states_the_event_as_well_as_a_neighbour_keeps_it() -> None:
    [event] = _decoded(
        "intent planned - s5\norg Steppe Cement\norg Samruk Energy\nareas solar power"
    )
    assert reanchor(event, ARTICLE, SENTENCES) is event


def test_evidence_other_than_one_whole_sentence_is_not_moved() -> None:
    clause, quoted, two = _decoded(
        "investment occurred - s2:0-26\norg Halyk Bank\ninvestor Halyk Bank\n"
        'investment occurred - "Demand for cement"\norg Halyk Bank\ninvestor Halyk Bank\n'
        "investment occurred - s3-4\norg Halyk Bank\ninvestor Halyk Bank"
    )
    assert reanchor(clause, ARTICLE, SENTENCES) is clause
    assert reanchor(quoted, ARTICLE, SENTENCES) is quoted
    assert reanchor(two, ARTICLE, SENTENCES) is two


def test_support_counts_names_figures_and_the_kind_of_happening() -> None:
    [event] = _decoded(
        "investment occurred - s1\norg Steppe Cement\ninvestor Halyk Bank\nvalue 40 million USD"
    )
    first, second = (ARTICLE.text[s.start : s.end] for s in SENTENCES[:2])
    # Halyk Bank and 40 million (2 each), Steppe Cement (a name, 0.5) and "loan" (1);
    # the second sentence only says "fund".
    assert support(event, first) == 5.5
    assert support(event, second) == 1
