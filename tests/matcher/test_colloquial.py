"""Informal Indonesian: the standard forms a colloquial word may stand for."""

from __future__ import annotations

import pytest

from matcher.colloquial import candidates, unreduplicated
from matcher.text import Analyzer


@pytest.mark.parametrize(("word", "standard"), [
    ("ngurus", "urus"), ("ngirim", "kirim"), ("nyari", "cari"), ("nyapu", "sapu"),
    ("numpuk", "tumpuk"), ("nunggu", "tunggu"), ("mikir", "pikir"), ("ngecek", "cek"),
    ("dapetin", "dapat"), ("ngajuin", "ajukan"), ("cepet", "cepat"), ("muter2", "putar"),
    ("anak2", "anak"),
])
def test_colloquial_forms_propose_the_standard_word(word, standard):
    assert standard in candidates(word)
    assert word not in candidates(word)


def test_short_words_and_words_with_digits_get_no_rules():
    assert candidates("ktp") == []
    assert candidates("r2d2") == []
    assert unreduplicated("rt2") == "rt2"  # too short to be a reduplicated word
    assert unreduplicated("bolong-2") == "bolong"


@pytest.fixture(scope="module")
def informal() -> Analyzer:
    return Analyzer(informal={"yg": "yang", "jln": "jalan", "bumil": "ibu hamil",
                              "gk": "tidak"})


KNOWN = {"sampah", "tumpuk", "jalan", "angkut", "ibu", "hamil", "antre", "urus", "mining"}


def test_a_query_word_the_corpus_lacks_is_read_as_its_standard_word(informal):
    terms = informal.terms("Sampah numpuk di pinggir jln gk ada yg angkut", KNOWN)
    assert [(t.surface, t.stem) for t in terms] == [
        ("sampah", "sampah"), ("numpuk", "tumpuk"), ("pinggir", "pinggir"),
        ("jln", "jalan"), ("angkut", "angkut")]  # "gk" and "yg" become stop words
    assert [(t.surface, t.stem) for t in informal.terms("bumil bingung", KNOWN)] == [
        ("bumil", "ibu"), ("bumil", "hamil"), ("bingung", "bingung")]


def test_documents_and_known_words_are_left_as_written(informal):
    assert [t.stem for t in informal.terms("sampah numpuk jln")] == ["sampah", "numpuk", "jln"]
    # a word the corpus knows keeps its own reading, even when a rule could rewrite it
    assert [t.stem for t in informal.terms("ngurus mining", KNOWN | {"ngurus"})] == [
        "ngurus", "mining"]


def test_a_standard_word_is_never_rewritten_by_the_rules(informal):
    # "nyeri" (pain) looks like a colloquial ny- form of "seri"; it is a standard root word
    known = KNOWN | {"seri", "tasi"}
    assert [t.stem for t in informal.terms("nyeri sendi", known)] == ["nyeri", "sendi"]
    assert [t.stem for t in informal.terms("nasi basi", known)] == ["nasi", "basi"]


def test_informal_function_words_count_toward_indonesian(informal):
    assert informal.language("yg gk jln") == "id"


def test_the_shipped_table_reads_and_bad_lines_name_file_and_line(tmp_path):
    from corpus.informal import InformalTableError, read_informal

    shipped = read_informal()
    assert len(shipped) > 150 and shipped["yg"] == "yang" and shipped["ngantri"] == "antre"
    bad = tmp_path / "t.tsv"
    bad.write_text("# header\nyg\tyang\nyg\tyang\n", encoding="utf-8")
    with pytest.raises(InformalTableError, match=r"t\.tsv:3: 'yg' is listed twice"):
        read_informal(bad)
    bad.write_text("Yg\tyang\n", encoding="utf-8")
    with pytest.raises(InformalTableError, match=r"t\.tsv:1: informal word 'Yg'"):
        read_informal(bad)
    bad.write_text("yg yang\n", encoding="utf-8")
    with pytest.raises(InformalTableError, match=r"t\.tsv:1: expected"):
        read_informal(bad)
