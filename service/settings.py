"""Service configuration: the engine Settings plus API key, limits and address."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limits import parse

from matcher.config import Settings
from service.config import load_settings


@dataclass(frozen=True)
class Limits:
    """Request limits; each breach is answered with a 4xx naming the limit."""

    max_query_chars: int = 2000
    max_k: int = 50
    max_page_size: int = 100
    max_upload_bytes: int = 5 * 1024 * 1024
    max_upload_rows: int = 10_000
    bulk_job_rows: int = 500  # larger uploads are validated, then stored by a job (202)
    forum_max_regions: int = 1_000
    forum_max_innovators: int = 1_000
    forum_max_statements: int = 3_000  # problem statements over all regions
    forum_deadline_seconds: float = 120.0  # a caller may ask for less, never more
    forum_concurrency: int = 1  # plans computed at once; another one answers 503
    # Per client address and minute (the `limits` notation). Reads allow one client at
    # the engine's full throughput (about 36 uncached queries a second is ~2,200 a minute).
    rate_reads: str = "3000/minute"
    rate_writes: str = "120/minute"
    rate_forums: str = "10/minute"
    rate_interests: str = "20/hour"  # public statements of interest, per client


@dataclass(frozen=True)
class ServiceConfig:
    """Everything `create_app` needs."""

    settings: Settings = field(default_factory=Settings)
    api_key: str | None = None
    limits: Limits = field(default_factory=Limits)
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def store(self) -> Path | str:
        """The store: a SQLite file in the data directory or a PostgreSQL URL."""
        return self.settings.store


def load_service_config(overrides: Mapping[str, Any] | None = None,
                        env: Mapping[str, str] | None = None) -> ServiceConfig:
    """ServiceConfig from environment variables (REPLIKA_*) and explicit overrides."""
    env = os.environ if env is None else env
    overrides = dict(overrides or {})
    host = overrides.pop("host", None) or env.get("REPLIKA_HOST") or "127.0.0.1"
    port = overrides.pop("port", None) or int(env.get("REPLIKA_PORT") or 8000)
    settings = load_settings(overrides, env)
    rates = {name: env[var] for name, var in RATE_ENV.items() if env.get(var)}
    for name, value in rates.items():
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"environment variable {RATE_ENV[name]}: {value!r} is not a "
                             "rate such as '1000/minute'") from None
    return ServiceConfig(settings=settings, api_key=env.get("REPLIKA_API_KEY") or None,
                         limits=Limits(**rates), host=host, port=int(port))


RATE_ENV = {"rate_reads": "REPLIKA_RATE_READS", "rate_writes": "REPLIKA_RATE_WRITES",
            "rate_forums": "REPLIKA_RATE_FORUMS", "rate_interests": "REPLIKA_RATE_INTERESTS"}
