"""Controlled vocabularies: sectors, provinces and government levels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class Level(StrEnum):
    """Level of the government body that runs an innovation."""

    DESA = "desa"
    KECAMATAN = "kecamatan"
    KABUPATEN = "kabupaten"
    KOTA = "kota"
    PROVINSI = "provinsi"
    KEMENTERIAN_LEMBAGA = "kementerian-lembaga"


LEVEL_ALIASES: dict[str, Level] = {
    "kelurahan": Level.DESA,
    "kementerian": Level.KEMENTERIAN_LEMBAGA,
    "lembaga": Level.KEMENTERIAN_LEMBAGA,
    "kementerian/lembaga": Level.KEMENTERIAN_LEMBAGA,
    "k/l": Level.KEMENTERIAN_LEMBAGA,
    # State-owned enterprises enter KIPP in the ministries' and agencies' cluster.
    "bumn": Level.KEMENTERIAN_LEMBAGA,
    "bumd": Level.KEMENTERIAN_LEMBAGA,
    "kab": Level.KABUPATEN,
    "pemkab": Level.KABUPATEN,
    "pemkot": Level.KOTA,
    "pemprov": Level.PROVINSI,
}


@dataclass(frozen=True)
class Sector:
    """A sector code with its Indonesian and English labels."""

    code: str
    label: str
    label_en: str


SECTORS: tuple[Sector, ...] = (
    Sector("adminduk", "Administrasi Kependudukan", "Civil registration"),
    Sector("kesehatan", "Kesehatan", "Health"),
    Sector("pendidikan", "Pendidikan dan Literasi", "Education and literacy"),
    Sector("sosial", "Sosial dan Penanggulangan Kemiskinan", "Social welfare and poverty"),
    Sector("ekonomi", "Ekonomi, UMKM dan Koperasi", "Economy, small business, cooperatives"),
    Sector("pertanian", "Pertanian, Perikanan dan Pangan", "Agriculture, fisheries and food"),
    Sector("perizinan", "Perizinan dan Investasi", "Permits and investment"),
    Sector("keuangan", "Pajak dan Keuangan Daerah", "Taxes and public finance"),
    Sector("tatakelola", "Tata Kelola, Pengaduan dan Pemerintahan Digital",
           "Governance, complaints and e-government"),
    Sector("infrastruktur", "Infrastruktur, Transportasi dan Perumahan",
           "Infrastructure, transport and housing"),
    Sector("lingkungan", "Lingkungan Hidup dan Persampahan", "Environment and waste"),
    Sector("air-sanitasi", "Air Bersih dan Sanitasi", "Water and sanitation"),
    Sector("kebencanaan", "Kebencanaan dan Kegawatdaruratan", "Disasters and emergencies"),
    Sector("hukum", "Hukum dan Peradilan", "Law and justice"),
    Sector("desa", "Desa dan Kelurahan", "Villages"),
    Sector("perempuan-anak", "Perempuan dan Anak", "Women and children"),
    Sector("ketenagakerjaan", "Ketenagakerjaan", "Employment"),
    Sector("pariwisata", "Pariwisata, Budaya dan Ekonomi Kreatif", "Tourism and culture"),
    Sector("ketertiban", "Ketertiban dan Keamanan", "Public order and safety"),
    Sector("kepegawaian", "Kepegawaian dan Kelembagaan", "Civil service and institutions"),
    Sector("lainnya", "Lainnya", "Other"),
)
SECTOR_BY_CODE: dict[str, Sector] = {s.code: s for s in SECTORS}

PROVINCES: tuple[str, ...] = (
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Jambi", "Sumatera Selatan",
    "Bengkulu", "Lampung", "Kepulauan Bangka Belitung", "Kepulauan Riau", "DKI Jakarta",
    "Jawa Barat", "Jawa Tengah", "Daerah Istimewa Yogyakarta", "Jawa Timur", "Banten", "Bali",
    "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat", "Kalimantan Tengah",
    "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Gorontalo", "Sulawesi Barat",
    "Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Selatan", "Papua Tengah",
    "Papua Pegunungan", "Papua Barat Daya",
)

PROVINCE_ALIASES: dict[str, str] = {
    "di yogyakarta": "Daerah Istimewa Yogyakarta", "diy": "Daerah Istimewa Yogyakarta",
    "yogyakarta": "Daerah Istimewa Yogyakarta", "jogja": "Daerah Istimewa Yogyakarta",
    "jakarta": "DKI Jakarta", "nad": "Aceh", "nanggroe aceh darussalam": "Aceh",
    "sumut": "Sumatera Utara", "sumbar": "Sumatera Barat", "sumsel": "Sumatera Selatan",
    "babel": "Kepulauan Bangka Belitung", "bangka belitung": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau", "jabar": "Jawa Barat", "jateng": "Jawa Tengah",
    "jatim": "Jawa Timur", "ntb": "Nusa Tenggara Barat", "ntt": "Nusa Tenggara Timur",
    "kalbar": "Kalimantan Barat", "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan", "kaltim": "Kalimantan Timur", "kaltara": "Kalimantan Utara",
    "sulut": "Sulawesi Utara", "sulteng": "Sulawesi Tengah", "sulsel": "Sulawesi Selatan",
    "sultra": "Sulawesi Tenggara", "sulbar": "Sulawesi Barat", "malut": "Maluku Utara",
    "papua barat daya": "Papua Barat Daya", "pbd": "Papua Barat Daya",
}


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse non-alphanumerics to single spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9/]+", " ", text.lower()).strip()


_PROVINCE_INDEX: dict[str, str] = {fold(p): p for p in PROVINCES} | {
    fold(k): v for k, v in PROVINCE_ALIASES.items()
}
_PROVINCE_PREFIX = re.compile(r"^(provinsi|prov)\s+")


def normalise_province(value: str) -> str:
    """Return the official province name for a name or alias; '' stays ''."""
    key = _PROVINCE_PREFIX.sub("", fold(value))
    if not key:
        return ""
    try:
        return _PROVINCE_INDEX[key]
    except KeyError:
        raise ValueError(f"unknown province {value!r}; expected one of the 38 official "
                         f"names, e.g. 'Jawa Timur', 'Daerah Istimewa Yogyakarta'") from None


T = TypeVar("T")


def _first_wins(pairs: Iterable[tuple[str, T]]) -> dict[str, T]:
    index: dict[str, T] = {}
    for key, value in pairs:
        index.setdefault(key, value)
    return index


# Folded once here, not once per known name on every call (30,000 records validated at
# start-up folded 900,000 names).
_LEVEL_INDEX: dict[str, Level] = _first_wins(
    [(fold(level.value), level) for level in Level] + list(LEVEL_ALIASES.items()))
_SECTOR_INDEX: dict[str, str] = _first_wins(
    (fold(name), sector.code) for sector in SECTORS
    for name in (sector.code, sector.label, sector.label_en))


def normalise_level(value: str) -> Level:
    """Return the Level for a level name or alias."""
    level = _LEVEL_INDEX.get(fold(value))
    if level is not None:
        return level
    known = ", ".join(level.value for level in Level)
    raise ValueError(f"unknown level {value!r}; expected one of: {known}")


def normalise_sector(value: str) -> str:
    """Return the sector code for a code or its Indonesian/English label."""
    code = _SECTOR_INDEX.get(fold(value))
    if code is not None:
        return code
    known = ", ".join(s.code for s in SECTORS)
    raise ValueError(f"unknown sector {value!r}; expected a code: {known}")
