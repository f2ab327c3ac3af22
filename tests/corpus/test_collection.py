"""The compressed corpus against the records it was made from (the oracle)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from corpus.collection import Corpus, corpus_hash
from corpus.loader import load_bundled_corpus
from corpus.packed import Facts
from corpus.schema import Innovation


def test_records_read_back_equal_the_originals(small_corpus: Corpus) -> None:
    originals = list(small_corpus)
    again = Corpus(originals, source="again")
    assert list(again) == originals
    assert list(again.records) == originals
    assert again.records[1:3] == tuple(originals[1:3])
    assert again.ids == tuple(r.id for r in originals)
    assert all(again.by_id[r.id] == r for r in originals)
    assert Innovation.model_validate_json(again.json_of(originals[0].id)) == originals[0]
    assert again.get("no-such-id") is None and "no-such-id" not in again
    with pytest.raises(KeyError):
        again.by_id["no-such-id"]


def test_facts_say_what_the_records_say() -> None:
    corpus = load_bundled_corpus()
    for record in corpus:
        facts = corpus.facts[record.id]
        assert facts == Facts.of(record)
        assert (facts.sector, facts.province, facts.level, facts.year, facts.award_tier) == \
            (record.sector, record.province, record.level, record.year, record.award_tier)
        assert facts.body_words == record.body_words
        assert facts.has_problem == bool(record.problem)
        assert facts.acronyms == record.acronyms
        assert facts.adopters == tuple((a.region, a.province, a.stage) for a in record.adopters)


def test_changed_replaces_in_place_appends_new_and_leaves_the_original(
        small_corpus: Corpus) -> None:
    first, second = small_corpus.records[:2]
    edited = first.model_copy(update={"title": "Judul yang diubah"})
    new = second.model_copy(update={"id": "baru-sekali"})
    after = small_corpus.changed([edited, new], [second.id])
    assert after.ids == (first.id, *small_corpus.ids[2:], "baru-sekali")
    assert after.by_id[first.id].title == "Judul yang diubah"
    assert after.facts[first.id].title == "Judul yang diubah"
    assert second.id not in after and second.id not in after.facts
    assert small_corpus.by_id[first.id] == first and second.id in small_corpus
    assert after.content_hash == corpus_hash(after.records)
    assert after != small_corpus


def test_content_hash_is_the_records_hash_in_any_order(small_corpus: Corpus) -> None:
    records = list(small_corpus)
    assert small_corpus.content_hash == corpus_hash(records)
    assert Corpus(records[::-1]).content_hash == small_corpus.content_hash
    assert Corpus(records) == Corpus(records)


def test_a_repeated_id_is_refused(small_corpus: Corpus) -> None:
    record = small_corpus.records[0]
    with pytest.raises(ValueError, match=record.id):
        Corpus([record, record])


def test_many_threads_read_the_same_records() -> None:
    corpus = load_bundled_corpus()
    ids = list(corpus.ids) * 4
    with ThreadPoolExecutor(8) as pool:
        titles = list(pool.map(lambda i: corpus.by_id[i].title, ids))
    assert titles == [corpus.facts[i].title for i in ids]


def test_held_compressed_well_below_the_json() -> None:
    corpus = load_bundled_corpus()
    held = sum(len(corpus._blobs[i]) for i in corpus.ids)
    raw = sum(len(corpus.json_of(i).encode()) for i in corpus.ids)
    assert held < raw / 2


def test_an_old_corpus_is_freed_without_the_cycle_collector(small_corpus: Corpus) -> None:
    import gc
    import weakref

    gc.disable()
    try:
        old = small_corpus.changed([], [])
        old.by_id[old.ids[0]]  # fill its decoded-record cache
        ref = weakref.ref(old)
        del old
        assert ref() is None
    finally:
        gc.enable()


def test_a_saved_corpus_opens_with_the_same_records_facts_and_hashes(
        small_corpus: Corpus, tmp_path) -> None:
    from corpus.blobs import BlobFile

    small_corpus.save(tmp_path / "c")
    opened = Corpus.open(tmp_path / "c")
    assert isinstance(opened._blobs._base, BlobFile)  # read from the file, not held
    assert opened == small_corpus and opened.ids == small_corpus.ids
    assert list(opened) == list(small_corpus)
    assert dict(opened.facts) == dict(small_corpus.facts)
    assert opened.record_hashes() == small_corpus.record_hashes()
    assert opened.aliases == small_corpus.aliases and opened.source == small_corpus.source
    first, last = small_corpus.records[0], small_corpus.records[-1]
    edited = first.model_copy(update={"title": "Judul Baru"})
    changed = opened.changed([edited], [last.id])
    assert changed.by_id[first.id].title == "Judul Baru" and last.id not in changed
    assert changed.ids == small_corpus.ids[:-1]
    assert changed == small_corpus.changed([edited], [last.id])


def test_a_corpus_saved_by_another_schema_or_damaged_is_refused(small_corpus, tmp_path):
    import json

    small_corpus.save(tmp_path / "c")
    meta_path = tmp_path / "c" / "corpus.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "schema": "0" * 64}))
    with pytest.raises(ValueError, match="another version"):
        Corpus.open(tmp_path / "c")
    meta_path.write_text(json.dumps({**meta, "count": meta["count"] + 1}))
    with pytest.raises(ValueError, match="facts for"):
        Corpus.open(tmp_path / "c")
    meta_path.write_text(json.dumps(meta))
    facts = tmp_path / "c" / "facts.jsonl"
    lines = facts.read_text().splitlines(keepends=True)
    facts.write_text("".join(lines + lines[:1]))
    with pytest.raises(ValueError, match=f"facts.jsonl:{len(lines) + 1}: id .* twice"):
        Corpus.open(tmp_path / "c")
    facts.write_text("".join(lines[:2] + ["[1, 2]\n"] + lines[3:]))
    with pytest.raises(ValueError, match="facts.jsonl:3: "):
        Corpus.open(tmp_path / "c")
    meta_path.write_text("[]")
    with pytest.raises(ValueError, match="corpus.json: not an object"):
        Corpus.open(tmp_path / "c")
    meta_path.write_text(json.dumps(meta))
    facts.write_text("".join(lines))
    (tmp_path / "c" / "records.bin").write_bytes(b"short")
    with pytest.raises(ValueError, match="records.bin"):
        Corpus.open(tmp_path / "c")
