"""Demand no innovation meets yet: no-match answers counted by sector and province.

Only counts are kept (never the text, never who asked): the statistics page shows where
regions look for something the catalogue does not have.
"""

from __future__ import annotations

from corpus.store import Store

SCHEMA = """CREATE TABLE IF NOT EXISTS unmet_demand (
    sector TEXT NOT NULL,
    province TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (sector, province)
)"""


class Demand:
    """The unmet-demand counters of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.db.ensure([SCHEMA])

    def record(self, sector: str, province: str = "") -> None:
        """Count one no-match answer for a problem read as `sector` (in `province`)."""
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO unmet_demand (sector, province, n) VALUES (?, ?, 1) "
                         "ON CONFLICT (sector, province) DO UPDATE SET n = unmet_demand.n + 1",
                         (sector, province))

    def by_sector(self) -> dict[str, int]:
        """No-match answers per sector, most first."""
        return self._sum("sector")

    def by_province(self) -> dict[str, int]:
        """No-match answers per province ('' when none was chosen), most first."""
        return self._sum("province")

    def _sum(self, column: str) -> dict[str, int]:
        rows = self.store.connection().execute(
            f"SELECT {column} AS k, SUM(n) AS n FROM unmet_demand GROUP BY {column} "
            "ORDER BY SUM(n) DESC, k").fetchall()
        return {r["k"]: int(r["n"]) for r in rows}
