"""The immutable corpus: records held compressed, their facts and hashes beside them."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, cached_property, lru_cache, partial
from itertools import chain, islice
from pathlib import Path
from types import MappingProxyType
from typing import overload

import numpy as np

from corpus.blobs import BlobFile, Blobs, write_blobs
from corpus.packed import DICTIONARY_RECORDS, Codec, Facts
from corpus.schema import Innovation

DECODED_CACHE = 2048  # decoded records kept per corpus (about 3 KB each)
SAVED_FORMAT = 1  # the layout `Corpus.save` writes


class Corpus:
    """An immutable, validated collection of innovations, in a stable order.

    Records are held compressed (corpus.packed): `facts` answers filters, ranking, counts
    and listings for every record; a record itself is decoded (and validated) when read,
    the most recently read kept decoded. `changed` makes the next corpus, sharing the
    compressed records that did not change. `save` writes it as plain files; a corpus
    opened from them reads each record from the file when it is decoded."""

    def __init__(self, records: Iterable[Innovation] = (), source: str = "<memory>") -> None:
        records = iter(records)
        first = list(islice(records, DICTIONARY_RECORDS))
        codec = Codec.primed(r.model_dump_json().encode("utf-8") for r in first)
        blobs: dict[str, bytes] = {}
        facts: dict[str, Facts] = {}
        hashes: dict[str, bytes] = {}
        for record in chain(first, records):
            if record.id in blobs:
                raise ValueError(f"innovation id {record.id!r} appears twice in the corpus")
            _enter(codec, record, blobs, facts, hashes)
        self._setup(codec, Blobs(blobs), facts, hashes, source)

    def _setup(self, codec: Codec, blobs: Blobs, facts: dict[str, Facts],
               hashes: dict[str, bytes], source: str) -> None:
        self._codec, self._blobs, self._facts, self._hashes = codec, blobs, facts, hashes
        self.source = source
        self._ids = tuple(blobs)
        # Over a function of the codec and the blobs, not a bound method: a corpus that
        # referred to itself would wait for the cycle collector after every write.
        self._read = lru_cache(maxsize=DECODED_CACHE)(partial(_decode, codec, blobs))

    # reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Innovation]:
        """Every record, decoded in order (a full scan: listings use `facts`)."""
        return (self._codec.unpack(self._blobs[i]) for i in self._ids)

    def __contains__(self, innovation_id: object) -> bool:
        return innovation_id in self._blobs

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Corpus) and self._ids == other._ids and \
            self._hashes == other._hashes

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} innovations from {self.source})"

    @property
    def ids(self) -> tuple[str, ...]:
        """Innovation ids in corpus order."""
        return self._ids

    @property
    def records(self) -> Sequence[Innovation]:
        """The records in order, decoded as they are read."""
        return _Records(self)

    @property
    def by_id(self) -> Mapping[str, Innovation]:
        """Records by id, decoded as they are read."""
        return _ById(self)

    @property
    def facts(self) -> Mapping[str, Facts]:
        """What filters, ranking and counts read of every record, by id, in corpus order."""
        return MappingProxyType(self._facts)

    def get(self, innovation_id: str) -> Innovation | None:
        """The record with this id (decoded once, then kept while it is read often)."""
        return self._read(innovation_id) if innovation_id in self._blobs else None

    def json_of(self, innovation_id: str) -> str:
        """The record's JSON as held, without validating it (for fast text scans)."""
        blob = self._blobs[innovation_id]
        return self._codec.unpack_json(blob)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Ids merged into another record -> the id of the record that absorbed them."""
        return {alias: f.id for f in self._facts.values() for alias in f.aliases
                if alias not in self._blobs}

    def resolve(self, innovation_id: str) -> Innovation | None:
        """The record with this id, or the one it was merged into, or None."""
        if innovation_id in self._blobs:
            return self._read(innovation_id)
        if innovation_id in self.aliases:
            return self._read(self.aliases[innovation_id])
        return None

    def hash_of(self, innovation_id: str) -> str:
        """One record's hash (record_hash), as computed when the record was entered."""
        return self._hashes[innovation_id].hex()

    def record_hashes(self) -> dict[str, str]:
        """Each record's hash (corpus.collection.record_hash), by id."""
        return {i: h.hex() for i, h in self._hashes.items()}

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of all records, independent of order."""
        return hashes_digest(h.hex() for h in self._hashes.values())

    # changing -----------------------------------------------------------------------

    def changed(self, upserts: Iterable[Innovation], deleted: Iterable[str]) -> Corpus:
        """A new corpus with `upserts` added or replaced and the `deleted` ids gone; a
        replaced record keeps its place, a new one goes last."""
        deleted = list(deleted)
        facts, hashes = dict(self._facts), dict(self._hashes)
        for iid in deleted:
            facts.pop(iid, None)
            hashes.pop(iid, None)
        put: dict[str, bytes] = {}
        for record in upserts:
            _enter(self._codec, record, put, facts, hashes)
        twin = Corpus.__new__(Corpus)
        twin._setup(self._codec, self._blobs.changed(put, deleted), facts, hashes,
                    self.source)
        return twin

    # saving -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the packed records, and their ids, hashes and facts a line each, as plain
        files (no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        offsets = write_blobs(folder / "records.bin", (self._blobs[i] for i in self._ids))
        np.save(folder / "offsets.npy", offsets, allow_pickle=False)
        with open(folder / "facts.jsonl", "w", encoding="utf-8") as out:
            for iid in self._ids:
                out.write(json.dumps([self._hashes[iid].hex(), *self._facts[iid].row()],
                                     ensure_ascii=False) + "\n")
        meta = {"format": SAVED_FORMAT, "schema": schema_fingerprint(), "source": self.source,
                "count": len(self._ids),
                "dictionary": base64.b64encode(self._codec.dictionary).decode("ascii")}
        (folder / "corpus.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def open(cls, folder: Path) -> Corpus:
        """A corpus written by `save`, its records read from the file when decoded.
        ValueError when the files were written by another layout or record schema (the
        records would not read back as they were)."""
        meta = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(f"{folder / 'corpus.json'}: not an object")
        if meta.get("format") != SAVED_FORMAT or meta.get("schema") != schema_fingerprint():
            raise ValueError(f"{folder} was saved by another version (format "
                             f"{meta.get('format')}, record schema "
                             f"{str(meta.get('schema'))[:12]})")
        facts: dict[str, Facts] = {}
        hashes: dict[str, bytes] = {}
        # A line at a time: parsing every record's facts as one document left the heap
        # fragmented, the process far above the objects it kept (docs/performance.md).
        path = folder / "facts.jsonl"
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    digest, *row = json.loads(line)
                    fact = Facts.from_row(row)
                    digest_bytes = bytes.fromhex(digest)
                except (ValueError, TypeError, KeyError) as exc:
                    raise ValueError(f"{path}:{number}: {exc}") from None
                if fact.id in facts:
                    raise ValueError(f"{path}:{number}: id {fact.id!r} appears twice")
                facts[fact.id], hashes[fact.id] = fact, digest_bytes
        if len(facts) != meta.get("count"):
            raise ValueError(f"{folder}: {len(facts)} records' facts for {meta['count']}")
        blobs = BlobFile(folder / "records.bin", facts,
                         np.load(folder / "offsets.npy", allow_pickle=False))
        corpus = Corpus.__new__(Corpus)
        corpus._setup(Codec(base64.b64decode(meta["dictionary"])), Blobs(blobs), facts,
                      hashes, meta["source"])
        return corpus

    def holds_hashes(self, hashes: Mapping[str, str]) -> bool:
        """Whether this corpus holds exactly these records (hex hashes by id)."""
        own = self._hashes
        return len(hashes) == len(own) and all(
            i in own and own[i].hex() == h for i, h in hashes.items())


def _enter(codec: Codec, record: Innovation, blobs: dict[str, bytes],
           facts: dict[str, Facts], hashes: dict[str, bytes]) -> None:
    """Hold one record: packed, its facts and its hash."""
    # One string object per id, shared with the index's maps (which intern theirs too).
    key = sys.intern(record.id)
    blobs[key] = codec.pack(record)
    facts[key] = Facts.of(record)
    hashes[key] = bytes.fromhex(record_hash(record))


def _decode(codec: Codec, blobs: Mapping[str, bytes], innovation_id: str) -> Innovation:
    return codec.unpack(blobs[innovation_id])


class _Records(Sequence[Innovation]):
    """A corpus's records by position, decoded when read."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    def __len__(self) -> int:
        return len(self._corpus)

    @overload
    def __getitem__(self, index: int) -> Innovation: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Innovation, ...]: ...

    def __getitem__(self, index: int | slice) -> Innovation | tuple[Innovation, ...]:
        ids = self._corpus.ids
        if isinstance(index, slice):
            return tuple(self._corpus.by_id[i] for i in ids[index])
        return self._corpus.by_id[ids[index]]

    def __iter__(self) -> Iterator[Innovation]:
        return iter(self._corpus)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Records):
            return self._corpus == other._corpus
        return isinstance(other, (tuple, list)) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # like a list: equal by content

    def __repr__(self) -> str:
        return f"<{len(self)} records of {self._corpus!r}>"


