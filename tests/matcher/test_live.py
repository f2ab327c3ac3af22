"""Incremental index sync against a full rebuild, and the live engine over the store."""

from __future__ import annotations

import numpy as np
import pytest

from corpus.collection import Corpus
from corpus.store import ReplicationIn, Store
from matcher.config import Settings
from matcher.index import build_index, load_index, make_analyzer, sync_index
from matcher.live import LiveEngine
from models.hashing import HashingEmbedder


def _ranking(index, embedder, analyzer, text):
    # Scores per innovation id: tied scores may come in any order, so compare as mappings.
    q = embedder.encode_queries([text])[0]
    hits = index.dense.search(q, 20)
    by_int = {v: k for k, v in index.int_ids.items()}
    dense = {by_int[int(i)]: round(float(s), 5) for s, i in zip(hits.scores, hits.ids,
                                                                strict=True)}
    lexical = index.lexical.scores(analyzer.stems(text))
    lex = {index.str_ids[r]: round(float(lexical[r]), 4) for r in range(len(lexical))
           if r in index.str_ids}
    return dense, lex


def test_sync_equals_full_rebuild(small_corpus):
    embedder = HashingEmbedder()
    old = build_index(small_corpus, embedder, make_analyzer(small_corpus))
    records = list(small_corpus.records)
    changed = records[1].model_copy(update={"problem": "Antrean panjang di kantor pajak."})
    added = records[0].model_copy(update={"id": "new-one", "title": "Layanan Jemput Bola KTP"})
    new = Corpus(tuple([records[0], changed, *records[3:], added]))  # records[2] removed
    analyzer = make_analyzer(new)
    synced, analyzer, stats = sync_index(old, new, embedder, analyzer)
    assert stats == {"removed": 1, "changed": 1, "added": 1, "retokenised": 0}
    full = build_index(new, embedder, analyzer)
    assert synced.corpus_hash == full.corpus_hash == new.content_hash
    assert set(synced.int_ids) == set(new.by_id)
    assert len(set(synced.int_ids.values())) == len(new)  # ids stay unique
    for text in ("antrean pajak", "KTP jemput bola", "sampah"):
        assert _ranking(synced, embedder, analyzer, text) == \
            _ranking(full, embedder, analyzer, text)
    for iid in new.by_id:
        assert np.allclose(synced.dense.vector(synced.int_ids[iid]),
                           full.dense.vector(full.int_ids[iid]))


def test_sync_without_changes_is_a_no_op(small_corpus):
    embedder = HashingEmbedder()
    index = build_index(small_corpus, embedder, make_analyzer(small_corpus))
    same, _, stats = sync_index(index, small_corpus, embedder, make_analyzer(small_corpus))
    assert same.dense is index.dense and same.lexical is index.lexical
    assert not any(stats.values())


@pytest.fixture()
def engine(tmp_path, small_corpus):
    live = LiveEngine(Settings(model="hashing", data_dir=tmp_path), Store(tmp_path / "r.db"))
    live.start(seed=small_corpus)
    return live


def test_write_then_query_sees_it(engine, small_corpus):
    record = small_corpus.records[0].model_copy(update={
        "id": "zz-unik", "title": "Layanan Kelinci Ajaib",
        "problem": "Warga kesulitan mengurus surat kelinciajaib."})
    engine.write(lambda s: s.upsert([record]))
    assert engine.ready()
    assert engine.recommender.recommend("kelinciajaib", k=3).results[0].innovation.id == "zz-unik"
    engine.write(lambda s: s.delete("zz-unik"))
    assert "zz-unik" not in {r.innovation.id for r in
                             engine.recommender.recommend("kelinciajaib", k=9).results}


def test_replication_shows_in_explanation(engine):
    iid = "kipp-2018-toss-klungkung"
    engine.write(lambda s: s.add_replication(ReplicationIn(
        innovation_id=iid, region="Kabupaten Sleman", stage="mou-signed")))
    result = engine.recommender.recommend("TOSS", k=1).results[0]
    assert result.innovation.id == iid
    assert any("Sudah direplikasi oleh 3 daerah" in r for r in result.explanation.reasons)


def test_restart_after_crash_between_store_and_index(tmp_path, small_corpus, engine):
    # Simulate a crash after the store commit but before the index update.
    extra = small_corpus.records[0].model_copy(update={"id": "after-crash"})
    engine.store.upsert([extra])
    assert load_index(engine.settings.index_dir).manifest.count == len(small_corpus)
    restarted = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    stats = restarted.start()
    assert stats["added"] == 1 and restarted.ready()
    assert load_index(engine.settings.index_dir).manifest.count == len(small_corpus) + 1


def test_upgraded_index_format_or_analyzer_is_rebuilt_from_the_store(tmp_path, engine):
    import json

    manifest = engine.settings.index_dir / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "analyzer": data["analyzer"] - 1}))
    stale = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    assert stale.start() == {"built": len(engine.recommender.corpus)} and stale.ready()
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": data["format"] - 1}))
    old_format = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    assert old_format.start() == {"built": len(engine.recommender.corpus)}
    assert json.loads(manifest.read_text())["format"] == data["format"]


