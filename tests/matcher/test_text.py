"""Indonesian text analysis: stems, stop words, spelling variants and acronym expansion."""

from __future__ import annotations

import pytest

from matcher.text import AcronymMap, Analyzer, Term

TOSS = ("TOSS", "Tempat Olah Sampah Setempat")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def toss_analyzer() -> Analyzer:
    return Analyzer([TOSS])


@pytest.mark.parametrize(("word", "stem"), [
    ("pelayanan", "layan"),
    ("kelahiran", "lahir"),
    ("perizinan", "izin"),
    ("pengelolaan", "kelola"),
    ("kependudukan", "duduk"),
    ("persampahan", "sampah"),
    ("Pelayanan", "layan"),
])
def test_indonesian_words_are_stemmed(analyzer, word, stem):
    assert analyzer.base_stems(word) == [stem]


def test_stop_words_are_removed(analyzer):
    assert analyzer.base_stems("yang dan di untuk dengan pada the of and") == []
    # Region words and English function words carry no topic.
    assert analyzer.base_stems("Pemerintah Kabupaten Banyuwangi") == ["banyuwangi"]


@pytest.mark.parametrize("word", ["ibu", "kurang", "lama", "anak", "tempat"])
def test_domain_words_are_kept(analyzer, word):
    assert analyzer.base_stems(word) == [word]


def test_sentence_keeps_meaningful_words_in_order(analyzer):
    stems = analyzer.base_stems("Banyak ibu hamil yang kurang gizi dan pelayanan lama")
    assert stems == ["ibu", "hamil", "kurang", "gizi", "layan", "lama"]


@pytest.mark.parametrize(("variant", "standard"), [
    ("antrian", "antrean"),
    ("ijin", "izin"),
    ("resiko", "risiko"),
    ("praktek", "praktik"),
    ("online", "daring"),
])
def test_spelling_variants_share_a_stem(analyzer, variant, standard):
    assert analyzer.base_stems(variant) == analyzer.base_stems(standard)
    assert analyzer.base_stems(f"Pelayanan {variant.upper()}")[-1] == \
        analyzer.base_stems(standard)[0]


def test_antrian_and_antrean(analyzer):
    assert analyzer.base_stems("antrian panjang") == analyzer.base_stems("antrean panjang") \
        == ["antre", "panjang"]


def test_terms_keep_the_surface_words(analyzer):
    terms = analyzer.terms("Antrian PELAYANAN ijin online yang lama")
    assert terms == [
        Term("antrian", "antre"),
        Term("pelayanan", "layan"),
        Term("ijin", "izin"),
        Term("online", "daring"),
        Term("lama", "lama"),
    ]


def test_numbers_and_english_plurals(analyzer):
    assert analyzer.base_stems("Covid 2019 services") == ["covid", "2019", "service"]


def test_acronym_expands_to_long_form(toss_analyzer):
    long_stems = toss_analyzer.base_stems("Tempat Olah Sampah Setempat")
    assert long_stems == ["tempat", "olah", "sampah", "tempat"]
    stems = toss_analyzer.stems("TOSS")
    assert stems[0] == "toss"
    assert stems[1:] == long_stems


def test_long_form_expands_to_acronym(toss_analyzer):
    stems = toss_analyzer.stems("tempat olah sampah setempat")
    assert "toss" in stems
    assert stems[:4] == ["tempat", "olah", "sampah", "tempat"]


def test_long_form_must_be_contiguous(toss_analyzer):
    assert "toss" not in toss_analyzer.stems("tempat sampah olah setempat")
    assert "toss" not in toss_analyzer.stems("olah sampah")


def test_acronym_inside_a_sentence(toss_analyzer):
    stems = toss_analyzer.stems("Pengelolaan sampah dengan TOSS di desa")
    assert stems[:4] == ["kelola", "sampah", "toss", "desa"]
    assert set(stems[4:]) == {"tempat", "olah", "sampah"}


def test_without_pairs_nothing_is_added(analyzer):
    assert analyzer.stems("TOSS") == ["toss"]
    assert analyzer.stems("tempat olah sampah setempat") == analyzer.base_stems(
        "tempat olah sampah setempat")
    assert len(analyzer.acronyms) == 0


def test_acronym_map_two_ways():
    acronyms = AcronymMap([(["ktp"], ["kartu", "tanda", "duduk"]), (["kk"], ["kartu", "keluarga"]),
                           (["same"], ["same"]), ([], ["empty"])])
    assert len(acronyms) == 2
    assert acronyms.expansions(["urus", "ktp"]) == ["kartu", "tanda", "duduk"]
    assert acronyms.expansions(["kartu", "keluarga", "hilang"]) == ["kk"]
    assert acronyms.expansions(["same"]) == []
    assert acronyms.expansions([]) == []


def test_empty_and_symbol_only_text(analyzer):
    assert analyzer.terms("") == []
    assert analyzer.stems(" -- !! ?? ") == []


def test_a_short_form_that_loses_a_word_is_not_an_acronym():
    from matcher.text import Analyzer

    analyzer = Analyzer([("Bulan Melah", "Buleleng Kelola Sampah Anorganik melalui Bank "
                                         "Sampah"), ("TOSS", "Tempat Olah Sampah Setempat")])
    assert "sampah" not in analyzer.stems("sudah berbulan-bulan menunggu")
    assert "olah" in analyzer.stems("program TOSS di desa")


@pytest.fixture(scope="module")
def glossary_analyzer() -> Analyzer:
    return Analyzer(glossary={"birth certificate": ["akta kelahiran"], "birth": ["lahir"],
                              "queue": ["antrean"], "air": ["udara"],
                              "complaint": ["pengaduan", "keluhan"]})


def test_english_words_are_read_as_the_indonesian_the_documents_use(glossary_analyzer):
    terms = glossary_analyzer.translations("Long queue for a birth certificate",
                                           english=True, known=set())
    assert [(t.surface, t.stem) for t in terms] == [
        ("queue", "antre"), ("birth certificate", "akta"), ("birth certificate", "lahir")]


def test_a_word_the_corpus_knows_is_not_translated_in_an_indonesian_query(glossary_analyzer):
    known = {"air", "bersih", "layan"}
    assert glossary_analyzer.translations("air bersih sulit", english=False,
                                          known=known) == []
    mixed = glossary_analyzer.translations("layanan lambat, banyak complaint",
                                           english=False, known=known)
    assert {t.stem for t in mixed} == {"adu", "keluh"}
    assert {t.surface for t in mixed} == {"complaint"}  # shown as the user wrote it


def test_the_shipped_glossary_reads_and_bad_lines_name_file_and_line(tmp_path):
    from corpus.glossary import GlossaryError, read_glossary

    shipped = read_glossary()
    assert len(shipped) > 3000 and "akta kelahiran" in shipped["birth certificate"]
    bad = tmp_path / "g.tsv"
    bad.write_text("# header\nqueue\tantrean\nno tab here\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"g\.tsv:3: expected 'english<TAB>indonesian'"):
        read_glossary(bad)
