"""Build the bundled corpus (corpus/data/innovations.jsonl) from corpus/sources/*.jsonl.

Rerunnable (see corpus/build.py for the rules): validates every source row with its file,
line and field, merges rows describing one innovation (their ids kept as aliases) and
writes the result atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corpus.build import build, default_sources_dir
from corpus.loader import CorpusError, bundled_corpus_path, save_corpus


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=default_sources_dir(),
                        help="folder of *.jsonl source files (default: corpus/sources)")
    parser.add_argument("--out", type=Path, default=bundled_corpus_path(),
                        help="corpus file to write (default: the bundled corpus)")
    args = parser.parse_args(argv)
    try:
        corpus, notes = build(args.sources)
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 1
    save_corpus(corpus, args.out)
    for note in notes:
        print(note)
    print(f"wrote {len(corpus)} innovations to {args.out} (hash {corpus.content_hash[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
