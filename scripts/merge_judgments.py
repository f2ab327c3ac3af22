"""Merge new judgments ({"qid", "grades"} lines) into evaluation files, never overwriting.

    python scripts/merge_judgments.py eval/train_id.jsonl /tmp/out_train_id.jsonl

Grades for ids a query has no grade for are added; existing grades stay. A query written
as unanswerable that a judge now finds answered (a grade of 1 or 2) is relabelled
"statement", so no row keeps a label its grades contradict.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.loader import json_lines, write_jsonl_atomic


def merge(queries: list[dict], judged: dict[str, dict[str, int]]) -> tuple[int, int]:
    """Add the judged grades in place; (grades added, queries relabelled)."""
    added = relabelled = 0
    for row in queries:
        new = judged.get(row["qid"], {})
        relevant = row["relevant"] if isinstance(row["relevant"], dict) else \
            dict.fromkeys(row["relevant"], 2)
        for iid, grade in new.items():
            if grade not in (0, 1, 2):
                raise ValueError(f"{row['qid']}: grade {grade!r} for {iid} is not 0, 1 or 2")
            if iid not in relevant:
                relevant[iid] = grade
                added += 1
        row["relevant"] = relevant
        if row.get("style") in ("unanswerable", "ood", "nonsense") and \
                any(g >= 1 for g in relevant.values()):
            row["note"] = (row.get("note", "") + f" Relabelled from {row['style']}: a row "
                           "added to the corpus answers it.").strip()
            row["style"] = "statement"
            relabelled += 1
    return added, relabelled


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", type=Path, help="evaluation JSONL file to update")
    parser.add_argument("judgments", type=Path, nargs="+", help="JSONL of qid and grades")
    args = parser.parse_args(argv)
    queries = [json.loads(line) for line in json_lines(args.queries.read_text("utf-8"))
               if line.strip()]
    judged: dict[str, dict[str, int]] = {}
    for path in args.judgments:
        for line in json_lines(path.read_text("utf-8")):
            if line.strip():
                row = json.loads(line)
                judged.setdefault(row["qid"], {}).update(row["grades"])
    unknown = set(judged) - {q["qid"] for q in queries}
    if unknown:
        print(f"judgments for qids not in {args.queries}: {sorted(unknown)[:5]}",
              file=sys.stderr)
        return 1
    added, relabelled = merge(queries, judged)
    write_jsonl_atomic(queries, args.queries)
    print(f"{args.queries}: {added} grades added, {relabelled} queries relabelled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
