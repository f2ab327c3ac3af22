"""Kill the real service with SIGKILL in the middle of a stream of bulk uploads, restart it
on the same data directory, and check that nothing acknowledged was lost, that no upload was
half-written, and that the index caught up with the store.

Only 127.0.0.1 is used; the whole test is bounded well under a minute.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from corpus.loader import save_corpus

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
KEY = "k"
UPLOADS = 40
PER_UPLOAD = 25
ACKED_BEFORE_KILL = 6  # kill during the upload after this many were acknowledged
STARTUP_TIMEOUT = 20.0
TEST_BUDGET = 55.0

LAUNCHER = """
import sys
from pathlib import Path

import uvicorn

from matcher.config import Settings
from service.app import create_app
from service.settings import Limits, ServiceConfig

data_dir, corpus, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
store_url = sys.argv[4] if len(sys.argv) > 4 else None
many = "1000000/minute"  # the test is one client writing as fast as it can
config = ServiceConfig(settings=Settings(model="hashing", data_dir=data_dir,
                                         corpus_path=corpus, store_url=store_url),
                       api_key="k", host="127.0.0.1", port=port,
                       limits=Limits(rate_reads=many, rate_writes=many))
uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")
"""

# Consonants only, without 's': the stemmer leaves such words alone, so every generated
# word is its own, unique stem.
_LETTERS = "bcdfgjvwxz"


def unique_word(n: int) -> str:
    """A made-up word, different for every n < 10_000."""
    return "qz" + "".join(_LETTERS[int(d)] for d in f"{n:04d}")


def upload_rows(upload: int) -> list[dict]:
    """The valid innovations of one bulk upload, each with its own unique word."""
    rows = []
    for i in range(PER_UPLOAD):
        word = unique_word(upload * PER_UPLOAD + i)
        rows.append({
            "id": f"crash-{upload:02d}-{i:02d}", "title": f"Layanan {word}",
            "agency": f"Pemerintah Kabupaten Uji {upload}", "region": f"Kabupaten Uji {upload}",
            "province": "Jawa Tengah", "level": "kabupaten", "year": 2000 + i,
            "sector": "tatakelola",
            "problem": f"Warga mengeluhkan {word} yang membuat pelayanan lambat.",
            "solution": "Pelayanan daring dengan pemantauan permohonan.",
            "sources": [f"https://example.go.id/{upload}/{i}"], "detail_level": "summary"})
    return rows


def upload_ids(upload: int) -> set[str]:
    return {f"crash-{upload:02d}-{i:02d}" for i in range(PER_UPLOAD)}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    """One run of the real service as a subprocess."""

    data_dir: Path
    corpus: Path
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    store_url: str | None = None  # a PostgreSQL store instead of SQLite in data_dir

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        for name in ("REPLIKA_API_KEY", "REPLIKA_MODEL", "REPLIKA_DATA_DIR", "REPLIKA_CORPUS",
                     "REPLIKA_STORE_URL"):
            env.pop(name, None)
        extra = [self.store_url] if self.store_url else []
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(self.data_dir), str(self.corpus),
                 str(self.port), *extra], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"service exited with {self.proc.returncode}:\n{self.log_text()}")
            with contextlib.suppress(httpx.TransportError):
                response = httpx.get(f"{self.url}/readyz", timeout=2.0)
                if response.status_code == 200:
                    return response
            time.sleep(0.05)
        pytest.fail(f"service not ready within {timeout} s:\n{self.log_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, like a power cut for the process."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@dataclass
class UploadLog:
    """What the uploading thread saw."""

    acknowledged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # sent, but no answer: maybe stored
    rejected: list[tuple[int, int, str]] = field(default_factory=list)
    started: dict[int, float] = field(default_factory=dict)
    durations: list[float] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    in_flight: threading.Event = field(default_factory=threading.Event)

    @property
    def sent(self) -> set[int]:
        return set(self.started)


def send_uploads(url: str, log: UploadLog, stop: threading.Event) -> None:
    """Send the bulk uploads one after another until the service dies or `stop` is set."""
    with httpx.Client(base_url=url, timeout=15.0,
                      headers={"X-API-Key": KEY, "content-type": "application/x-ndjson"}
                      ) as client:
        for upload in range(UPLOADS):
            if stop.is_set():
                return
            body = "".join(json.dumps(r, ensure_ascii=False) + "\n"
                           for r in upload_rows(upload))
            log.started[upload] = time.monotonic()
            if len(log.acknowledged) >= ACKED_BEFORE_KILL:
                log.in_flight.set()
            try:
                response = client.post("/v1/innovations", content=body.encode())
            except httpx.TransportError:
                log.failed.append(upload)
                return
            if response.status_code != 201:
                log.rejected.append((upload, response.status_code, response.text[:300]))
                return
            log.durations.append(time.monotonic() - log.started[upload])
            log.acknowledged.append(upload)
            if len(log.acknowledged) >= ACKED_BEFORE_KILL:
                log.enough.set()


def all_ids(client: httpx.Client) -> tuple[set[str], int]:
    """Every innovation id through the paged listing, and the listing's total."""
    ids: set[str] = set()
    page, total = 1, None
    while True:
        response = client.get("/v1/innovations", params={"page": page, "page_size": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        total = body["total"]
        ids |= {r["id"] for r in body["items"]}
        if not body["items"] or len(ids) >= total:
            return ids, total
        page += 1


# Where in the next upload the kill lands, as a share of a typical upload's duration: at
# once (usually before the store commits), half-way (usually after the commit, while the
# index follows) and near the end.
@pytest.mark.parametrize("kill_at", [0.0, 0.5, 0.9])
def test_sigkill_during_bulk_uploads_loses_nothing_acknowledged(tmp_path, small_corpus,
                                                                kill_at):
    began = time.monotonic()
    corpus = tmp_path / "corpus.jsonl"
    save_corpus(small_corpus, corpus)
    data_dir = tmp_path / "data"
    first = Service(data_dir, corpus, tmp_path / "first.log")
    second = Service(data_dir, corpus, tmp_path / "second.log")
    stop = threading.Event()
    log = UploadLog()
    uploader = threading.Thread(target=send_uploads, args=(first.url, log, stop), daemon=True)
    try:
        first.start()
        assert first.wait_ready().json()["innovations"] == len(small_corpus)

        uploader.start()
        assert log.enough.wait(timeout=25), \
            f"only {len(log.acknowledged)} uploads acknowledged; rejected: {log.rejected}"
        assert log.in_flight.wait(timeout=10)
        # Land the kill inside the next upload's write.
        typical = sorted(log.durations)[len(log.durations) // 2]
        time.sleep(typical * kill_at)
        first.kill()
        uploader.join(timeout=20)
        assert not uploader.is_alive(), "the uploading thread did not stop"
        assert not log.rejected, log.rejected
        acknowledged = list(log.acknowledged)
        assert len(acknowledged) >= ACKED_BEFORE_KILL
        assert len(acknowledged) < UPLOADS, "the kill came after every upload finished"

        second.start()
        ready = second.wait_ready()
        with httpx.Client(base_url=second.url, timeout=10.0) as client:
            # Every acknowledged upload is there, innovation by innovation.
            for upload in acknowledged:
                for iid in sorted(upload_ids(upload)):
                    response = client.get(f"/v1/innovations/{iid}")
                    assert response.status_code == 200, (upload, iid, response.text)
                    assert response.json()["title"].startswith("Layanan qz")

            # No upload is half there; nothing that was never sent is there.
            present, total = all_ids(client)
            whole = []
            for upload in range(UPLOADS):
                found = upload_ids(upload) & present
                assert found in (set(), upload_ids(upload)), \
                    f"upload {upload} is half-written: {len(found)} of {PER_UPLOAD} stored"
                if found:
                    whole.append(upload)
                    assert upload in log.sent, f"upload {upload} was never sent"
            assert set(acknowledged) <= set(whole)
            assert set(whole) - set(acknowledged) <= set(log.failed)
            assert present >= {r.id for r in small_corpus}
            assert total == len(present) == len(small_corpus) + PER_UPLOAD * len(whole)

            # The index caught up with the store: /readyz agrees with the listing.
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready"
            assert ready.json()["innovations"] == total
            stats = client.get("/v1/stats").json()
            assert stats["innovations"] == total

            # Search finds acknowledged innovations (and the in-flight upload if it was
            # stored) by their unique words.
            probes = [(acknowledged[0], 0), (acknowledged[-1], PER_UPLOAD - 1)]
            probes += [(u, PER_UPLOAD // 2) for u in whole if u not in acknowledged]
            for upload, i in probes:
                word = unique_word(upload * PER_UPLOAD + i)
                response = client.post("/v1/recommendations", json={"text": word, "k": 3})
                assert response.status_code == 200, response.text
                answer = response.json()
                assert answer["no_match"] is False
                top = answer["results"][0]
                assert top["id"] == f"crash-{upload:02d}-{i:02d}", (word, answer["results"])
                assert word in top["explanation"]["matched_terms"]

            # The restarted service still takes writes and serves them at once.
            again = client.post("/v1/innovations", headers={"X-API-Key": KEY},
                                json=upload_rows(UPLOADS + 1)[0])
            assert again.status_code == 201, again.text
            assert client.get("/readyz").json()["innovations"] == total + 1
    finally:
        stop.set()
        first.kill()
        second.kill()
        uploader.join(timeout=5)
    assert time.monotonic() - began < TEST_BUDGET


ROUNDS = 10


def single_writes(url: str, round_no: int, acked: dict[str, list], stop: threading.Event
                  ) -> None:
    """Alternate a PUT of a new innovation and a replication record until the kill."""
    with httpx.Client(base_url=url, timeout=10.0, headers={"X-API-Key": KEY}) as client:
        for n in range(10_000):
            if stop.is_set():
                return
            word = unique_word(5_000 + round_no * 300 + n)
            iid = f"single-{round_no:02d}-{n:03d}"
            row = upload_rows(0)[0] | {"id": iid, "title": f"Layanan {word}",
                                       "problem": f"Warga mengeluhkan {word} yang lambat."}
            try:
                put = client.put(f"/v1/innovations/{iid}", json=row)
                if put.status_code not in (200, 201):
                    acked["rejected"].append(put.text[:200])
                    return
                acked["innovations"].append((iid, word))
                region = f"Kabupaten Ulang {round_no}-{n}"
                rep = client.post("/v1/replications", json={
                    "innovation_id": iid, "region": region, "stage": "mou-signed"})
                if rep.status_code != 201:
                    acked["rejected"].append(rep.text[:200])
                    return
                acked["replications"].append((iid, region))
            except httpx.TransportError:
                return


def test_sigkill_during_single_and_replication_writes_ten_times(tmp_path, small_corpus,
                                                               store_url):
    """Ten rounds of: write one by one, SIGKILL at a random moment, restart, check that
    every acknowledged write of every round is there and the index agrees with the store
    (on SQLite, and on PostgreSQL where only the server process dies)."""
    import random

    began = time.monotonic()
    corpus = tmp_path / "corpus.jsonl"
    save_corpus(small_corpus, corpus)
    data_dir = tmp_path / "data"
    acked: dict[str, list] = {"innovations": [], "replications": [], "rejected": []}
    rng = random.Random(20261201)
    services: list[Service] = []
    try:
        for round_no in range(ROUNDS):
            service = Service(data_dir, corpus, tmp_path / f"round-{round_no}.log",
                              store_url=store_url)
            services.append(service)
            service.start()
            service.wait_ready()
            _check_everything_acknowledged(service.url, acked)
            stop = threading.Event()
            writer = threading.Thread(target=single_writes,
                                      args=(service.url, round_no, acked, stop), daemon=True)
            writer.start()
            time.sleep(rng.uniform(0.15, 0.6))
            service.kill()
            stop.set()
            writer.join(timeout=15)
            assert not writer.is_alive() and not acked["rejected"], acked["rejected"]
        last = Service(data_dir, corpus, tmp_path / "last.log", store_url=store_url)
        services.append(last)
        last.start()
        last.wait_ready()
        _check_everything_acknowledged(last.url, acked, search=True)
        assert len(acked["innovations"]) >= ROUNDS  # the kills did land among writes
    finally:
        for service in services:
            service.kill()
    assert time.monotonic() - began < 4 * TEST_BUDGET


def _check_everything_acknowledged(url: str, acked: dict[str, list], *,
                                   search: bool = False) -> None:
    with httpx.Client(base_url=url, timeout=10.0) as client:
        present, total = all_ids(client)
        assert {iid for iid, _ in acked["innovations"]} <= present
        recorded = {(r["innovation_id"], r["region"]) for r in _all_replications(client)}
        assert set(acked["replications"]) <= recorded
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["innovations"] == total
        if search:  # the index holds what the store holds, found by its own words
            for iid, word in acked["innovations"][::7] + acked["innovations"][-1:]:
                text = f"warga mengeluhkan {word} yang membuat pelayanan lambat"
                answer = client.post("/v1/recommendations", json={"text": text, "k": 3})
                results = answer.json()["results"]
                assert results and results[0]["id"] == iid, (word, answer.text)


def _all_replications(client: httpx.Client) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get("/v1/replications", params={"page": page,
                                                      "page_size": 100}).json()
        out += body["items"]
        if not body["items"] or len(out) >= body["total"]:
            return out
        page += 1


JOB_ROWS = 1_200  # above bulk_job_rows (500): a job of six batches


@pytest.mark.parametrize("kill_after", [0.0, 0.3])
def test_sigkill_during_a_bulk_job_resumes_it_on_restart(tmp_path, small_corpus,
                                                         kill_after):
    corpus = tmp_path / "corpus.jsonl"
    save_corpus(small_corpus, corpus)
    data_dir = tmp_path / "data"
    first = Service(data_dir, corpus, tmp_path / "first.log")
    second = Service(data_dir, corpus, tmp_path / "second.log")
    rows = [r | {"id": f"job-{n:04d}"} for n, r in
            enumerate(row for upload in range(JOB_ROWS // PER_UPLOAD + 1)
                      for row in upload_rows(upload))][:JOB_ROWS]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    try:
        first.start()
        first.wait_ready()
        answer = httpx.post(f"{first.url}/v1/innovations", content=body.encode(), timeout=30,
                            headers={"X-API-Key": KEY, "content-type": "application/x-ndjson"})
        assert answer.status_code == 202, answer.text  # acknowledged: it must complete
        job_url = answer.json()["status_url"]
        time.sleep(kill_after)
        first.kill()

        second.start()
        second.wait_ready()
        with httpx.Client(base_url=second.url, timeout=10.0) as client:
            deadline = time.monotonic() + 40  # a guard against hangs only
            while (job := client.get(job_url).json())["status"] not in ("done", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.1)
            assert job["status"] == "done" and job["done"] == JOB_ROWS, job
            present, total = all_ids(client)
            assert {r["id"] for r in rows} <= present
            assert client.get("/readyz").json()["innovations"] == total
    finally:
        first.kill()
        second.kill()
