"""Informal Indonesian: the standard forms a colloquial word may stand for."""

from __future__ import annotations

import pytest

from matcher.colloquial import candidates, unreduplicated
from matcher.text import Analyzer


@pytest.mark.parametrize(("word", "standard"), [
    ("ngurus", "urus"), ("ngirim", "kirim"), ("nyari", "cari"), ("nyapu", "sapu"),
    ("numpuk", "tumpuk"), ("nunggu", "tunggu"), ("mikir", "pikir"), ("ngecek", "cek"),
    ("dapetin", "dapat"), ("nungguin", "tunggu"), ("benerin", "benar"), ("cepet", "cepat"),
    ("muter2", "putar"),
    ("anak2", "anak"),
])
def test_colloquial_forms_propose_the_standard_word(word, standard):
    proposed = candidates(word)
    assert standard in proposed
    assert len(proposed) == len(set(proposed))


def test_short_words_and_words_with_digits_get_no_rules():
    assert candidates("ktp") == []
    assert candidates("r2d2") == []
    assert unreduplicated("rt2") == "rt2"  # too short to be a reduplicated word
    assert unreduplicated("bolong2") == "bolong"
    assert "ad" not in candidates("madin") and "pad" not in candidates("madin")


@pytest.fixture(scope="module")
def informal() -> Analyzer:
    return Analyzer(informal={"yg": "yang", "jln": "jalan", "bumil": "ibu hamil",
                              "gk": "tidak", "antri": "antre"},
                    glossary={"paper": ["kertas"], "news": ["berita"]})


# The corpus vocabulary with document frequencies, as the engine passes it.
KNOWN = {"sampah": 40, "tumpuk": 5, "jalan": 60, "angkut": 9, "ibu": 50, "hamil": 20,
         "antre": 12, "urus": 30, "mining": 1, "kurang": 80, "urang": 2, "papar": 3,
         "kertas": 4, "berita": 6, "tews": 1}


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
    assert [t.stem for t in informal.terms("ngurus mining", KNOWN | {"ngurus": 1})] == [
        "ngurus", "mining"]


def test_a_standard_word_is_never_rewritten_by_the_rules(informal):
    # "nyeri" (pain) looks like a colloquial ny- form of "seri"; it is a standard root word
    known = KNOWN | {"seri": 9, "tasi": 9}
    assert [t.stem for t in informal.terms("nyeri sendi", known)] == ["nyeri", "sendi"]
    assert [t.stem for t in informal.terms("nasi basi", known)] == ["nasi", "basi"]


def test_informal_function_words_count_toward_indonesian(informal):
    assert informal.language("yg gk jln") == "id"
    # a short query of colloquial words alone is still read as Indonesian
    assert informal.language("numpuk", KNOWN) == "id"
    assert informal.language("antri2", KNOWN) == "id"


def test_among_readings_the_one_more_documents_use_wins(informal):
    # "ngurangin": "urangi" and "kurangi" are both candidates; "kurang" is far commoner
    assert [t.stem for t in informal.terms("ngurangin", KNOWN)] == ["kurang"]


def test_reduplicated_table_words_are_read_through_the_table(informal):
    assert [t.stem for t in informal.terms("antri2 lama", KNOWN)] == ["antre", "lama"]


def test_english_words_in_an_indonesian_query_are_left_to_the_glossary(informal):
    # "paper" would become "papar" and "news" "tews" by the colloquial rules
    assert [t.stem for t in informal.terms("paper news", KNOWN)] == ["paper", "news"]


def test_candidates_are_stemmed_as_the_index_stems_and_not_remembered():
    analyzer = Analyzer()
    assert analyzer._stem("ambulans", remember=False) == "ambulan"  # plural folding too
    assert analyzer._stem("ambulans", remember=False) == Analyzer()._stem("ambulans")
    assert "ambulans" not in analyzer._cache


def test_the_rules_run_on_a_bounded_number_of_words(informal):
    from matcher.text import MAX_RULE_WORDS

    junk = " ".join(f"numpukx{i}" for i in range(MAX_RULE_WORDS)) + " numpuk"
    assert informal.terms(junk, KNOWN)[-1].stem == "numpuk"  # past the budget: as written
    assert informal.terms("numpuk", KNOWN)[0].stem == "tumpuk"


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
