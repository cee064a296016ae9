"""How evidence re-anchoring treats hand-labeled evidence: the training gold, not seeds/.

For every labeled event of `training/articles/`, the event cites its labeled sentence
(how often is it kept?) and then each sentence one off, -1, +1 and +2 (how often is it
moved back to the labeled one?). No model and no server.

    .venv/bin/python -m benchmarks.anchoring_on_training_gold [training/articles]
"""

from __future__ import annotations

import sys
from pathlib import Path

from extractor_evals.dataset import load_dataset
from extractor_schemas import Span, event_adapter

from extractor.checks.anchoring import reanchor
from extractor.text.sentences import split_sentences

OFFSETS = (-1, 1, 2)


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "training/articles")
    kept = labeled = mended = misplaced = 0
    for item in load_dataset(folder).items:
        article = item.article
        sentences = split_sentences(article)
        for gold_event in item.gold.events:
            event = gold_event.model_dump()
            start = article.text.find(event["evidence"])
            home = next(s for s in sentences if s.start <= start < s.end)
            for offset in (0, *OFFSETS):
                if not 1 <= home.number + offset <= len(sentences):
                    continue
                cited = sentences[home.number + offset - 1]
                text = article.text[cited.start : cited.end]
                decoded = event_adapter.validate_python({**event, "evidence": text})
                decoded.evidence_span = Span(start=cited.start, end=cited.end)
                span = reanchor(decoded, article, sentences).evidence_span
                back_home = span is not None and span.start == home.start
                if offset == 0:
                    labeled += 1
                    kept += back_home
                else:
                    misplaced += 1
                    mended += back_home
    print(f"labeled sentence cited: kept {kept} of {labeled} ({kept / labeled:.1%})")
    print(
        f"a sentence {', '.join(f'{o:+d}' for o in OFFSETS)} off cited: moved to the labeled "
        f"one {mended} of {misplaced} ({mended / misplaced:.1%})"
    )


if __name__ == "__main__":
    main()
