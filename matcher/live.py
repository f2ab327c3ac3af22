"""The engine over the durable store: one immutable state per store generation.

Every process opens it the same way (the server, the CLI, forum planning): the store is the
truth; the index on disk is derived from it and only saves start-up time. A write goes to the
store first; the state then follows by replaying the store's change log, encoding and
tokenising only the records that changed. The saved index is refreshed in the background and
replayed forward on the next start, so a crash between the two loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from corpus.collection import Corpus
from corpus.store import Store, StoreUnavailableError
from matcher.config import Settings
from matcher.dense import set_search_threads
from matcher.engine import Recommender
from matcher.gate import LanguageGate
from matcher.index import (
    ReplikaIndex,
    apply_changes,
    build_index,
    load_saved_corpus,
    make_analyzer,
    save_index,
    sync_index,
)
from matcher.session import (
    embedding_cache,
    load_settings_corpus,
    load_usable_index,
    open_relevance,
)
from matcher.text import Analyzer
from matcher.worker import Worker
from models import Embedder, create_embedder
from models.cache import EmbeddingCache
from models.pool import EmbedderPool

log = logging.getLogger(__name__)
T = TypeVar("T")

REPLAY_MAX_SHARE = 0.25  # replay the change log unless it touches more of the corpus
SAVE_DELAY = 1.0  # seconds of quiet after a write before the index is saved


def replay_ids(changes: Sequence[tuple[int, str, list[str]]], size: int) -> list[str] | None:
    """The innovation ids the change log says changed, in order; None when replaying is not
    worth it (a seed, or more than REPLAY_MAX_SHARE of a corpus of `size`)."""
    ids = list(dict.fromkeys(i for _, kind, changed in changes if kind != "replication"
                             for i in changed))
    if any(kind == "seed" for _, kind, _ in changes) or \
            len(ids) > max(100, REPLAY_MAX_SHARE * size):
        return None
    return ids


@dataclass(frozen=True)
class EngineState:
    """Everything one request needs, as of one store generation; never mutated."""

    generation: int
    corpus: Corpus
    index: ReplikaIndex
    analyzer: Analyzer
    recorded: Mapping[str, int]  # committed replications recorded in the store
    recommender: Recommender


class LiveEngine:
    """Store + current state; writes go to the store first, then the state follows."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store
        # Queries borrow from a pool of encoders (one per core in the server); writes encode
        # with an instance of their own, so a large upload never makes a query wait.
        self.embedder = embedder or query_encoder(settings)
        self._ingest: Embedder | None = embedder
        self._lock = threading.RLock()
        self._state: EngineState | None = None
        self._relevance = open_relevance(settings, self.embedder.name)
        self._gate = LanguageGate()
        self._cache = embedding_cache(settings, self.embedder.dim)
        self._saved_generation = -1
        self._resave = False  # the saved corpus was missing or unusable: save it again
        self._saver = Worker("replika-saver", self._save_settled)

    @property
    def ingest_embedder(self) -> Embedder:
        """The encoder writes use (made on the first write)."""
        if self._ingest is None:
            self._ingest = create_embedder(self.settings.model)
        return self._ingest

    @property
    def embedding_cache(self) -> EmbeddingCache:
        """Document vectors already encoded (shared with forum planning)."""
        return self._cache

    @property
    def state(self) -> EngineState:
        """The current state (replaced whole after each write)."""
        if self._state is None:
            raise RuntimeError("engine not started")
        return self._state

    @property
    def recommender(self) -> Recommender:
        """The current recommender (without catching up with other processes)."""
        return self.state.recommender

    @property
    def generation(self) -> int:
        """The store generation the current state reflects."""
        return -1 if self._state is None else self._state.generation

    def start(self, seed: Corpus | None = None, *, fresh: bool = False) -> dict[str, int]:
        """Seed an empty store, then open the state: load the saved index and replay what
        changed since it was saved, or build it (`fresh`: build it anew)."""
        set_search_threads(self.settings.search_threads)
        with self._lock:
            if self.store.needs_seed():
                self.store.seed(seed or load_settings_corpus(self.settings))
            stats = self._open(fresh, self.embedder)
            if any(stats.values()) or fresh or self._resave:
                self.flush()
            else:
                self._saved_generation = self.generation
        return stats

    def _open(self, fresh: bool, embedder: Embedder) -> dict[str, int]:
        generation = self.store.generation()
        recorded = self.store.committed_replications()
        index = None if fresh else load_usable_index(self.settings, embedder)
        corpus = None if index is None else self._saved_corpus(index, generation)
        if corpus is None:
            corpus = self.store.corpus()
        analyzer = make_analyzer(corpus)
        if index is None:
            log.info("building the index of %d innovations", len(corpus))
            index = build_index(corpus, embedder, analyzer, kind=self.settings.index_kind,
                                cache=self._cache, progress=self.settings.progress,
                                generation=generation)
            stats = {"built": len(corpus)}
        else:
            replay = self._replayable(index, generation, len(corpus))
            if replay is not None:
                index, analyzer, stats = apply_changes(
                    index, corpus, replay, embedder, analyzer, cache=self._cache,
                    kind=self.settings.index_kind, generation=generation)
            else:
                index, analyzer, stats = sync_index(index, corpus, embedder, analyzer,
                                                    self._cache, self.settings.index_kind,
                                                    generation=generation)
        self._install(generation, corpus, index, analyzer, recorded)
        return stats

    def _saved_corpus(self, index: ReplikaIndex, generation: int) -> Corpus | None:
        """The corpus saved with the index, brought to `generation` from the change log
        (reading only the changed records from the store); None when the store must be
        read whole (logged when a saved corpus was there but unusable)."""
        replay = self._replayable(index, generation, len(index))
        if replay is None:
            return None
        try:
            saved = load_saved_corpus(self.settings.index_dir, index)
        except FileNotFoundError:
            log.info("no corpus saved beside the index; reading the store")
            self._resave = True
            return None
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, OSError) as exc:
            log.warning("reading the store: the corpus saved beside the index is not "
                        "usable (%s); it is saved again", exc)
            self._resave = True
            return None
        found = self.store.get_many(replay) if replay else {}
        return saved.changed(found.values(), [i for i in replay if i not in found])

    def _replayable(self, index: ReplikaIndex, generation: int, size: int
                    ) -> list[str] | None:
        """Ids changed since the saved index, when the change log can tell; else None."""
        m = index.manifest
        if m.store_id != self.store.store_id or m.generation > generation:
            return None
        return replay_ids(self.store.changes_since(m.generation), size)

    def _install(self, generation: int, corpus: Corpus, index: ReplikaIndex,
                 analyzer: Analyzer, recorded: Mapping[str, int]) -> None:
        rec = Recommender(
            corpus, index, self.embedder, analyzer, fusion=self.settings.fusion,
            relevance=self._relevance, gate=self._gate, candidates=self.settings.candidates,
            cache_size=self.settings.query_cache_size, recorded_replications=recorded)
        self._state = EngineState(generation, corpus, index, analyzer, recorded, rec)

    def ready(self) -> bool:
        """Whether the state reflects the store's last write (two integers)."""
        return self._state is not None and self._state.generation == self.store.generation()

    def current(self) -> Recommender:
        """The recommender, first caught up with writes other processes made to the store."""
        return self.snapshot().recommender

    def snapshot(self) -> EngineState:
        """The current state, first caught up with the store's change log; while a write
        of this process is being applied, the state before it (readers never wait)."""
        if self.generation != self.store.generation() and self._lock.acquire(blocking=False):
            try:
                if self.generation != self.store.generation():
                    self._catch_up()
            finally:
                self._lock.release()
        return self.state

    def write(self, change: Callable[[Store], T]) -> T:
        """Apply a store change (a transaction), then bring the state up to date."""
        self.store.check_writable()
        with self._lock:
            result = change(self.store)
            self._catch_up()
            self._schedule_save()
            return result

    def _catch_up(self) -> None:
        state = self.state
        changes = self.store.changes_since(state.generation)
        if not changes:
            return
        generation = changes[-1][0]
        ids = replay_ids(changes, len(state.corpus))
        if ids is None:
            self._open(False, self.ingest_embedder)
            return
        replicated = {i for _, kind, changed in changes if kind == "replication"
                      for i in changed}
        corpus, index, analyzer = state.corpus, state.index, state.analyzer
        if ids:
            found = self.store.get_many(ids)
            corpus = corpus.changed(found.values(), [i for i in ids if i not in found])
            index, analyzer, _ = apply_changes(
                index, corpus, ids, self.ingest_embedder, analyzer, cache=self._cache,
                kind=self.settings.index_kind, generation=generation)
        else:  # replication records only: the index is the same, its generation moves on
            index = replace(index, generation=generation)
        self._install(generation, corpus, index, analyzer,
                      self._recorded_after(state.recorded, replicated | set(ids)))

    def _recorded_after(self, recorded: Mapping[str, int], ids: Iterable[str]
                        ) -> dict[str, int]:
        ids = set(ids)
        if not ids:
            return dict(recorded)
        fresh = self.store.committed_replications(ids)
        out = {i: n for i, n in recorded.items() if i not in ids}
        out.update(fresh)
        return out

    # saving the derived index ---------------------------------------------------------

    def _schedule_save(self) -> None:
        self._saver.wake()

    def _save_settled(self) -> None:
        # Let a burst of writes settle, then save once.
        self._saver.pause(SAVE_DELAY)
        while self._saver.woken_again() and not self._saver.stopping:
            self._saver.pause(SAVE_DELAY)
        self.flush()

    def flush(self) -> None:
        """Save the current index and the embedding cache now (unless already saved)."""
        state = self._state
        if state is None or state.generation == self._saved_generation:
            return
        try:
            save_index(state.index, self.settings.index_dir, store_id=self.store.store_id,
                       corpus=state.corpus)
            self._cache.save()
            self._saved_generation = state.generation
        except (OSError, StoreUnavailableError) as exc:
            log.error("could not save the index (%s); it is rebuilt from the store on "
                      "the next start", exc)

    def close(self) -> None:
        """Stop the background saver, save what is pending and close the store."""
        self._saver.stop(timeout=60)
        self.flush()
        self.store.close()


