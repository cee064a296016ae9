"""Time expressions resolved against the publication date, and the date check on events."""

from __future__ import annotations

from datetime import date

import pytest

from extractor import Extractor, load_settings
from extractor.checks.dates import checked_date, period, time_mentions
from tests.fakes.scripted_server import Reply, ScriptedServer, text_completion

TUESDAY = date(2025, 5, 27)


@pytest.mark.parametrize(
    ("sentence", "published", "resolved"),
    [
        # the examples of the spec and of seeds/LABELING.md
        ("The deal was signed in April of this year.", TUESDAY, "2025-04"),
        ("Output rose last month.", TUESDAY, "2025-04"),
        ("The plant opens next year.", TUESDAY, "2026"),
        ("It is due in the fourth quarter.", date(2024, 3, 1), "2024-Q4"),
        ("Work ends by the end of next year.", TUESDAY, "2026"),
        ("Start-up is set for early 2024.", date(2023, 6, 1), "2024"),
        ("Start-up is set for mid-2024.", date(2023, 6, 1), "2024"),
        ("It opens in the second half of 2024.", date(2023, 6, 1), "2024"),
        ("Construction starts in the first quarter of next year.", TUESDAY, "2026-Q1"),
        ("Trains run from March next year.", TUESDAY, "2026-03"),
        ("First oil came in Q3 2024.", TUESDAY, "2024-Q3"),
        ("The loan closed on 14 March 2025.", TUESDAY, "2025-03-14"),
        ("The loan closed on Aug. 31, 2024.", TUESDAY, "2024-08-31"),
        ("The ministers met yesterday.", TUESDAY, "2025-05-26"),
        ("The ministers met on Tuesday.", TUESDAY, "2025-05-27"),
        ("The ministers met last Tuesday.", TUESDAY, "2025-05-20"),
        ("The ministers met on Friday.", TUESDAY, "2025-05-23"),
        ("Last week the unit restarted.", TUESDAY, "2025-05"),
        # when the news was told is not a time of the event
        ("The mine will grow by 2026, the company said on Monday.", TUESDAY, "2026"),
        ("They spoke on Friday, the ministry said on Tuesday.", TUESDAY, "2025-05-23"),
        ("Output doubled last month, he told reporters on Monday.", TUESDAY, "2025-04"),
        ("The cooperative announced on Friday a solar plan.", TUESDAY, "2025-05-23"),
    ],
)
def test_one_expression_resolves(sentence: str, published: date, resolved: str) -> None:
    [mention] = time_mentions(sentence, published)
    assert mention.value == resolved


@pytest.mark.parametrize(
    "sentence",
    [
        "ASTANA, May 27. The sides discussed oil refining.",
        "LOUISVILLE, Kentucky, March 11 (Wire) - The cooperative unveiled a plan.",
        "The plant makes 2,024 tonnes a year and cost $2030 million.",
        "Capacity reaches 140 million passengers in the mid-2030s.",
        "The company may expand, he said.",
        "The unit restarted, the operator said yesterday.",
    ],
)
def test_datelines_numbers_and_words_are_not_times(sentence: str) -> None:
    assert time_mentions(sentence, TUESDAY) == []


def test_a_week_across_two_months_has_no_sure_month() -> None:
    [mention] = time_mentions("The unit restarted last week.", date(2025, 6, 3))
    assert mention.value is None


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-02-10", date(2024, 2, 10), date(2024, 2, 10)),
    ],
)
def test_period_of_a_partial_date(value: str, first: date, last: date) -> None:
    assert period(value) == (first, last)


@pytest.mark.parametrize(
    ("model_date", "event_type", "status", "evidence", "checked"),
    [
        # one time in the sentence: its resolution replaces the model's arithmetic
        (
            "2025-05-27",
            "meeting",
            "occurred",
            "The ministers held a call on Monday.",
            "2025-05-26",
        ),
        ("2027-Q1", "project_milestone", "planned", "Work starts early next year.", "2026"),
        (None, "capacity_change", "occurred", "Output doubled last month.", "2025-04"),
        # a month without a year: the coming one when planned, the last one when past
        ("2025-01", "project_milestone", "planned", "Building starts in January.", "2026-01"),
        ("2025-12", "investment", "occurred", "It bought the stake in December.", "2024-12"),
        # two times: the sentence does not say which is the event's
        (
            "2025-05",
            "project_milestone",
            "occurred",
            "Work began in May and ends in 2027.",
            "2025-05",
        ),
        # a named day is when something happened, not when a plan is due
        ("2026", "project_milestone", "planned", "It said on Monday it will build.", "2026"),
        # a past event cannot take a later time, nor a planned one an earlier time
        (
            "2025-05-27",
            "agreement",
            "occurred",
            "They signed a contract for delivery in 2027.",
            "2025-05-27",
        ),
        ("2026", "project_milestone", "planned", "It was first proposed in 2022.", "2026"),
        # an agreement takes only a day: its other times are the deal's terms
        (
            "2025-05-27",
            "agreement",
            "occurred",
            "They signed a 15-year supply deal running from May.",
            "2025-05-27",
        ),
        ("2025-05-27", "agreement", "occurred", "They signed it yesterday.", "2025-05-26"),
        # no time in the sentence: the model's date stands
        ("2025-03", "investment", "occurred", "The bank lent $50 million.", "2025-03"),
    ],
)
def test_checked_date(
    model_date: str | None, event_type: str, status: str, evidence: str, checked: str | None
) -> None:
    assert checked_date(model_date, event_type, status, evidence, TUESDAY) == checked


def test_without_a_publication_date_nothing_is_resolved() -> None:
    assert checked_date("2025-05", "meeting", "occurred", "They met on Monday.", None) == "2025-05"


ARTICLE = (
    "ASTANA, May 27. President Kassym-Jomart Tokayev held talks with Xi Gohua, Chairman of "
    "CITIC Group, on Monday. They discussed oil refineries."
)
ANSWER = (  # s2: "ASTANA, May 27." is a sentence of its own
    "meeting occurred 2025-05-27 s2\n"
    "person Kassym-Jomart Tokayev | President\n"
    "person Xi Gohua | Chairman | CITIC Group\n"
    "topics oil refineries"
)


@pytest.mark.parametrize(("check_dates", "expected"), [(True, "2025-05-26"), (False, "2025-05-27")])
def test_extract_checks_dates_unless_turned_off(
    scripted_server: ScriptedServer, check_dates: bool, expected: str
) -> None:
    scripted_server.queue(Reply(200, text_completion(ANSWER)))
    settings = load_settings(
        base_url=scripted_server.base_url,
        model="fixture",
        answer_format="compact",
        check_dates=check_dates,
    )
    with Extractor(settings) as extractor:
        result = extractor.extract(ARTICLE, article_id="astana", published="2025-05-27")
    [event] = result.events
    assert event.date == expected


def test_time_matches_equal_the_full_scan_on_every_labeled_sentence() -> None:
    """The fast scan (tried at possible starting words only) finds what `finditer` finds."""
    from extractor.articles import read_article_file
    from extractor.checks import dates
    from extractor.text.sentences import split_sentences
    from tests.conftest import ROOT

    checked = 0
    for folder in ("seeds", "seeds/real", "training/articles"):
        for path in sorted((ROOT / folder).glob("*.txt")):
            article = read_article_file(path)
            for sentence in split_sentences(article):
                text = article.text[sentence.start : sentence.end]
                full = [(m.span(), m.lastgroup) for m in dates._TIME.finditer(text)]
                assert [(m.span(), m.lastgroup) for m in dates.time_matches(text)] == full, text
                checked += 1
    assert checked > 5000
