"""Schema and grounding faults from the fault server (a FIXTURE) are re-asked, within bounds."""

from __future__ import annotations

import json

import pytest
from extractor_prompts import load_examples

from extractor import ExtractionError
from tests.fakes.fault_server import ANSWER_FAULTS, INVENTED_NAME, OK, FaultServer
from tests.fakes.scripted_server import Reply, ScriptedServer, tool_call_completion
from tests.fault_helpers import ARTICLE, fault_extractor

# What the re-ask tells the model, per fault (the reason instructor sends back).
REASK_REASON = {
    "truncated_json": "json_invalid",
    "schema_break": "validation error",
    "hallucination": "does not occur in the article",
    "few_shot_copy": "is not text of the article",
}


def _reask_text(server: FaultServer, index: int) -> str:
    return json.dumps(server.requests[index]["messages"][2:])


@pytest.mark.parametrize("fault", ANSWER_FAULTS)
def test_answer_fault_is_reasked_then_answered(fault: str) -> None:
    with FaultServer(script=[fault, OK]) as server, fault_extractor(server) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
        assert server.injected[fault] == 1
    assert result.attempts == 2 and result.requests == 2
    assert [e.type for e in result.events] == ["meeting", "agreement"]
    # The second request is a re-ask: the first answer and what was wrong with it.
    assert len(server.requests[1]["messages"]) > len(server.requests[0]["messages"])
    assert REASK_REASON[fault] in _reask_text(server, 1)
    for event in result.events:
        assert event.evidence_span is not None
        assert ARTICLE[event.evidence_span.start : event.evidence_span.end] == event.evidence


@pytest.mark.parametrize("fault", ANSWER_FAULTS)
def test_spent_reasks_raise_with_class_and_attempts(fault: str) -> None:
    with (
        FaultServer({fault: 1.0}) as server,
        fault_extractor(server, max_reasks=2) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    error = caught.value
    assert error.kind == "validation" and error.error_class == "validation_error"
    assert error.attempts == 3 == error.requests == server.injected[fault]
    assert str(error).startswith("no valid answer in 3 attempts: ")
    assert error.usage.total_tokens > 0
    assert error.last_completion is not None


def test_copying_the_few_shot_example_fails_grounding() -> None:
    """The example's evidence and names are not in the article, so the copy is refused."""
    [example] = load_examples("default")
    with (
        FaultServer({"few_shot_copy": 1.0}) as server,
        fault_extractor(server, max_reasks=1, few_shot="default") as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    # The example really was in the prompt, and the answer copied it.
    assert example.events[0].evidence in json.dumps(server.requests[0]["messages"])
    reask = _reask_text(server, 1)
    for event in example.events:
        assert json.dumps(f"evidence is not text of the article: {event.evidence!r}")[1:-1] in reask
    assert "name 'Nordkran' does not occur in the article" in reask
    assert str(caught.value).startswith(
        "no valid answer in 2 attempts: answer is not grounded in the article: "
        "events[0].evidence is not text of the article: 'Terminal Sur signed"
    )


def test_hallucinated_name_is_named_in_the_error() -> None:
    with (
        FaultServer({"hallucination": 1.0}) as server,
        fault_extractor(server, max_reasks=1) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    assert f"name {INVENTED_NAME!r} does not occur in the article" in str(caught.value)


def test_answer_cut_at_max_tokens_is_a_clear_validation_error(
    scripted_server: ScriptedServer,
) -> None:
    cut = tool_call_completion('{"events": [{"type": "meet')
    cut["choices"][0]["finish_reason"] = "length"
    scripted_server.queue(Reply(200, cut))
    with (
        fault_extractor(scripted_server, max_tokens=64) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    assert caught.value.kind == "validation"
    assert str(caught.value) == (
        "the answer was cut off at EXTRACTOR_MAX_TOKENS (64) after 1 attempt"
    )


async def test_async_reasks_the_same_way() -> None:
    with (
        FaultServer(script=["few_shot_copy", "hallucination", OK]) as server,
        fault_extractor(server) as extractor,
    ):
        result = await extractor.aextract(ARTICLE, article_id="astana")
    assert result.attempts == 3
    assert server.injected["few_shot_copy"] == server.injected["hallucination"] == 1


def test_mixed_faults_count_both_kinds_of_retry() -> None:
    """A transport fault inside a re-ask still costs no re-ask."""
    script = ["http_503", "schema_break", "reset", "hallucination", OK]
    with FaultServer(script=script) as server, fault_extractor(server, max_reasks=2) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana")
    assert result.requests == 5
    assert result.attempts == 3


def test_an_unsupported_response_format_says_which_mode_to_try(
    scripted_server: ScriptedServer,
) -> None:
    refusal = {"error": {"message": "response_format must be text or json_object"}}
    scripted_server.queue(Reply(500, refusal))
    with (
        fault_extractor(scripted_server, mode="json_schema", transport_max_attempts=1) as extractor,
        pytest.raises(ExtractionError) as caught,
    ):
        extractor.extract(ARTICLE, article_id="astana")
    assert "HTTP 500" in str(caught.value)
    assert "try EXTRACTOR_MODE=tools or EXTRACTOR_MODE=json" in str(caught.value)