def query_encoder(settings: Settings) -> Embedder:
    """The configured model, as a pool of `settings.encoders` instances when above one."""
    if settings.encoders == 1:
        return create_embedder(settings.model)
    return EmbedderPool(lambda: create_embedder(settings.model), settings.encoders)


class StoreConflictError(ValueError):
    """The configured corpus file and the data directory's store disagree."""


def open_engine(settings: Settings, embedder: Embedder | None = None, *,
                fresh: bool = False, corpus_must_match: bool = False) -> LiveEngine:
    """The engine over the data directory's store, as the server, the CLI and forum
    planning all open it: a new store is seeded from the configured corpus; a store that
    already holds innovations is the truth. With `corpus_must_match` (a corpus file the
    user named for this command) the store must hold exactly that corpus, so nothing
    stored is replaced, or silently preferred, behind the user's back."""
    store = Store(settings.store)
    if corpus_must_match and settings.corpus_path is not None and not store.needs_seed():
        given = load_settings_corpus(settings)
        held = store.corpus()
        if given.content_hash != held.content_hash:
            store.close()
            raise StoreConflictError(
                f"{store.location} holds {len(held)} innovations that differ from "
                f"{settings.corpus_path} ({len(given)}), e.g. after writes through the API; "
                "omit --corpus to use the store, or give another --data-dir")
    engine = LiveEngine(settings, store, embedder)
    engine.start(fresh=fresh)
    return engine
