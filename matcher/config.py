"""The one typed, frozen configuration object passed down from the edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from matcher.hybrid import FusionParams
from models.registry import DEFAULT_EMBEDDER, canonical_name


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs to know; built once by the CLI or the service."""

    model: str = DEFAULT_EMBEDDER
    corpus_path: Path | None = None  # None: the bundled corpus
    data_dir: Path = Path(".replika")
    store_url: str | None = None  # postgresql://...: a shared server instead of SQLite
    index_kind: str = "auto"
    rebuild: bool = False  # rebuild a mismatched index instead of failing
    k: int = 10
    max_k: int = 100
    candidates: int = 100
    fusion: FusionParams = field(default_factory=FusionParams)
    relevance_path: Path | None = None  # None: the relevance model packaged for `model`
    query_cache_size: int = 1024
    search_threads: int = 1  # FAISS threads; see matcher.dense.set_search_threads
    encoders: int = 1  # query encoder instances (the server uses one per core)
    progress: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.max_k:
            raise ValueError(f"k must be between 1 and {self.max_k}, got {self.k}")
        if self.store_url is not None and not self.store_url.startswith(
                ("postgresql://", "postgres://")):
            raise ValueError("store URL must start with postgresql:// (or leave it unset "
                             f"for SQLite in the data directory), got {self.store_url[:40]!r}")
        if not 1 <= self.encoders <= 64:
            raise ValueError(f"encoders must be between 1 and 64, got {self.encoders}")

    @property
    def model_slug(self) -> str:
        """File-system-safe name of the model."""
        return re.sub(r"[^A-Za-z0-9._-]+", "_", canonical_name(self.model)).strip("_")

    @property
    def store_path(self) -> Path:
        """The SQLite store inside the data directory (when no store URL is set)."""
        return self.data_dir / "replika.db"

    @property
    def store(self) -> Path | str:
        """The source of truth: the PostgreSQL URL when set, else the SQLite file."""
        return self.store_url or self.store_path

    @property
    def index_dir(self) -> Path:
        """Folder holding this model's index."""
        return self.data_dir / "index" / self.model_slug