class _ById(Mapping[str, Innovation]):
    """A corpus's records by id, decoded when read."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    def __getitem__(self, innovation_id: str) -> Innovation:
        record = self._corpus.get(innovation_id)
        if record is None:
            raise KeyError(innovation_id)
        return record

    def __contains__(self, innovation_id: object) -> bool:
        return innovation_id in self._corpus

    def __iter__(self) -> Iterator[str]:
        return iter(self._corpus.ids)

    def __len__(self) -> int:
        return len(self._corpus)


@cache
def schema_fingerprint() -> str:
    """A hash of the record schema, of the facts kept beside each record and of the code
    of the corpus package that validates, derives and packs them: a saved corpus is
    reused only by the code that wrote it (any change means one start reads the store)."""
    package = Path(__file__).resolve().parent
    sources = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(package.glob("*.py"))}
    schema = {"record": Innovation.model_json_schema(), "facts": list(Facts.__slots__),
              "code": sources}
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode("utf-8")).hexdigest()


def record_hash(record: Innovation) -> str:
    """SHA-256 of one record's canonical JSON."""
    canonical = json.dumps(record.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def corpus_hash(records: Iterable[Innovation]) -> str:
    """Order-independent hash of a set of records."""
    return hashes_digest(record_hash(r) for r in records)


def hashes_digest(hashes: Iterable[str]) -> str:
    """The order-independent corpus hash from its records' hashes."""
    digest = hashlib.sha256()
    for h in sorted(hashes):
        digest.update(h.encode())
    return digest.hexdigest()
