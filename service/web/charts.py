"""Server-side pictures for the statistics page: bar charts and a tile-grid map of
Indonesia's 38 provinces, as plain data the template draws as inline SVG (no script, no
CDN; every bar and square has a title that names it and its count)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# One square per province at its rough place: column west to east, row north to south.
TILES: dict[str, tuple[int, int, str]] = {
    "Aceh": (0, 0, "AC"), "Sumatera Utara": (1, 0, "SU"), "Kepulauan Riau": (3, 0, "KR"),
    "Sumatera Barat": (1, 1, "SB"), "Riau": (2, 1, "RI"), "Bengkulu": (1, 2, "BE"),
    "Jambi": (2, 2, "JA"), "Kepulauan Bangka Belitung": (3, 2, "BB"),
    "Sumatera Selatan": (2, 3, "SS"), "Lampung": (2, 4, "LA"), "Banten": (2, 5, "BT"),
    "DKI Jakarta": (3, 5, "JK"), "Jawa Barat": (4, 5, "JB"), "Jawa Tengah": (5, 5, "JT"),
    "Daerah Istimewa Yogyakarta": (5, 6, "YO"), "Jawa Timur": (6, 5, "JI"),
    "Bali": (7, 5, "BA"), "Nusa Tenggara Barat": (8, 5, "NB"),
    "Nusa Tenggara Timur": (9, 5, "NT"), "Kalimantan Barat": (4, 2, "KB"),
    "Kalimantan Tengah": (5, 3, "KT"), "Kalimantan Selatan": (6, 3, "KS"),
    "Kalimantan Timur": (6, 2, "KI"), "Kalimantan Utara": (6, 1, "KU"),
    "Gorontalo": (8, 1, "GO"), "Sulawesi Utara": (9, 1, "SA"), "Sulawesi Tengah": (8, 2, "ST"),
    "Sulawesi Barat": (7, 3, "SR"), "Sulawesi Selatan": (8, 3, "SN"),
    "Sulawesi Tenggara": (9, 3, "SG"), "Maluku Utara": (10, 1, "MU"), "Maluku": (10, 3, "MA"),
    "Papua Barat Daya": (11, 1, "PD"), "Papua Barat": (12, 1, "PB"), "Papua": (13, 1, "PA"),
    "Papua Tengah": (12, 2, "PT"), "Papua Pegunungan": (13, 2, "PP"),
    "Papua Selatan": (13, 3, "PS"),
}
TILE = 44  # px per square, gap included
# Light to dark; the darkest marks the provinces with the most innovations.
SHADES = ("#eef2f6", "#cfe3f3", "#9cc7e6", "#5e9fd0", "#2f74b1", "#184f86")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and length in percent of the longest."""

    label: str
    value: int
    percent: float


@dataclass(frozen=True)
class Tile:
    """One province square."""

    province: str
    code: str
    x: int
    y: int
    innovations: int
    replications: int
    shade: str


def bars(counts: Mapping[str, int], labels: Mapping[str, str] | None = None,
         limit: int = 40) -> list[Bar]:
    """Bars for `counts`, largest first, at most `limit`."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    top = max((v for _, v in items), default=0) or 1
    return [Bar((labels or {}).get(k, k), v, round(100 * v / top, 1)) for k, v in items]


def shade(value: int, top: int) -> str:
    """The colour of a value on a scale up to `top` (0 has its own, lightest colour)."""
    if value <= 0 or top <= 0:
        return SHADES[0]
    step = 1 + min(len(SHADES) - 2, int((len(SHADES) - 1) * value / (top + 1)))
    return SHADES[step]


def tile_map(innovations: Mapping[str, int], replications: Mapping[str, int]) -> list[Tile]:
    """Every province's square, coloured by its innovations."""
    top = max(innovations.values(), default=0)
    return [Tile(name, code, x * TILE, y * TILE, innovations.get(name, 0),
                 replications.get(name, 0), shade(innovations.get(name, 0), top))
            for name, (x, y, code) in TILES.items()]


def map_size() -> tuple[int, int]:
    """Width and height of the map in px."""
    return (1 + max(x for x, _, _ in TILES.values())) * TILE, \
        (1 + max(y for _, y, _ in TILES.values())) * TILE
