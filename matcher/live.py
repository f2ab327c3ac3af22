"""A live engine over the durable store: the index follows every write, crash-safely."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from corpus.loader import Corpus
from corpus.store import Store
from matcher.config import Settings
from matcher.dense import set_search_threads
from matcher.engine import Recommender
from matcher.gate import LanguageGate
from matcher.index import (
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    ReplikaIndex,
    build_index,
    load_index,
    make_analyzer,
    save_index,
    sync_index,
)
from matcher.session import embedding_cache, load_settings_corpus, open_relevance
from matcher.text import ANALYZER_VERSION
from models import Embedder, create_embedder
from models.cache import EmbeddingCache

log = logging.getLogger(__name__)
T = TypeVar("T")


class LiveEngine:
    """Store + index + recommender; writes go to the store first, then the index follows.

    A crash between the two loses nothing: on start the index manifest is compared with the
    store (count and content hash) and the index is brought up to date.
    """

    def __init__(self, settings: Settings, store: Store, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store
        self.embedder = embedder or create_embedder(settings.model)
        self._lock = threading.RLock()
        self._recommender: Recommender | None = None
        self._generation = -1  # the store generation the recommender reflects
        self._relevance = open_relevance(settings, self.embedder.name)
        self._gate = LanguageGate()
        self._cache = embedding_cache(settings, self.embedder.dim)

    @property
    def embedding_cache(self) -> EmbeddingCache:
        """Document vectors already encoded (shared with forum planning)."""
        return self._cache

    @property
    def recommender(self) -> Recommender:
        """The current recommender (replaced, never mutated, after each write)."""
        if self._recommender is None:
            raise RuntimeError("engine not started")
        return self._recommender

    def start(self, seed: Corpus | None = None, *, fresh: bool = False) -> dict[str, int]:
        """Seed an empty store, then load, build or sync the index to match the store
        (`fresh`: build it anew whatever is on disk)."""
        set_search_threads(self.settings.search_threads)
        with self._lock:
            if self.store.needs_seed():
                self.store.seed(seed or load_settings_corpus(self.settings))
            return self._refresh(load=not fresh, fresh=fresh)

    @property
    def generation(self) -> int:
        """The store generation the current recommender reflects."""
        return self._generation

    def ready(self) -> bool:
        """Whether the loaded index reflects the store's last write (two integers)."""
        return self._recommender is not None and self._generation == self.store.generation()

    def current(self) -> Recommender:
        """The recommender, first caught up with writes other processes made to the store."""
        if self._generation != self.store.generation():
            with self._lock:
                if self._generation != self.store.generation():
                    self._refresh(load=False)
        return self.recommender

    def write(self, change: Callable[[Store], T]) -> T:
        """Apply a store change (a transaction), then bring the index up to date."""
        with self._lock:
            result = change(self.store)
            self._refresh(load=False)
            return result

    def _refresh(self, *, load: bool, fresh: bool = False) -> dict[str, int]:
        # Read the generation first: a write that lands while the corpus is read makes the
        # next request refresh once more, never leaves it behind.
        generation = self.store.generation()
        corpus = self.store.corpus()
        analyzer = make_analyzer(corpus)
        index = None if fresh else self._current_index(load)
        if index is None:
            log.info("building the index of %d innovations", len(corpus))
            index = build_index(corpus, self.embedder, analyzer, kind=self.settings.index_kind,
                                cache=self._cache, progress=self.settings.progress)
            stats = {"built": len(corpus)}
        else:
            index, stats = sync_index(index, corpus, self.embedder, analyzer, self._cache,
                                      kind=self.settings.index_kind)
        # Swap in the new recommender before touching the disk: readers never see a half-
        # updated index, and a failed save only costs a resync on the next start.
        self._recommender = Recommender(
            corpus, index, self.embedder, analyzer, fusion=self.settings.fusion,
            relevance=self._relevance, gate=self._gate, candidates=self.settings.candidates,
            cache_size=self.settings.query_cache_size,
            recorded_replications=self.store.committed_replications())
        self._generation = generation
        if load or fresh or any(stats.values()):
            try:
                save_index(index, self.settings.index_dir)
                self._cache.save()
            except OSError as exc:
                log.error("could not save the index (%s); it is rebuilt from the store on "
                          "the next start", exc)
        return stats

    def _current_index(self, load: bool) -> ReplikaIndex | None:
        if not load and self._recommender is not None:
            return self._recommender.index
        try:
            index = load_index(self.settings.index_dir)
        except IndexMissingError:
            return None
        except IndexDamagedError as exc:
            log.warning("rebuilding the index from the store: %s", exc)
            return None
        except IndexMismatchError as exc:
            # The index is derived from the store: after an upgrade it is simply rebuilt.
            log.info("rebuilding the index: %s", exc)
            return None
        if index.manifest.analyzer != ANALYZER_VERSION:
            log.info("rebuilding the index: text analyzer changed")
            return None
        if index.manifest.model != self.embedder.name or index.manifest.dim != self.embedder.dim:
            if not self.settings.rebuild:
                raise IndexMismatchError(
                    f"index at {self.settings.index_dir} was built with model "
                    f"{index.manifest.model!r}, not {self.embedder.name!r}; pass --rebuild")
            return None
        return index



class StoreConflictError(ValueError):
    """The configured corpus file and the data directory's store disagree."""


def open_engine(settings: Settings, embedder: Embedder | None = None, *,
                fresh: bool = False, corpus_must_match: bool = False) -> LiveEngine:
    """The engine over the data directory's store, as the server, the CLI and forum
    planning all open it: a new store is seeded from the configured corpus; a store that
    already holds innovations is the truth. With `corpus_must_match` (a corpus file the
    user named for this command) the store must hold exactly that corpus, so nothing
    stored is replaced, or silently preferred, behind the user's back."""
    store = Store(settings.store_path)
    if corpus_must_match and settings.corpus_path is not None and not store.needs_seed():
        given = load_settings_corpus(settings)
        held = store.corpus()
        if given.content_hash != held.content_hash:
            store.close()
            raise StoreConflictError(
                f"{settings.store_path} holds {len(held)} innovations that differ from "
                f"{settings.corpus_path} ({len(given)}), e.g. after writes through the API; "
                "omit --corpus to use the store, or give another --data-dir")
    engine = LiveEngine(settings, store, embedder)
    engine.start(fresh=fresh)
    return engine
