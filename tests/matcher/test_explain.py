"""Which matched stems may explain a match."""

from __future__ import annotations

from matcher.explain import Informative, informative_stems
from matcher.text import Analyzer


def test_generic_problem_words_never_explain_a_match_however_rare():
    analyzer = Analyzer()
    generic = analyzer.stems("mencari dibutuhkan bingung ribet kesulitan angka tinggi penuh")
    topical = analyzer.stems("makam jenazah sampah")
    df = dict.fromkeys(generic + topical, 1)  # every one of them rare in this corpus
    informative = Informative(lambda s: df.get(s, 0), n_docs=100)
    assert not [s for s in generic if s in informative]
    assert all(s in informative for s in topical)
    assert informative_stems(df, 100) == frozenset(topical)


def test_words_most_documents_share_do_not_explain():
    informative = Informative(lambda s: {"warga": 30, "makam": 2}.get(s, 0), n_docs=100)
    assert "warga" not in informative and "makam" in informative and "kubur" not in informative
