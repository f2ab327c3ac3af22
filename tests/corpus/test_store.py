"""The store on SQLite and on a real PostgreSQL server: transactions, replications, the
change log and the corpus it yields."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pydantic import ValidationError

from corpus.store import (
    DuplicateReplicationError,
    HasReplicationsError,
    ReplicationIn,
    Stage,
    Store,
    UnknownInnovationError,
    UnknownReplicationError,
)


@pytest.fixture()
def store(target, small_corpus):
    s = Store(target)
    s.seed(small_corpus)
    return s


def test_seed_round_trips_every_record(store, small_corpus):
    assert store.count() == len(small_corpus)
    assert store.corpus().content_hash == small_corpus.content_hash
    assert store.get("kipp-2018-toss-klungkung") == small_corpus.by_id["kipp-2018-toss-klungkung"]
    assert store.get("nope") is None
    assert not store.seed(small_corpus)  # a non-empty store is never re-seeded


def test_upsert_reports_created_and_updated(store, small_corpus):
    first = small_corpus.records[0]
    new = first.model_copy(update={"id": "brand-new"})
    result = store.upsert([first.model_copy(update={"title": "Judul baru"}), new])
    assert result.created == ("brand-new",) and result.updated == (first.id,)
    assert store.get(first.id).title == "Judul baru"


def test_failed_transaction_keeps_nothing(store, small_corpus):
    before = store.corpus().content_hash

    def rows():
        yield small_corpus.records[0].model_copy(update={"id": "half-written"})
        raise RuntimeError("crash in the middle of a bulk write")

    with pytest.raises(RuntimeError):
        store.upsert(rows())
    assert store.get("half-written") is None
    assert store.corpus().content_hash == before


def test_delete_with_replications_needs_cascade_and_then_removes_them(store):
    store.add_replication(ReplicationIn(innovation_id="kipp-2018-toss-klungkung",
                                        region="Kabupaten Bantul", stage="implemented"))
    generation = store.generation()
    with pytest.raises(HasReplicationsError, match="1 replication record"):
        store.delete("kipp-2018-toss-klungkung")
    assert store.get("kipp-2018-toss-klungkung") is not None  # nothing changed
    assert store.generation() == generation
    store.delete("kipp-2018-toss-klungkung", cascade=True)
    assert store.get("kipp-2018-toss-klungkung") is None
    assert store.replications("kipp-2018-toss-klungkung") == []
    with pytest.raises(UnknownInnovationError):
        store.delete("kipp-2018-toss-klungkung")


def test_committed_replications_are_counted_apart_from_the_record(store, small_corpus):
    iid = "kipp-2018-toss-klungkung"
    base = small_corpus.by_id[iid].known_replications
    for region, stage in [("Kabupaten Bantul", "mou-signed"), ("kabupaten bantul", "implemented"),
                          ("Kota Malang", "interest"), ("Kota Blitar", "implemented")]:
        store.add_replication(ReplicationIn(innovation_id=iid, region=region, stage=stage,
                                            date=dt.date(2024, 5, 1)))
    # Bantul counts once (case-insensitive); mere interest does not count.
    assert store.committed_replications() == {iid: 2}
    # The stored record keeps the sources' count, so a read-modify-write cannot inflate it.
    assert store.corpus().by_id[iid].known_replications == base
    records = store.replications(iid)
    assert len(records) == 4 and records[0].region == "Kota Blitar"  # newest first
    assert records[0].stage == Stage.IMPLEMENTED and records[0].date == dt.date(2024, 5, 1)


def test_replication_validation_and_unknown_innovation(store):
    with pytest.raises(ValidationError, match="stage"):
        ReplicationIn(innovation_id="x", region="Kota Malang", stage="dreaming")
    with pytest.raises(ValidationError, match="unknown province"):
        ReplicationIn(innovation_id="x", region="Kota Malang", stage="interest",
                      province="Narnia")
    with pytest.raises(UnknownInnovationError):
        store.add_replication(ReplicationIn(innovation_id="nope", region="Kota Malang",
                                            stage="interest"))


def test_store_survives_reopen(target, small_corpus):
    Store(target).seed(small_corpus)
    reopened = Store(target)
    assert reopened.corpus().content_hash == small_corpus.content_hash


def test_an_emptied_store_is_not_seeded_again(store, small_corpus):
    for record in small_corpus:
        store.delete(record.id)
    assert store.count() == 0 and not store.needs_seed()
    assert not store.seed(small_corpus) and store.count() == 0


def test_every_write_bumps_the_generation_and_logs_its_ids(target, small_corpus):
    store = Store(target)
    assert store.generation() == 0
    store.seed(small_corpus)
    first = store.generation()
    record = small_corpus.records[0].model_copy(update={"title": "Judul baru"})
    store.upsert([record])
    store.add_replication(ReplicationIn(innovation_id=record.id, region="Kota Ambon",
                                        stage="interest"))
    store.delete(small_corpus.records[1].id)
    assert store.generation() == first + 3
    kinds = [(kind, ids) for _, kind, ids in store.changes_since(first)]
    assert kinds == [("upsert", [record.id]), ("replication", [record.id]),
                     ("delete", [small_corpus.records[1].id])]
    other = Store(target)  # another connection, as another process would have
    assert other.generation() == store.generation()


def test_the_same_replication_twice_is_refused_with_the_existing_one(store):
    record = ReplicationIn(innovation_id="kipp-2018-toss-klungkung", region="Kabupaten Bantul",
                           stage="mou-signed", date="2025-03-01")
    first = store.add_replication(record)
    again = record.model_copy(update={"region": "kabupaten bantul"})
    with pytest.raises(DuplicateReplicationError) as info:
        store.add_replication(again)
    assert info.value.existing.id == first.id
    other_stage = store.add_replication(ReplicationIn.model_validate(
        record.model_dump() | {"stage": "implemented"}))
    with pytest.raises(DuplicateReplicationError):  # a correction may not create a twin
        store.replace_replication(other_stage.id, record)


def test_replications_can_be_corrected_and_removed(store):
    made = store.add_replication(ReplicationIn(
        innovation_id="kipp-2018-toss-klungkung", region="Kota Blitar", stage="interest"))
    fixed = store.replace_replication(made.id, ReplicationIn(
        innovation_id="kipp-2018-toss-klungkung", region="Kota Blitar", stage="mou-signed",
        date="2025-01-10"))
    assert store.replication(made.id) == fixed and fixed.created_at == made.created_at
    store.delete_replication(made.id)
    assert store.replication(made.id) is None
    with pytest.raises(UnknownReplicationError):
        store.delete_replication(made.id)


@pytest.mark.parametrize(("change", "message"), [
    ({"date": 0}, "ISO date"),
    ({"date": "2025-1-5"}, "ISO date"),
    ({"date": "2099-01-01"}, "cannot be dated in the future"),
    ({"region": "Kota\x00Blitar"}, "control character U+0000"),
    ({"note": "ok\x1b[31m"}, "control character U+001B"),
])
def test_replication_input_is_strict(change, message):
    from pydantic import ValidationError

    base = {"innovation_id": "x", "region": "Kota Blitar", "stage": "implemented"}
    with pytest.raises(ValidationError, match=re.escape(message)):
        ReplicationIn.model_validate(base | change)


def test_a_future_interest_is_allowed():
    assert ReplicationIn(innovation_id="x", region="Kota Blitar", stage="interest",
                         date="2099-01-01").date.year == 2099


def test_bulk_jobs_are_kept_beside_the_store(target, small_corpus):
    from corpus.jobs import DONE, RUNNING, Jobs

    store = Store(target)
    jobs = Jobs(store)
    rows = [r.model_copy(update={"id": f"job-row-{n}"}) for n, r in
            enumerate(small_corpus.records[:3])]
    job = jobs.submit(rows)
    assert jobs.pending() == [job.id] and jobs.records(job.id) == rows
    assert jobs.get(job.id).generation == 0
    jobs.apply_batch(store, job.id, rows[:2], done=2)
    assert jobs.get(job.id).status == RUNNING and jobs.get(job.id).created == 2
    assert jobs.get(job.id).generation == store.generation()
    jobs.apply_batch(store, job.id, rows[2:], done=3)
    assert jobs.get(job.id).status == DONE and jobs.pending() == []
    assert jobs.get(job.id).generation == store.generation()  # its last batch's write
    assert Jobs(Store(target)).get(job.id).done == 3  # reopened: nothing lost


def test_a_jobs_table_of_an_earlier_release_gains_the_generation_column(target):
    from corpus.jobs import SCHEMA, Jobs

    store = Store(target)
    with store.transaction() as conn:  # the table as the first release made it
        conn.execute(SCHEMA.replace("    generation INTEGER NOT NULL DEFAULT 0,\n", ""))
        conn.execute("INSERT INTO jobs (id, status, total, payload, created_at, updated_at) "
                     "VALUES ('old', 'done', 1, '[]', 'x', 'x')")
    assert "generation" not in store.db.columns("jobs")
    jobs = Jobs(store)
    assert "generation" in store.db.columns("jobs")
    assert jobs.get("old").generation == 0 and jobs.get("old").status == "done"
    Jobs(Store(target))  # a second open finds the column and changes nothing


def test_concurrent_writers_number_generations_in_commit_order(target, small_corpus):
    """A reader that replays the log while four writers commit never skips a write: a
    generation is never committed after a larger one was seen."""
    import threading

    Store(target).seed(small_corpus)
    base = small_corpus.records[0]
    reader = Store(target)
    seen: list[int] = []
    stop = threading.Event()

    def write(n: int) -> None:
        mine = Store(target)
        for i in range(15):
            mine.upsert([base.model_copy(update={"id": f"w{n}-{i}"})])
        mine.close()

    def read(last: int) -> None:
        while not stop.is_set():
            for generation, _, _ in reader.changes_since(last):
                seen.append(generation)
                last = generation

    start = reader.generation()
    watcher = threading.Thread(target=read, args=(start,))
    watcher.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
    stop.set()
    watcher.join(timeout=60)
    final = reader.changes_since(start)
    # Nothing appeared behind the reader: what it saw is the start of the final log.
    assert seen == [g for g, _, _ in final][:len(seen)]
    assert {i for _, _, ids in final for i in ids} == {
        f"w{n}-{i}" for n in range(4) for i in range(15)}


@pytest.mark.postgres
def test_an_unreachable_server_is_reported_with_its_address(postgres_server):
    from corpus.store import StoreUnavailableError

    url = "postgresql://replika:secret@127.0.0.1:1/none"
    with pytest.raises(StoreUnavailableError, match=r"replika@127\.0\.0\.1:1/none"):
        Store(url)
    with pytest.raises(StoreUnavailableError) as info:
        Store(url)
    assert "secret" not in str(info.value)
