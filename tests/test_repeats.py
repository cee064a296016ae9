"""Events a model wrote twice are dropped; distinct happenings of one type are kept."""

from __future__ import annotations

from typing import Any

from extractor_schemas import Event, Span, event_adapter

from extractor import Extractor, load_settings
from extractor.checks.repeats import distinct
from tests.fakes.scripted_server import Reply, ScriptedServer, text_completion

ACME = [{"name": "Acme", "kind": "organization"}]


def _event(span: tuple[int, int] | None = None, **fields: Any) -> Event:
    event = event_adapter.validate_python(
        {"status": "occurred", "participants": ACME, "evidence": "x", **fields}
    )
    event.evidence_span = Span(start=span[0], end=span[1]) if span else None
    return event


def test_a_looped_repeat_of_an_event_is_dropped() -> None:
    meeting = {
        "type": "meeting",
        "participants": [{"name": "Xi", "kind": "person"}, {"name": "Tokayev", "kind": "person"}],
    }
    first = _event((0, 15), **meeting, date="2025-05-27")
    repeat = _event((0, 15), **meeting, date="2025-04")  # same sentence, looped
    other = _event((0, 15), **{**meeting, "participants": meeting["participants"][:1]})
    assert distinct([first, repeat, other]) == [first, other]


def test_two_milestones_of_one_sentence_are_kept() -> None:
    milestone = {"type": "project_milestone", "project": "plant"}
    delay = _event((0, 38), **milestone, milestone="delay")
    cancelled = _event((0, 38), **milestone, milestone="other")
    assert distinct([delay, cancelled]) == [delay, cancelled]


def test_the_same_happening_told_from_two_sentences_is_kept_once() -> None:
    milestone = {"type": "project_milestone", "project": "Kibi Hills plant", "date": "2025-11"}
    lead = _event((0, 90), **milestone, milestone="commissioning")
    quote = _event(
        (400, 480), **{**milestone, "project": "kibi hills plant"}, milestone="commissioning"
    )
    assert distinct([lead, quote]) == [lead]


def test_happenings_that_differ_in_date_status_or_figures_are_kept() -> None:
    loan = {"type": "investment", "investor": "Bank", "target": "Acme"}
    tranche_one = _event((0, 10), **loan, value={"amount": 1e8, "currency": "USD"})
    tranche_two = _event((20, 30), **loan, value={"amount": 5e7, "currency": "USD"})
    visit = {"type": "meeting"}
    today = _event((40, 50), **visit, date="2025-05-27")
    next_month = _event((60, 70), **visit, date="2025-06", status="planned")
    events = [tranche_one, tranche_two, today, next_month]
    assert distinct(events) == events


ARTICLE = (
    "Acme and Bolt agreed to explore joint work on solar power. "
    "Next month Acme and Bolt will also look at wind power together."
)
TWO_INTENTS = (
    "intent planned - s1\norg Acme\norg Bolt\nareas solar power\n"
    "intent planned - s2\norg Acme\norg Bolt\nareas wind power"
)


def test_extract_drops_repeats_after_the_date_check(scripted_server: ScriptedServer) -> None:
    # Both answers carry no date; the check dates the second from "Next month", so they
    # are two happenings, not one told twice.
    scripted_server.queue(Reply(200, text_completion(TWO_INTENTS)))
    settings = load_settings(
        base_url=scripted_server.base_url, model="fixture", answer_format="compact"
    )
    with Extractor(settings) as extractor:
        result = extractor.extract(ARTICLE, article_id="intents", published="2025-05-27")
    assert [(e.date, e.areas) for e in result.events] == [  # type: ignore[union-attr]
        (None, ["solar power"]),
        ("2025-06", ["wind power"]),
    ]