def test_index_of_another_model_is_refused_without_rebuild(tmp_path, engine):
    import json

    from matcher.index import IndexMismatchError

    manifest = engine.settings.index_dir / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "model": "minilm"}))
    with pytest.raises(IndexMismatchError, match="minilm"):
        LiveEngine(engine.settings, Store(tmp_path / "r.db")).start()


def test_reads_during_writes_never_fail(engine, small_corpus):
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                rec = engine.recommender
                rec.recommend("sampah rumah tangga", k=5)
                rec.similar("kipp-2018-toss-klungkung", k=3)
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        base = small_corpus.records[0]
        for n in range(30):
            record = base.model_copy(update={"id": f"w{n % 4}", "title": f"Tulisan {n}"})
            engine.write(lambda s, r=record: s.upsert([r]))
            if n % 5 == 4:
                engine.write(lambda s, i=f"w{n % 4}": s.delete(i))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, repr(errors[:3])
    assert engine.ready()


def test_failed_index_save_keeps_serving_and_resyncs(tmp_path, engine, small_corpus,
                                                     monkeypatch):
    import matcher.live as live

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(live, "save_index", disk_full)
    record = small_corpus.records[0].model_copy(update={"id": "saved-late"})
    engine.write(lambda s: s.upsert([record]))
    assert engine.ready()
    assert engine.recommender.similar("saved-late", k=2)
    monkeypatch.undo()
    restarted = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    assert restarted.start()["added"] == 1 and restarted.ready()


@pytest.mark.parametrize("name", ["dense/vectors.npy", "fields/vectors.npy", "tokens/codes.npy",
                                  "ids.json"])
def test_restart_over_a_zeroed_or_truncated_index_rebuilds_from_the_store(
        tmp_path, small_corpus, lenient_relevance_dir, name):
    settings = Settings(model="hashing", data_dir=tmp_path, relevance_path=lenient_relevance_dir)
    query = "sampah rumah tangga menumpuk"
    first = LiveEngine(settings, Store(tmp_path / "r.db"), embedder=HashingEmbedder())
    first.start(seed=small_corpus)
    before = [r.innovation.id for r in first.recommender.recommend(query).results]
    first.store.close()
    path = settings.index_dir / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\x00" * (len(data) - len(data) // 2))
    second = LiveEngine(settings, Store(tmp_path / "r.db"), embedder=HashingEmbedder())
    second.start()
    assert second.ready()
    assert [r.innovation.id for r in second.recommender.recommend(query).results] == before
    load_index(settings.index_dir)  # the rebuilt index was saved whole
    second.store.close()


def test_two_engines_on_one_store_agree_after_either_writes(tmp_path, small_corpus,
                                                            lenient_relevance_dir):
    settings = Settings(model="hashing", data_dir=tmp_path, relevance_path=lenient_relevance_dir)
    a = LiveEngine(settings, Store(tmp_path / "r.db"), embedder=HashingEmbedder())
    a.start(seed=small_corpus)
    b = LiveEngine(settings, Store(tmp_path / "r.db"), embedder=HashingEmbedder())
    b.start()
    new = small_corpus.records[0].model_copy(update={"id": "baru-satu"})
    a.write(lambda store: store.upsert([new]))
    assert not b.ready()  # behind by one generation, and says so
    assert "baru-satu" in b.current().corpus.by_id and b.ready()
    b.write(lambda store: store.delete("baru-satu"))
    assert "baru-satu" not in a.current().corpus.by_id
    assert a.generation == b.generation


def test_a_sequence_of_deltas_equals_a_full_build(small_corpus):
    """apply_changes, write after write, against the oracle: a build of the final corpus."""
    from matcher.index import apply_changes

    embedder = HashingEmbedder()
    records = list(small_corpus.records)
    corpus = Corpus(tuple(records[:6]))
    analyzer = make_analyzer(corpus)
    index = build_index(corpus, embedder, analyzer)
    steps = [
        ([records[6]], []),  # add
        ([records[1].model_copy(update={"solution": "Warga mengurus KTP lewat aplikasi."})],
         []),  # change
        ([], [records[2].id]),  # delete
        # A new record states an acronym that another document already uses.
        ([records[0].model_copy(update={"id": "zz-acronym", "title": "SIPEKA (Sistem "
                                                                     "Pelayanan Kartu)"})],
         []),
        ([records[2], records[7]], [records[6].id]),  # re-add a deleted id, add and delete
    ]
    for upserts, deleted in steps:
        corpus = corpus.changed(upserts, deleted)
        index, analyzer, _ = apply_changes(index, corpus, [r.id for r in upserts] + deleted,
                                           embedder, analyzer)
    full_analyzer = make_analyzer(corpus)
    full = build_index(corpus, embedder, full_analyzer)
    assert index.corpus_hash == full.corpus_hash == corpus.content_hash
    assert {i: sorted(t) for i, t in index.tokens.items()} == \
        {i: sorted(t) for i, t in full.tokens.items()}
    for text in ("antrean KTP", "sistem pelayanan kartu", "SIPEKA", "sampah kompos"):
        assert _ranking(index, embedder, analyzer, text) == \
            _ranking(full, embedder, full_analyzer, text)
    sums = {k: (np.round(v, 4).tolist(), n) for k, (v, n) in index.sector_sums.items()}
    assert sums == {k: (np.round(v, 4).tolist(), n) for k, (v, n) in full.sector_sums.items()}


