"""Validate labelled query files against the bundled corpus and print their make-up.

    python scripts/check_queries.py eval/train_id.jsonl [more.jsonl ...]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.loader import load_bundled_corpus  # noqa: E402
from matcher.evaluate import load_queries  # noqa: E402


def main(argv: list[str]) -> int:
    """Exit 1 naming the file, line and field of the first bad row."""
    corpus = load_bundled_corpus()
    known = set(corpus.by_id) | set(corpus.aliases)
    for name in argv:
        try:
            queries = load_queries(Path(name), known, corpus.aliases)
        except ValueError as exc:
            print(exc)
            return 1
        styles = Counter(q.style for q in queries)
        langs = Counter(q.lang for q in queries)
        print(f"{name}: {len(queries)} queries, {sum(q.answerable for q in queries)} "
              f"answerable; langs {dict(langs)}; styles {dict(styles)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
