"""Run the full evaluation over several models and render it as Markdown and a PNG plot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from matcher.engine import Recommender
from matcher.evaluate import (
    EvalQuery,
    Metrics,
    NoMatchMetrics,
    QueryRun,
    hybrid_rankings,
    nomatch_metrics,
    prepare,
    summarise,
    tune,
)
from matcher.hybrid import FusionParams
from matcher.nomatch import Calibration, fit_calibration

LANGS = ("all", "id", "en")


@dataclass
class EvalReport:
    """Everything `replika eval` measured."""

    default_model: str
    fusion: FusionParams
    rows: list[tuple[str, str, str, Metrics]] = field(default_factory=list)  # system,split,lang
    tuning: list[tuple[FusionParams, Metrics]] = field(default_factory=list)
    calibration: Calibration | None = None
    nomatch: dict[str, NoMatchMetrics] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _by_lang(rankings: Sequence[Sequence[str]], queries: Sequence[EvalQuery]
             ) -> dict[str, Metrics]:
    out = {}
    for lang in LANGS:
        keep = [n for n, q in enumerate(queries) if lang == "all" or q.lang == lang]
        out[lang] = summarise([rankings[n] for n in keep], [queries[n] for n in keep])
    return out


def run_evaluation(recommenders: Mapping[str, Recommender],
                   splits: Mapping[str, Sequence[EvalQuery]], *, tune_split: str = "dev",
                   fusion: FusionParams | None = None) -> EvalReport:
    """Evaluate BM25, each model's dense channel and hybrid; tune and calibrate on `tune_split`.

    The first recommender is the default model: fusion is tuned and no-match calibrated on it.
    Pass `fusion` to skip tuning and report that setting instead.
    """
    names = list(recommenders)
    default = names[0]
    runs: dict[tuple[str, str], list[QueryRun]] = {
        (name, split): prepare(recommenders[name], queries)
        for name in names for split, queries in splits.items()}
    rec0 = recommenders[default]
    tuning: list = []
    if fusion is None:
        fusion, tuning = tune(rec0, runs[(default, tune_split)])
    report = EvalReport(default, fusion, tuning=tuning)
    for split, queries in splits.items():
        report.counts[split] = {
            "queries": len(queries), "answerable": sum(q.answerable for q in queries),
            "id": sum(q.lang == "id" for q in queries), "en": sum(q.lang == "en" for q in queries)}
        systems: dict[str, list[list[str]]] = {
            "BM25": [r.lexical_ranking for r in runs[(default, split)]]}
        for name in names:
            systems[f"dense {name}"] = [r.dense_ranking for r in runs[(name, split)]]
        for name in names:
            systems[f"hybrid {name}"] = hybrid_rankings(recommenders[name], runs[(name, split)],
                                                        fusion)
        for system, rankings in systems.items():
            for lang, metrics in _by_lang(rankings, queries).items():
                report.rows.append((system, split, lang, metrics))
    dev_runs = runs[(default, tune_split)]
    report.calibration = fit_calibration(
        default, [r.signals for r in dev_runs], [r.query.answerable for r in dev_runs])
    for split in splits:
        report.nomatch[split] = nomatch_metrics(report.calibration, runs[(default, split)])
    return report


def _fmt(m: Metrics) -> str:
    return (f"{m.recall1:.3f} | {m.recall5:.3f} | {m.recall10:.3f} | {m.mrr:.3f} | "
            f"{m.ndcg10:.3f}")


def render_markdown(report: EvalReport, plot_name: str | None) -> str:
    """The evaluation section of docs/evaluation.md."""
    lines = []
    for split, counts in report.counts.items():
        lines += [f"### {split} set ({counts['queries']} queries: {counts['id']} Indonesian, "
                  f"{counts['en']} English, {counts['answerable']} answerable)", ""]
        lines += ["| system | lang | n | R@1 | R@5 | R@10 | MRR | nDCG@10 |",
                  "|---|---|---|---|---|---|---|---|"]
        for system, s, lang, m in report.rows:
            if s == split:
                lines.append(f"| {system} | {lang} | {m.n} | {_fmt(m)} |")
        lines.append("")
    f = report.fusion
    lines += ["### Fusion chosen on the dev set", "",
              f"`method={f.method}, dense_weight={f.dense_weight}, "
              f"dense_weight_en={f.dense_weight_en}, rrf_k={f.rrf_k}, "
              f"prior_weight={f.prior_weight}`", ""]
    if report.tuning:
        best = sorted(report.tuning, key=lambda r: -r[1].mrr)[:8]
        lines += ["Best settings tried (dev MRR):", "",
                  "| method | dense weight (id) | dense weight (en) | rrf k | prior | MRR | "
                  "nDCG@10 | R@10 |", "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {p.method} | {p.dense_weight} | {p.dense_weight_en} | "
                  f"{p.rrf_k if p.method == 'rrf' else '-'} "
                  f"| {p.prior_weight} | {m.mrr:.3f} | {m.ndcg10:.3f} | {m.recall10:.3f} |"
                  for p, m in best]
        no_prior = [m for p, m in report.tuning
                    if replace(p, prior_weight=f.prior_weight) == f and p.prior_weight == 0.0]
        if no_prior:
            lines += ["", f"Same fusion without the proven prior: MRR {no_prior[0].mrr:.3f}."]
        lines.append("")
    if report.calibration:
        c = report.calibration
        lines += ["### No-match decision", "", f"Calibration for `{c.model}`: {c.note}.", "",
                  "| language | features | weights (standardised) | no-match below | "
                  "caution below |", "|---|---|---|---|---|"]
        lines += [f"| {lang} | {', '.join(lm.features)} | "
                  f"{', '.join(f'{w:.2f}' for w in lm.weights)} | {lm.threshold:.3f} | "
                  f"{lm.caution:.3f} |" for lang, lm in c.languages.items()]
        lines += ["",
                  "| split | no-match precision | no-match recall | answerable kept | "
                  "unanswerable withheld or warned | answerable warned |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {s} | {m.precision:.3f} | {m.recall:.3f} | {m.answerable_kept:.3f} | "
                  f"{m.caution_unanswerable:.3f} | {m.caution_answerable:.3f} |"
                  for s, m in report.nomatch.items()]
        lines.append("")
    if plot_name:
        lines += [f"![MRR and Recall@10 by system]({plot_name})", ""]
    return "\n".join(lines)


def plot(report: EvalReport, path: Path) -> bool:
    """Grouped bars of MRR and Recall@10 per system and split; False if matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    systems = list(dict.fromkeys(r[0] for r in report.rows))
    splits = list(report.counts)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    width = 0.8 / len(splits)
    for ax, metric in zip(axes, ("mrr", "recall10"), strict=True):
        for n, split in enumerate(splits):
            values = [next(getattr(m, metric) for s, sp, lang, m in report.rows
                           if s == system and sp == split and lang == "all")
                      for system in systems]
            xs = [x + n * width for x in range(len(systems))]
            ax.bar(xs, values, width, label=split)
        ax.set_xticks([x + width * (len(splits) - 1) / 2 for x in range(len(systems))])
        ax.set_xticklabels(systems, rotation=25, ha="right", fontsize=8)
        ax.set_title("MRR" if metric == "mrr" else "Recall@10")
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def replace_generated(document: str, body: str, generator: str) -> str:
    """Replace the block that `generator` wrote in a Markdown document (or append one)."""
    begin, end = f"<!-- BEGIN GENERATED: {generator} -->", f"<!-- END GENERATED: {generator} -->"
    block = f"{begin}\n{body}\n{end}"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    return (document.rstrip() + "\n\n" if document.strip() else "") + block + "\n"
