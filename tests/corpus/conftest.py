"""Fixtures of the corpus tests: a store on each backend."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path):
    """Where a store lives: a SQLite file, or a fresh database on the test server."""
    if request.param == "sqlite":
        return tmp_path / "replika.db"
    return request.getfixturevalue("postgres_url")
