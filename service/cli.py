"""The `replika` command: build the index, recommend, find similar innovations, evaluate."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from corpus.loader import CorpusError, json_lines
from matcher.config import Settings
from matcher.filters import Filters
from matcher.index import IndexMismatchError, IndexMissingError
from matcher.lambdarank import FitDependencyError
from models.registry import UnknownEmbedderError
from models.st import ModelLoadError
from service.cli_eval import add_commands as add_eval_commands
from service.config import load_settings
from service.render import recommendation_dict, result_set_dict, text_answer, text_table


class UsageError(ValueError):
    """Bad command-line input, reported without a traceback."""


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings({
        "model": args.model, "corpus_path": args.corpus, "data_dir": args.data_dir,
        "store_url": args.store_url,
        "rebuild": args.rebuild or None, "progress": True,
        "k": getattr(args, "k", None), "index_kind": getattr(args, "kind", None)})


def _filters(args: argparse.Namespace) -> Filters:
    return Filters.create(sectors=args.sector or (), provinces=args.province or (),
                          levels=args.level or (), min_tier=args.min_tier,
                          year_from=args.year_from, year_to=args.year_to,
                          exclude_region=args.exclude_region)


def read_batch(path: Path) -> list[tuple[Any, str]]:
    """(id, text) pairs from a JSONL batch file; errors name the file, line and field."""
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    for line_no, line in enumerate(json_lines(text), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{line_no}: invalid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise UsageError(f"{path}:{line_no}: expected a JSON object")
        for name in ("id", "text"):
            if name not in row:
                raise UsageError(f"{path}:{line_no}: field '{name}' is missing")
        if not isinstance(row["text"], str):
            raise UsageError(f"{path}:{line_no}: field 'text' must be a string")
        out.append((row["id"], row["text"]))
    return out


def cmd_index_build(args: argparse.Namespace, out: TextIO) -> int:
    """Build (or rebuild) the index of the data directory's store."""
    from matcher.live import open_engine

    settings = _settings(args)
    engine = open_engine(settings, fresh=True, corpus_must_match=args.corpus is not None)
    index = engine.recommender.index
    m = index.manifest
    engine.close()
    print(f"index built at {settings.index_dir}: {len(index)} innovations, model {m.model} "
          f"(dim {m.dim}), {m.dense_kind} dense index, corpus hash {index.corpus_hash[:12]}",
          file=out)
    return 0


def _open_engine(args: argparse.Namespace):
    """The engine over the data directory's store (the same one the server uses)."""
    from matcher.live import open_engine

    engine = open_engine(_settings(args), corpus_must_match=args.corpus is not None)
    engine.close()  # what the command reads is in memory; nothing is written
    return engine


def _open(args: argparse.Namespace):
    """The recommender over the data directory's store."""
    return _open_engine(args).recommender


def cmd_recommend(args: argparse.Namespace, out: TextIO) -> int:
    """Recommend innovations for one problem statement or a batch file."""
    if bool(args.text) == bool(args.batch):
        raise UsageError("give either a problem statement TEXT or --batch FILE")
    filters = _filters(args)
    rec = _open(args)
    k = args.k or 10
    if args.batch:
        pairs = read_batch(args.batch)
        answers = rec.recommend_many([t for _, t in pairs], filters=filters, k=k)
        sink = args.out.open("w", encoding="utf-8") if args.out else out
        try:
            for (qid, _), answer in zip(pairs, answers, strict=True):
                sink.write(json.dumps(result_set_dict(answer, qid), ensure_ascii=False) + "\n")
        finally:
            if args.out:
                sink.close()
        return 0
    answer = rec.recommend(args.text, filters=filters, k=k)
    if args.json:
        print(json.dumps(result_set_dict(answer), ensure_ascii=False, indent=2), file=out)
    else:
        print(text_answer(answer), file=out)
    return 0


