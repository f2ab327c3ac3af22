"""Map environment variables and command-line flags onto the one Settings object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.config import Settings

ENV_PREFIX = "REPLIKA_"
# Settings field -> (environment variable, parser)
ENV_FIELDS: dict[str, tuple[str, Any]] = {
    "model": ("REPLIKA_MODEL", str),
    "corpus_path": ("REPLIKA_CORPUS", Path),
    "data_dir": ("REPLIKA_DATA_DIR", Path),
    "store_url": ("REPLIKA_STORE_URL", str),
    "index_kind": ("REPLIKA_INDEX_KIND", str),
    "k": ("REPLIKA_K", int),
    "relevance_path": ("REPLIKA_RELEVANCE", Path),
    "encoders": ("REPLIKA_ENCODERS", int),
}


def load_settings(overrides: Mapping[str, Any] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, then environment variables, then explicit overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for name, (var, parse) in ENV_FIELDS.items():
        if env.get(var):
            try:
                values[name] = parse(env[var])
            except ValueError as exc:
                raise ValueError(f"environment variable {var}: {exc}") from None
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Settings(**values)
