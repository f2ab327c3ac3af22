"""The draft replication plan (rencana aksi replikasi), pre-filled from an innovation and a
region's problem statement: a page meant to be printed and completed by hand."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.schema import Innovation

# The office that usually leads work of each sector in a kabupaten/kota, as a first guess
# the region corrects (office names differ between regions).
LEAD_OFFICE: dict[str, str] = {
    "adminduk": "Dinas Kependudukan dan Pencatatan Sipil",
    "kesehatan": "Dinas Kesehatan (dan puskesmas/RSUD)",
    "pendidikan": "Dinas Pendidikan",
    "sosial": "Dinas Sosial",
    "ekonomi": "Dinas Koperasi dan UMKM",
    "pertanian": "Dinas Pertanian / Perikanan",
    "perizinan": "Dinas Penanaman Modal dan PTSP",
    "keuangan": "Badan Pendapatan / Keuangan Daerah",
    "tatakelola": "Dinas Komunikasi dan Informatika",
    "infrastruktur": "Dinas Pekerjaan Umum dan Perumahan",
    "lingkungan": "Dinas Lingkungan Hidup",
    "air-sanitasi": "Dinas Pekerjaan Umum / PDAM",
    "kebencanaan": "Badan Penanggulangan Bencana Daerah",
    "hukum": "Bagian Hukum Sekretariat Daerah",
    "desa": "Dinas Pemberdayaan Masyarakat dan Desa",
    "perempuan-anak": "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
    "ketenagakerjaan": "Dinas Tenaga Kerja",
    "pariwisata": "Dinas Pariwisata dan Kebudayaan",
    "ketertiban": "Satuan Polisi Pamong Praja",
    "kepegawaian": "Badan Kepegawaian dan Pengembangan SDM",
}
NEEDS = (("staff", "SDM"), ("budget", "Anggaran"), ("technology", "Teknologi"),
         ("partners", "Mitra"))


@dataclass(frozen=True)
class PlanRow:
    """One thing to adapt: what the source innovation used, and a blank for the region."""

    aspect: str
    origin: str  # what the record states, or "" (the region finds out)


@dataclass(frozen=True)
class Plan:
    """Everything the draft shows."""

    item: Innovation
    region: str
    problem: str
    lead_office: str
    adapt: tuple[PlanRow, ...]
    first_steps: tuple[str, ...]
    indicators: tuple[str, ...]


def draft_plan(item: Innovation, region: str, problem: str) -> Plan:
    """The draft for `region` replicating `item` against `problem` (both may be empty)."""
    adapt = [PlanRow(label, getattr(item.needs, key)) for key, label in NEEDS]
    adapt.append(PlanRow("Dasar hukum", "; ".join(item.legal_basis)))
    adapt.append(PlanRow("Biaya", item.cost))
    origin = item.unit + (", " if item.unit and item.agency else "") + item.agency
    steps = (
        f"Hubungi {origin or 'pelaksana inovasi'} untuk meminta SOP, dasar hukum, data "
        "anggaran dan hasil; bila bisa, jadwalkan kunjungan belajar.",
        "Bentuk tim kecil lintas perangkat daerah dan tetapkan penanggung jawabnya.",
        "Petakan kondisi awal di daerah Anda (data masalah, pengguna, sarana) sebagai "
        "pembanding.",
        "Pilih lokasi atau kelompok uji coba dan jadwal tiga sampai enam bulan pertama.",
        "Siapkan dasar hukum daerah (Perbup/Perwal/SK) bila inovasi memerlukannya.",
    )
    indicators = []
    if item.outcome:
        indicators.append(f"Hasil di daerah asal sebagai pembanding: {item.outcome}")
    indicators += ["Ukuran masalah sebelum dan sesudah uji coba (angka yang sama, cara "
                   "hitung yang sama).",
                   "Jumlah warga yang terlayani dan waktu atau biaya yang mereka hemat.",
                   "Kepuasan pengguna dan keluhan yang masuk."]
    return Plan(item, " ".join(region.split())[:120], " ".join(problem.split())[:2000],
                LEAD_OFFICE.get(item.sector, ""), tuple(adapt), steps, tuple(indicators))
