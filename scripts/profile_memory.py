"""Memory profile (not a test): where the engine's memory goes at 30,000 innovations.

Opens the engine as the server does, each time in a fresh process, on a synthetic store
(the scale benchmark's rows, the fast hashing encoder): first to build and save the index,
then from the saved files, then again under tracemalloc; after six queries it reports
resident memory and the largest live allocations by the project line that made them. The
same for the bundled corpus gives the baseline. Writes a generated block into docs/performance.md.
Run: .venv/bin/python scripts/profile_memory.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from matcher.config import Settings
from matcher.live import open_engine
from scripts.bench_scale import QUERIES, synthetic_rows
from service.evaldoc import write_generated

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = "scripts/profile_memory.py"


def rss_mib() -> dict[str, float]:
    """This process's resident memory (total, anonymous, file-backed) in MiB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out


def opened(settings: Settings, trace: bool) -> dict:
    """Open the engine, answer the six queries, and measure."""
    if trace:
        tracemalloc.start(12)
    start = time.perf_counter()
    engine = open_engine(settings)
    seconds = time.perf_counter() - start
    for text in QUERIES:
        engine.current().recommend(text, k=10)
    out = {"open_s": seconds, "rss": rss_mib()}
    if trace:
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        out["traced_mib"] = sum(s.size for s in snapshot.statistics("filename")) / 2**20
        out["top"] = [(stat.size / 2**20, _project_frame(stat.traceback))
                      for stat in snapshot.statistics("traceback")[:12]]
    engine.close()
    return out


def _project_frame(traceback: tracemalloc.Traceback) -> str:
    """The innermost frame in the project's own packages, as path:line."""
    for frame in reversed(traceback):
        path = Path(frame.filename)
        if ROOT in path.parents and ".venv" not in path.parts:
            return f"{path.relative_to(ROOT)}:{frame.lineno}"
    return traceback[-1].filename.rsplit("/", 1)[-1]


def render(n: int, base: dict, big: dict) -> str:
    """The markdown block for docs/performance.md."""
    grow = big["rss"]["VmRSS"] - base["rss"]["VmRSS"]
    lines = [f"In one process (no HTTP server), model `hashing`, six queries after opening "
             f"from saved files: bundled corpus {base['rss']['VmRSS']:.0f} MiB resident "
             f"(opened in {base['open_s']:.1f} s); {n:,} synthetic innovations "
             f"{big['rss']['VmRSS']:.0f} MiB (anonymous {big['rss']['RssAnon']:.0f}, "
             f"file-backed {big['rss']['RssFile']:.0f}; opened in {big['open_s']:.1f} s "
             f"without tracing): {grow:+.0f} MiB. Python allocations live at the end: "
             f"{big['traced_mib']:.0f} MiB; the largest, by the project line that made them:",
             "", "| MiB | allocated at |", "|---|---|"]
    lines += [f"| {size:.1f} | `{where}` |" for size, where in big["top"]]
    return "\n".join(lines)


def measure(settings_args: list[str], trace: bool) -> dict:
    """One `opened` in a fresh process (memory the parent used never counts)."""
    command = [sys.executable, "-m", "scripts.profile_memory", "--phase", *settings_args]
    if trace:
        command.append("--trace")
    done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--innovations", type=int, default=30_000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)  # data dir [corpus]
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        data_dir, *corpus = args.phase
        settings = Settings(model="hashing", data_dir=Path(data_dir),
                            corpus_path=Path(corpus[0]) if corpus else None)
        print(json.dumps(opened(settings, args.trace)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        base_dir, big_dir = Path(tmp) / "bundled", Path(tmp) / "synthetic"
        measure([str(base_dir)], trace=False)  # build and save
        base = measure([str(base_dir)], trace=False)
        big_dir.mkdir()
        corpus = big_dir / "synthetic.jsonl"
        corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                  for r in synthetic_rows(args.innovations)), encoding="utf-8")
        measure([str(big_dir), str(corpus)], trace=False)
        big = measure([str(big_dir)], trace=False)
        big |= {k: v for k, v in measure([str(big_dir)], trace=True).items()
                if k in ("traced_mib", "top")}
    block = render(args.innovations, base, big)
    print(block)
    if args.out and str(args.out) not in ("", "."):
        write_generated(args.out, block, GENERATOR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