def _add_acronym_statement(small_corpus, others, title):
    """Index `others` beside the small corpus, then add a record whose title states an
    acronym; returns the corpus, the updated index and the change statistics."""
    from matcher.index import apply_changes

    embedder = HashingEmbedder()
    corpus = Corpus((*small_corpus.records[2:], *others))
    analyzer = make_analyzer(corpus)
    index = build_index(corpus, embedder, analyzer)
    states = small_corpus.records[1].model_copy(update={"id": "states-it", "title": title})
    corpus = corpus.changed([states], [])
    index, _, stats = apply_changes(index, corpus, ["states-it"], embedder, analyzer)
    return corpus, index, stats


def test_an_acronym_stated_by_a_new_record_retokenises_documents_that_use_it(small_corpus):
    user = small_corpus.records[0].model_copy(update={
        "id": "uses-it", "title": "Layanan ZQX keliling", "problem": "Warga jauh.",
        "solution": "Petugas datang."})
    _, index, stats = _add_acronym_statement(small_corpus, [user], "ZQX (Zona Qurban Xpress)")
    assert stats["retokenised"] == 1
    assert "qurban" in index.tokens["uses-it"]


def test_only_documents_holding_the_whole_form_are_retokenised(small_corpus):
    base = small_corpus.records[0]
    whole = base.model_copy(update={"id": "whole", "title": "Antrean",
                                    "problem": "Sistem pelayanan kartu lambat."})
    scattered = base.model_copy(update={"id": "scattered", "title": "Antrean",
                                        "problem": "Kartu warga hilang; sistem antrean "
                                                   "pelayanan rusak."})
    corpus, index, stats = _add_acronym_statement(small_corpus, [whole, scattered],
                                                  "SIPEKA (Sistem Pelayanan Kartu)")
    assert stats["retokenised"] == 1
    assert "sipeka" in index.tokens["whole"] and "sipeka" not in index.tokens["scattered"]
    full = build_index(corpus, HashingEmbedder(), make_analyzer(corpus))
    assert dict(index.tokens) == dict(full.tokens)


def test_a_restart_opens_the_saved_corpus_and_replays_only_what_changed(
        tmp_path, small_corpus, engine, caplog):
    import json
    import logging

    from corpus.blobs import BlobFile

    # Written by "another process" (the store alone) after the index was saved.
    extra = small_corpus.records[0].model_copy(update={"id": "after-save"})
    engine.store.upsert([extra])
    engine.store.delete(small_corpus.records[1].id)
    restarted = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    stats = restarted.start()
    corpus = restarted.state.corpus
    assert stats["added"] == 1 and stats["removed"] == 1
    assert isinstance(corpus._blobs._base, BlobFile)
    held = restarted.store.corpus()  # in id order; the saved corpus keeps its own order
    assert corpus.record_hashes() == held.record_hashes() and tuple(sorted(corpus.ids)) == held.ids
    assert restarted.recommender.corpus.by_id["after-save"] == extra
    restarted.close()
    # An edited saved corpus fails its checksum: the index is rebuilt from the store.
    meta = engine.settings.index_dir / "corpus" / "corpus.json"
    data = json.loads(meta.read_text())
    meta.write_text(json.dumps({**data, "source": "elsewhere"}))
    with caplog.at_level(logging.WARNING):
        again = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
        again.start()
    assert again.state.corpus.record_hashes() == again.store.corpus().record_hashes()
    assert any("rebuilding the index" in r.getMessage() for r in caplog.records)


def test_a_saved_corpus_of_another_format_is_not_used_and_is_saved_again(
        tmp_path, engine, monkeypatch, caplog):
    import logging

    import corpus.collection as collection
    from corpus.blobs import BlobFile

    engine.close()
    monkeypatch.setattr(collection, "SAVED_FORMAT", collection.SAVED_FORMAT + 1)
    with caplog.at_level(logging.WARNING):
        upgraded = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
        upgraded.start()
    assert any("not usable" in r.getMessage() for r in caplog.records)
    assert not isinstance(upgraded.state.corpus._blobs._base, BlobFile)  # read the store
    upgraded.close()  # ... and saved the corpus in the new format at once
    again = LiveEngine(engine.settings, Store(tmp_path / "r.db"))
    again.start()
    assert isinstance(again.state.corpus._blobs._base, BlobFile)
    assert again.state.corpus.record_hashes() == again.store.corpus().record_hashes()
