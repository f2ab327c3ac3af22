"""Check researched fact files (corpus/sources/*.jsonl): every problem with file, line, field."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from corpus.facts import read_facts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit 1 when any row is invalid or an id repeats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    problems, rows = 0, 0
    for path in args.files:
        seen: Counter[str] = Counter()
        for line, raw, errors in read_facts(path):
            rows += 1
            for error in errors:
                print(error)
            problems += len(errors)
            if raw and isinstance(raw.get("id"), str):
                seen[raw["id"]] += 1
                if seen[raw["id"]] == 2:
                    print(f"{path}:{line}: field 'id': {raw['id']!r} repeats in this file")
                    problems += 1
    print(f"{rows} rows, {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
