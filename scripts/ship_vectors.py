"""Refresh the prebuilt document vectors shipped with the bundled corpus.

    python scripts/ship_vectors.py [--model e5-small]

Encodes (or takes from the data directory's cache) every whole-document and per-field text
of corpus/data/innovations.jsonl and writes exactly those vectors to
corpus/data/embeddings/<model>/, so a fresh clone builds its index without encoding.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.loader import load_bundled_corpus  # noqa: E402
from matcher.session import bundled_embeddings_dir, embedding_cache  # noqa: E402
from models import create_embedder  # noqa: E402
from models.cache import text_key  # noqa: E402
from service.config import load_settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Write the bundled vectors of one model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".replika")
    args = parser.parse_args(argv)
    settings = load_settings({"model": args.model, "data_dir": args.data_dir})
    embedder = create_embedder(settings.model)
    corpus = load_bundled_corpus()
    texts = [t for r in corpus for t in (r.document_text(), *r.field_texts()) if t]
    cache = embedding_cache(settings, embedder.dim)
    cache.encode(embedder, texts, progress=True)
    folder = bundled_embeddings_dir(settings.model_slug)
    keys = sorted({text_key(embedder.name, t) for t in texts})
    cache.save(folder, only=keys)
    print(f"wrote {len(keys)} vectors to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