def cmd_similar(args: argparse.Namespace, out: TextIO) -> int:
    """Innovations similar to a given innovation id."""
    rec = _open(args)
    source = rec.corpus.resolve(args.id)  # an id merged into another record resolves
    if source is None:
        raise UsageError(f"unknown innovation id {args.id!r}")
    results = rec.similar(source.id, k=args.k or 10, filters=_filters(args))
    if args.json:
        print(json.dumps([recommendation_dict(r) for r in results], ensure_ascii=False,
                         indent=2), file=out)
    else:
        print(f"Mirip dengan: {source.title}\n{text_table(results)}",
              file=out)
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    """Serve the API and the web page (builds or syncs the index first)."""
    import uvicorn

    from matcher.live import open_engine
    from service.app import create_app
    from service.settings import load_service_config

    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    encoders = args.encoders or (None if os.environ.get("REPLIKA_ENCODERS") else
                                 max(1, (os.cpu_count() or 1) // args.workers))
    config = load_service_config({
        "model": args.model, "corpus_path": args.corpus, "data_dir": args.data_dir,
        "store_url": args.store_url,
        "rebuild": args.rebuild or None, "progress": True, "host": args.host,
        "port": args.port, "encoders": encoders})
    if config.settings.encoders > 1 and "OMP_NUM_THREADS" not in os.environ:
        # One OpenMP thread per encoder: one e5 instance on two threads answers a single
        # query faster, but two single-threaded instances serve 1.98x the queries a second
        # (docs/performance.md). Set before any model is loaded; an explicit value wins.
        os.environ["OMP_NUM_THREADS"] = "1"
    if not config.api_key:
        print("note: REPLIKA_API_KEY is not set, so writes are disabled", file=out)
    print(f"Replika on http://{config.host}:{config.port}/  (API docs at /docs)", file=out)
    if args.workers == 1:
        uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="info")
        return 0
    # Worker processes build their app from the environment: hand the flags down that way.
    # They share the data directory's store and agree through its change log.
    s = config.settings
    os.environ.update({"REPLIKA_MODEL": s.model, "REPLIKA_DATA_DIR": str(s.data_dir),
                       "REPLIKA_ENCODERS": str(s.encoders)})
    if s.store_url is not None:
        os.environ["REPLIKA_STORE_URL"] = s.store_url
    if s.corpus_path is not None:
        os.environ["REPLIKA_CORPUS"] = str(s.corpus_path)
    open_engine(s).store.close()  # seed the store and build the index once, before forking
    uvicorn.run("service.app:app_from_environment", factory=True, workers=args.workers,
                http="service.nodelay:NoDelayH11Protocol",
                host=config.host, port=config.port, log_level="info")
    return 0


def cmd_forum_plan(args: argparse.Namespace, out: TextIO) -> int:
    """Pair forum regions with innovators under capacities and write the agendas."""
    from matcher.forum.build import plan_forum
    from matcher.forum.event import EventSettings, parse_clock, parse_date
    from service.forum.readers import read_innovators, read_regions, read_rules
    from service.forum.writers import write_outputs

    engine = _open_engine(args)
    rec = engine.recommender
    regions = read_regions(args.regions)
    innovators = read_innovators(args.innovators, set(rec.corpus.by_id))
    rules = read_rules(args.constraints, args.province_quota)
    event = EventSettings(parse_date(args.date) if args.date else None,
                          parse_clock(args.start), args.slot_minutes, args.break_minutes,
                          args.venue, tuple(args.rooms.split("|")) if args.rooms else ())
    result = plan_forum(rec, regions, innovators, rules, mode=args.mode,
                        tables_per_round=args.tables, event=event,
                        cache=engine.embedding_cache)
    written = write_outputs(result, args.out)
    plan, base, s = result.plan, result.baseline, result.summary
    print(f"{s.pairs} pairs for {s.regions_served}/{s.regions} regions in "
          f"{result.schedule.n_rounds} rounds ({plan.mode} mode, {plan.status}, "
          f"{plan.solve_seconds:.2f} s)", file=out)
    print(f"total affinity {plan.total:.3f} (greedy baseline {base.total:.3f}); worst-served "
          f"region {plan.min_region_affinity or 0:.3f} "
          f"(greedy {base.min_region_affinity or 0:.3f})", file=out)
    for item in plan.unserved:
        print(f"unserved: {item.region_id}: {item.reason}", file=out)
    for region_id, innovator_id in sorted(result.forced):
        print(f"forced: {region_id} <- {innovator_id} (required, below the admissibility "
              "rules)", file=out)
    if args.rounds:
        names = {r.id: r.name for r in result.problem.regions}
        for n, meetings in enumerate(result.schedule.rounds, 1):
            print(f"round {n} ({result.event.clock(n)}):", file=out)
            for m in meetings:
                table = f"{result.event.room(m.table)}: " if m.table else ""
                print(f"  {table}{names[m.region_id]} <- "
                      f"{result.problem.innovator_by_id[m.innovator_id].name}", file=out)
    print("wrote " + ", ".join(str(p) for p in written), file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `replika` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", help="embedder: e5-small (default), minilm, hashing, or "
                        "st:<sentence-transformers name or path> [REPLIKA_MODEL]")
    common.add_argument("--corpus", type=Path, help="JSONL or CSV corpus instead of the "
                        "bundled one [REPLIKA_CORPUS]")
    common.add_argument("--data-dir", type=Path, help="where indexes live (default .replika) "
                        "[REPLIKA_DATA_DIR]")
    common.add_argument("--store-url", help="a PostgreSQL server shared by several hosts, "
                        "postgresql://user:password@host/db, instead of the SQLite file in the "
                        "data directory [REPLIKA_STORE_URL]")
    common.add_argument("--rebuild", action="store_true",
                        help="rebuild an index that was built from another model or corpus")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--province", action="append", help="official province name or "
                         "alias (repeatable)")
    filters.add_argument("--sector", action="append", help="sector code (repeatable)")
    filters.add_argument("--level", action="append", help="desa, kecamatan, kabupaten, kota, "
                         "provinsi, kementerian-lembaga (repeatable)")
    filters.add_argument("--min-tier", help="unpsa, kipp-top, kipp-top99, iga, lainnya")
    filters.add_argument("--year-from", type=int, help="only innovations awarded in or after "
                         "this year")
    filters.add_argument("--year-to", type=int, help="only innovations awarded in or before "
                         "this year")
    filters.add_argument("--exclude-region", help="your own region, e.g. 'Kabupaten Sragen'")
    filters.add_argument("-k", type=int, help="number of results (default 10)")
    filters.add_argument("--json", action="store_true", help="JSON output")

    parser = argparse.ArgumentParser(prog="replika", description="Find proven public-service "
                                     "innovations a region can replicate.",
                                     epilog="example: replika recommend \"izin usaha berbelit\"; "
                                            "'replika COMMAND --help' for each command")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what the engine does (index builds, store catch-up)")
    sub = parser.add_subparsers(dest="command", required=True)
    index = sub.add_parser("index", help="manage the search index",
                           epilog="example: replika index build --kind flat")
    index_sub = index.add_subparsers(dest="index_command", required=True)
    build = index_sub.add_parser("build", parents=[common], help="build the index",
                                 epilog="example: replika index build --rebuild")
    build.add_argument("--kind", choices=["auto", "flat", "ivf"],
                       help="FAISS index: flat (exact), ivf (approximate, for large corpora) "
                            "or auto (default: flat up to the exact-search limit)")
    build.set_defaults(func=cmd_index_build)
    rec = sub.add_parser("recommend", parents=[common, filters],
                         help="recommend innovations for a problem statement",
                         epilog="examples:\n  replika recommend \"warga desa harus ke kota "
                                "untuk mengurus akta kelahiran\" --province \"Jawa Timur\"\n"
                                "  replika recommend --batch problems.jsonl --out answers.jsonl",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rec.add_argument("text", nargs="?", help="the problem statement")
    rec.add_argument("--batch", type=Path, help='JSONL file of {"id": ..., "text": ...}')
    rec.add_argument("--out", type=Path, help="write batch output here instead of stdout")
    rec.set_defaults(func=cmd_recommend)
    sim = sub.add_parser("similar", parents=[common, filters],
                         help="innovations similar to one innovation id",
                         epilog="example: replika similar kipp-2018-toss-klungkung -k 5")
    sim.add_argument("id", help="an innovation id (an id merged into another still works)")
    sim.set_defaults(func=cmd_similar)
    add_eval_commands(sub, common)
    serve = sub.add_parser("serve", parents=[common], help="serve the HTTP API and web page",
                           epilog="example: REPLIKA_API_KEY=secret replika serve --port 8000")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1) [REPLIKA_HOST]")
    serve.add_argument("--port", type=int, help="port (default 8000) [REPLIKA_PORT]")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (default 1); they share the data directory's "
                            "store and agree through its change log")
    serve.add_argument("--encoders", type=int,
                       help="query encoder instances per worker, used in parallel (default: "
                            "cores / workers) [REPLIKA_ENCODERS]")
    serve.set_defaults(func=cmd_serve)
    forum = sub.add_parser("forum", help="replication forum pairing",
                           epilog="example: replika forum plan regions.csv innovators.csv "
                                  "--out agenda")
    forum_sub = forum.add_subparsers(dest="forum_command", required=True)
    plan = forum_sub.add_parser(
        "plan", parents=[common], help="pair regions with innovators and schedule meetings",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="files (CSV, XLSX or JSON; one row per participant):\n"
               "  regions:     id, name, province, level, capacity, sectors (a|b), problem,\n"
               "               problem_2, ..., contact\n"
               "  innovators:  id, innovation_id (or inline title, problem, solution, ...),\n"
               "               name, capacity, home_region_id, contact\n"
               "  constraints: kind (forbid|require), region_id, innovator_id\n"
               "example:\n"
               "  replika forum plan examples/forum/regions.csv examples/forum/innovators.csv \\\n"
               "      --constraints examples/forum/constraints.csv --out agenda \\\n"
               "      --date 2027-03-01 --start 09:00 --slot-minutes 20 --rooms 'A|B|C'")
    plan.add_argument("regions", type=Path, help="regions (.csv, .xlsx or .json)")
    plan.add_argument("innovators", type=Path, help="innovators (.csv, .xlsx or .json)")
    plan.add_argument("--out", type=Path, required=True, help="folder for the agendas")
    plan.add_argument("--mode", choices=["fair", "total"], default="fair",
                      help="fair (default): the worst-served region first, then the total; "
                           "total: the largest summed affinity")
    plan.add_argument("--constraints", type=Path,
                      help="file with columns kind (forbid|require), region_id, innovator_id")
    plan.add_argument("--province-quota", type=int,
                      help="at most N regions of one province per innovator")
    plan.add_argument("--tables", type=int, help="tables per round (numbered 1..N; default: "
                      "one per room when --rooms is given, else one per innovator)")
    plan.add_argument("--date", help="event date, YYYY-MM-DD (printed on every agenda)")
    plan.add_argument("--start", default="09:00",
                      help="first meeting's start, HH:MM 24-hour (default 09:00)")
    plan.add_argument("--slot-minutes", type=int, default=20,
                      help="length of one meeting in minutes (default 20)")
    plan.add_argument("--break-minutes", type=int, default=5,
                      help="break between meetings in minutes (default 5)")
    plan.add_argument("--venue", default="", help="venue printed on the agendas")
    plan.add_argument("--rooms", default="",
                      help="room or table names separated by '|', e.g. 'Ruang A|Ruang B'; "
                           "table n meets in the n-th")
    plan.add_argument("--rounds", action="store_true",
                      help="print the timetable round by round")
    plan.set_defaults(func=cmd_forum_plan)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Run the CLI; errors become one clear line on stderr and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # bm25s sets its logger to DEBUG when imported (later, lazily); its per-build message is
    # noise, so the handlers drop bm25s records below WARNING.
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda r: not (r.name.startswith("bm25s")
                                         and r.levelno < logging.WARNING))
    try:
        return args.func(args, out)
    except (UsageError, CorpusError, IndexMismatchError, IndexMissingError,
            UnknownEmbedderError, ModelLoadError, FitDependencyError, ValueError, KeyError,
            OSError) as exc:
        # ForumFileError and ForumInfeasibleError are ValueErrors that list every cause;
        # OSError covers missing, unreadable and directory paths (the message names them).
        print(f"replika: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
