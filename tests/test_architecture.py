"""The package's shape: no import cycles, one sentence splitter, every answer rule versioned."""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

from extractor import Extractor, load_settings, versions
from extractor.articles import parse_article
from extractor.batch.cache import CacheKeys
from tests.conftest import ROOT


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return groups


def test_extractor_has_no_import_cycle() -> None:
    graph = grimp.build_graph("extractor")
    # A package imports what its __init__ re-exports; cycles through __init__ files are the
    # package's public face, not a dependency between rooms, so they are left out.
    modules = {m for m in graph.modules if not graph.find_children(m)}
    assert _cycles(graph, modules) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "b", "c"):
        graph.add_module(name)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="a")
    graph.add_import(importer="b", imported="c")
    assert _cycles(graph, {"a", "b", "c"}) == [["a", "b"]]


def test_one_sentence_splitter() -> None:
    """Only extractor/text/sentences.py decides where a sentence ends."""
    splitter = re.compile(r"re\.compile\(r?[\"'].*\[\.!\?…\]")
    owners = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "extractor").rglob("*.py")
        if splitter.search(path.read_text(encoding="utf-8"))
    ]
    assert owners == ["extractor/text/sentences.py"]


@pytest.mark.parametrize("rule", sorted(versions.RULES))
def test_every_rule_version_is_in_the_cache_key(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(base_url="http://127.0.0.1:9/v1", model="m")
    article = parse_article(" date 2025-01-02 Acme met Beta Corp in Paris.", "a")
    before = CacheKeys(Extractor(settings)).key(article)
    bumped = {**versions.RULES, rule: versions.RULES[rule] + "-bumped"}
    monkeypatch.setattr(versions, "RULES", bumped)
    after = CacheKeys(Extractor(settings)).key(article)
    assert after != before


def test_the_version_table_names_every_rule_module() -> None:
    """Each versioned rule's module exists, so the table cannot drift from the code."""
    text = Path(versions.__file__).read_text(encoding="utf-8")
    for module in re.findall(r"# (extractor(?:\.\w+)+):", text):
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module


def test_eval_folders_hold_nothing_batch_would_read_as_articles() -> None:
    """`extractor batch seeds/ seeds/real/ seeds/lang/` (make run) reads every *.txt and
    *.jsonl there as articles: notes and source lists must use other suffixes."""
    for folder in (ROOT / "seeds", ROOT / "seeds" / "real", ROOT / "seeds" / "lang"):
        stray = [p.name for p in folder.iterdir() if p.suffix in (".jsonl", ".ndjson")]
        assert stray == [], folder
        texts = {p.stem for p in folder.glob("*.txt")}
        assert texts == {p.name.removesuffix(".gold.json") for p in folder.glob("*.gold.json")}
