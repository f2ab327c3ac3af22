"""Open a ready recommender from Settings: load corpus and model, load or build the index."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from corpus.collection import Corpus
from corpus.loader import load_bundled_corpus, load_corpus
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
)
from matcher.relevance import RelevanceModel, default_relevance_dir, load_relevance
from matcher.text import ANALYZER_VERSION, Analyzer
from models import Embedder, create_embedder
from models.cache import EmbeddingCache

log = logging.getLogger(__name__)


def load_settings_corpus(settings: Settings) -> Corpus:
    """The configured corpus (the bundled one unless a path is given)."""
    return load_corpus(settings.corpus_path) if settings.corpus_path else load_bundled_corpus()


def bundled_embeddings_dir(model_slug: str) -> Path:
    """Prebuilt document vectors of the bundled corpus for one model."""
    return Path(str(resources.files("corpus").joinpath(f"data/embeddings/{model_slug}")))


def embedding_cache(settings: Settings, dim: int) -> EmbeddingCache:
    """The data directory's document-vector cache, seeded with the bundled vectors."""
    cache = EmbeddingCache(settings.data_dir / "embeddings" / settings.model_slug, dim)
    cache.fill_from(EmbeddingCache(bundled_embeddings_dir(settings.model_slug), dim))
    return cache


def build_and_save(settings: Settings, corpus: Corpus, embedder: Embedder,
                   analyzer: Analyzer) -> ReplikaIndex:
    """Build the index (reusing cached vectors), save it and the cache."""
    cache = embedding_cache(settings, embedder.dim)
    index = build_index(corpus, embedder, analyzer, kind=settings.index_kind, cache=cache,
                        progress=settings.progress)
    save_index(index, settings.index_dir, corpus=corpus)
    cache.save()
    return index


def open_relevance(settings: Settings, model: str, index: ReplikaIndex | None = None
                   ) -> RelevanceModel | None:
    """The relevance model for `model`: the configured folder, else the packaged one.

    A configured folder must hold a usable model (RelevanceError otherwise). When Replika
    ships none for this embedder, results are ranked by fusion and never withheld, and a
    warning says so. A model fitted on another corpus still applies, with a note in the log.
    """
    folder = settings.relevance_path or default_relevance_dir(settings.model_slug)
    if settings.relevance_path is None and not (folder / "manifest.json").is_file():
        log.warning("no relevance model for %s: results are ranked by fusion without "
                    "calibrated no-match; fit one with 'replika relevance fit'", model)
        return None
    relevance = load_relevance(folder)
    relevance.check(model)
    if index is not None and relevance.manifest.corpus_hash != index.corpus_hash:
        log.info("relevance model was fitted on corpus %s, the index holds %s",
                 relevance.manifest.corpus_hash[:12], index.corpus_hash[:12])
    return relevance


def load_usable_index(settings: Settings, embedder: Embedder) -> ReplikaIndex | None:
    """The saved index if it can be used with `embedder`, else None (logged): a missing,
    damaged or outdated index is derived data and is rebuilt, never fatal or trusted. An
    index of another model is an error unless a rebuild was asked for."""
    try:
        index = load_index(settings.index_dir)
    except IndexMissingError:
        log.info("no index at %s; building it", settings.index_dir)
        return None
    except IndexDamagedError as exc:
        log.warning("rebuilding the index: %s", exc)
        return None
    except IndexMismatchError as exc:
        log.info("rebuilding the index: %s", exc)
        return None
    if index.manifest.analyzer != ANALYZER_VERSION:
        log.info("rebuilding the index: text analyzer changed")
        return None
    if index.manifest.model != embedder.name or index.manifest.dim != embedder.dim:
        if not settings.rebuild:
            raise IndexMismatchError(
                f"index at {settings.index_dir} was built with model "
                f"{index.manifest.model!r}, not {embedder.name!r}; pass --rebuild")
        return None
    return index


def open_index(settings: Settings, corpus: Corpus, embedder: Embedder,
               analyzer: Analyzer) -> ReplikaIndex:
    """The index of an in-memory corpus (evaluation, relevance fitting): the saved one
    when it holds exactly `corpus`, else built and saved."""
    index = load_usable_index(settings, embedder)
    if index is not None:
        try:
            index.check(corpus, embedder.name)
            return index
        except IndexMismatchError:
            if not settings.rebuild:
                raise
            log.info("index at %s does not match; rebuilding", settings.index_dir)
    return build_and_save(settings, corpus, embedder, analyzer)


def open_recommender(settings: Settings, *, embedder: Embedder | None = None,
                     corpus: Corpus | None = None, with_relevance: bool = True) -> Recommender:
    """A ready Recommender for `settings` (without its relevance model when fitting one)."""
    set_search_threads(settings.search_threads)
    corpus = corpus or load_settings_corpus(settings)
    embedder = embedder or create_embedder(settings.model)
    analyzer = make_analyzer(corpus)
    index = open_index(settings, corpus, embedder, analyzer)
    return Recommender(corpus, index, embedder, analyzer, fusion=settings.fusion,
                       relevance=open_relevance(settings, embedder.name, index)
                       if with_relevance else None,
                       gate=LanguageGate(), candidates=settings.candidates,
                       cache_size=settings.query_cache_size)
