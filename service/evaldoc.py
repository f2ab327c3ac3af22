"""Render an EvalReport as the generated part of docs/evaluation.md, with its pictures."""

from __future__ import annotations

from pathlib import Path

from matcher.evalreport import HUB_SHARE, EvalReport
from matcher.evaluate import Metrics


def _fmt(m: Metrics) -> str:
    return (f"{m.recall1:.3f} | {m.recall5:.3f} | {m.recall10:.3f} | {m.mrr:.3f} | "
            f"{m.ndcg10:.3f}")


def _ranking_tables(report: EvalReport) -> list[str]:
    lines = []
    for split, c in report.counts.items():
        lines += [f"### {split} ({c['queries']} queries: {c['id']} Indonesian or mixed, "
                  f"{c['en']} English; {c['answerable']} answerable)", "",
                  "| system | lang | n | R@1 | R@5 | R@10 | MRR | nDCG@10 |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {system} | {lang} | {m.n} | {_fmt(m)} |"
                  for system, s, lang, m in report.rows if s == split]
        lines.append("")
    return lines


def _nomatch_table(report: EvalReport) -> list[str]:
    if report.threshold is None:
        return ["No relevance model: no no-match decision to report.", ""]
    lines = [f"### No match (threshold {report.threshold:.3f} on the best result's calibrated "
             f"probability, chosen on {report.calibration_queries} answerable calibration "
             f"queries for alpha = {report.alpha:.0%})", "",
             "| split | answerable | unanswerable | false no-match (answerable withheld) | "
             "unanswerable caught | false match (unanswerable shown results) | "
             "answered with caution | out-of-domain and nonsense caught |",
             "|---|---|---|---|---|---|---|---|"]
    for split, m in report.nomatch.items():
        lines.append(f"| {split} | {m.answerable} | {m.unanswerable} | "
                     f"{m.false_no_match:.3f} | {m.caught:.3f} | {m.false_match:.3f} | "
                     f"{m.caution_answerable:.3f} | {m.out_of_domain_caught} of "
                     f"{m.out_of_domain} |")
    return [*lines, ""]


def _reliability_table(report: EvalReport, picture: str | None) -> list[str]:
    if not report.reliability:
        return []
    lines = ["### Reliability of the calibrated probability (test split)", ""]
    if picture:
        lines += [f"![Reliability diagram]({picture})", ""]
    for name, bins in report.reliability.items():
        lines += [f"{name}:", "", "| mean predicted | observed share relevant | pairs |",
                  "|---|---|---|"]
        lines += [f"| {p:.3f} | {o:.3f} | {n} |" for p, o, n in bins]
        lines.append("")
    return lines


def _hubness_table(report: EvalReport) -> list[str]:
    lines = [f"### Hubness (top 10 of all {next(iter(report.hubness.values())).queries} "
             "labelled queries, counting only queries a record does not answer)", "",
             f"| ranking | worst record's share of queries | records in over "
             f"{HUB_SHARE:.0%} | skewness | worst records |", "|---|---|---|---|---|"]
    for name, h in report.hubness.items():
        worst = ", ".join(f"{i} ({n})" for i, n in h.worst[:3])
        lines.append(f"| {name} | {h.max_share:.3f} | {h.hubs} | {h.skew:.2f} | {worst} |")
    return [*lines, ""]


def _fit_tables(fit: dict) -> list[str]:
    if not fit:
        return []
    lines = [f"### How the relevance model was chosen (grouped {fit['folds']}-fold CV over "
             f"{fit['train_queries']} training queries, {fit['train_rows']} candidate pairs)",
             "", "| learner | CV MRR | CV R@10 | CV log loss | unanswerable caught at 5% "
             "answerable withheld |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {m['mrr']:.3f} | {m['recall10']:.3f} | {m['log_loss']:.4f} | "
              f"{m['caught_at_5']:.3f} |" for name, m in fit["learners"].items()]
    lines += ["", f"Chosen: **{fit['learner']}**.", ""]
    if fit.get("prior"):
        lines += ["Proven prior on the training queries (out-of-fold relevance plus "
                  "weight x prior):", "", "| prior weight | CV MRR | CV R@10 |",
                  "|---|---|---|"]
        lines += [f"| {w} | {m['mrr']:.3f} | {m['recall10']:.3f} |"
                  for w, m in fit["prior"].items()]
        lines.append("")
    return lines


def render_markdown(report: EvalReport, fit: dict, picture: str | None) -> str:
    """The generated section of docs/evaluation.md."""
    return "\n".join([*_ranking_tables(report), *_nomatch_table(report),
                      *_reliability_table(report, picture), *_hubness_table(report),
                      *_fit_tables(fit)])


def plot_reliability(report: EvalReport, path: Path) -> bool:
    """The reliability diagram as a PNG; False when there is nothing to draw."""
    if not report.reliability:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    for name, bins in report.reliability.items():
        ax.plot([b[0] for b in bins], [b[1] for b in bins], marker="o", label=name)
    if report.threshold is not None:
        ax.axvline(report.threshold, color="red", alpha=0.4, label="no-match threshold")
    ax.set_xlabel("predicted probability (calibrated)")
    ax.set_ylabel("observed share relevant")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Relevance model on the test split")
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


def write_generated(path: Path, body: str, generator: str, empty: str = "") -> None:
    """Write `body` as `generator`'s block of the Markdown file at `path` (a missing file
    starts as `empty`), leaving the rest of the file as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else empty
    path.write_text(replace_generated(text, body, generator), encoding="utf-8")
