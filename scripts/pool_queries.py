"""Pool candidates for judging labelled queries: the union of each channel's top 10.

    python scripts/pool_queries.py eval/my_queries.jsonl --out /tmp/pools.md
    python scripts/pool_queries.py --brief --out /tmp/corpus_brief.md   # whole corpus, compact

For every query (a JSONL row with "qid" and "text") the pool is the union of the BM25
top 10, the dense top 10 and the hybrid top 10 (plus the field-vector top 10 where the
index has field vectors), each with a compact summary of the innovation, so a judge grades
every id a user could be shown (0 not relevant, 1 partly, 2 answers the problem). A judge
adds any other id known to answer the query.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.loader import json_lines  # noqa: E402
from corpus.schema import Innovation  # noqa: E402
from matcher.evaluate import pool_ids  # noqa: E402
from service.config import load_settings  # noqa: E402


def summary(item: Innovation, width: int) -> str:
    """One compact line block describing an innovation."""
    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"

    head = f"{item.id} | {item.title} | {item.sector} | {item.region or item.agency}"
    parts = [head]
    if item.problem:
        parts.append(f"    masalah: {cut(item.problem)}")
    if item.solution:
        parts.append(f"    solusi: {cut(item.solution)}")
    return "\n".join(parts)


def changed_ids(earlier: Path, corpus) -> set[str]:
    """Ids of `corpus` that are new or whose document text differs from `earlier`."""
    from corpus.loader import load_corpus

    before = load_corpus(earlier).by_id
    return {r.id for r in corpus
            if r.id not in before or before[r.id].document_text() != r.document_text()}


def main(argv: list[str] | None = None) -> int:
    """Write the pools (or the corpus brief) as plain text."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="?", type=Path, help="JSONL with qid and text")
    parser.add_argument("--out", type=Path, required=True, help="text file to write")
    parser.add_argument("--brief", action="store_true", help="list the whole corpus instead")
    parser.add_argument("--width", type=int, default=220, help="characters per text field")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".replika")
    parser.add_argument("--unjudged", action="store_true",
                        help="list only pooled ids the query has no grade for (after the "
                             "corpus grew), and only queries that have some")
    parser.add_argument("--shown", action="store_true",
                        help="pool only the rankings a user can be shown (relevance and "
                             "hybrid top 10), not each channel's")
    parser.add_argument("--since", type=Path,
                        help="an earlier corpus file: pool only rows added or whose text "
                             "changed since it")
    args = parser.parse_args(argv)
    from matcher.session import open_recommender

    rec = open_recommender(load_settings({"data_dir": args.data_dir, "rebuild": True}))
    lines: list[str] = []
    if args.brief:
        lines = [summary(item, args.width) for item in rec.corpus]
    else:
        if args.queries is None:
            parser.error("give a queries file or --brief")
        rows = [json.loads(line) for line in json_lines(args.queries.read_text("utf-8"))
                if line.strip()]
        texts = [r["text"] for r in rows]
        pools = pool_ids(rec, texts, depth=10, channels=not args.shown)
        aliases = rec.corpus.aliases
        fresh = changed_ids(args.since, rec.corpus) if args.since else None
        for row, pool in zip(rows, pools, strict=True):
            relevant = row.get("relevant", {})
            grades = relevant if isinstance(relevant, dict) else dict.fromkeys(relevant, 2)
            graded = {aliases.get(i, i) for i in grades}
            todo = [i for i in pool if i not in graded] if args.unjudged else pool
            if fresh is not None:
                todo = [i for i in todo if i in fresh]
            if not todo:
                continue
            lines.append(f"## {row['qid']}: {row['text']}")
            if args.unjudged:
                known = [aliases.get(i, i) for i, g in grades.items() if g == 2]
                lines.append(f"(already judged 2: {', '.join(known) or 'none'})")
            lines += [summary(rec.corpus.by_id[i], args.width) for i in todo]
            lines.append("")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
