"""What ``bench_core.py`` makes of its runs: medians per system, the PASS/FAIL verdicts of the
speed and quality rules (see ``benches/README.md``), and the Markdown report."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from core_trainers import GENSIM_SYSTEMS, PER_THREAD_SYSTEM, SYSTEMS

#: Quality is compared schedule for schedule: each gensim mode against the embedrs run that
#: decays the learning rate the same way (gensim's iterable mode and embedrs' default use all
#: threads' progress; gensim's corpus_file mode uses each thread's own).
SCHEDULE_PAIRS = (("embedrs", "gensim-iter"), (PER_THREAD_SYSTEM, "gensim-file"))

#: Acceptance thresholds (see README.md).
ANALOGY_TOLERANCE_POINTS = 1.0
SPEARMAN_TOLERANCE = 0.02
MIN_THROUGHPUT_RATIO = 1.5
MIN_MEM_MODE_RATIO = 0.8

#: Issue 4 (checked at ISSUE4_THREADS threads): minimum embedrs / faster gensim mode raw words/s
#: per (config, dim), and whether the quality rule (against the better gensim mode) applies too.
ISSUE4_RULES: dict[tuple[str, int], tuple[float, bool]] = {
    ("sg", 100): (3.0, True),
    ("cbow", 100): (3.0, True),
    ("sg", 300): (2.5, False),
}
ISSUE4_THREADS = 2
#: Issue 4: embedrs raw words/s with 2 threads / with 1 thread.
MIN_THREAD_SCALING = 1.8


def _median_or_none(values: list[float | None]) -> float | None:
    """Median of the values that are not None, or None if there are none."""
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate repeats: median times and words/s, max peak RSS, mean quality scores."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0].get("error", "no run"), "n_runs": 0}

    def med(key: str) -> float:
        return float(statistics.median(r[key] for r in ok))

    def mean(key: str) -> float:
        return float(statistics.fmean(r[key] for r in ok))

    return {
        "n_runs": len(ok),
        "raw_words_per_s": med("raw_words_per_s"),
        "train_s": med("train_s"),
        # None for fastText, whose train s include its vocabulary pass
        "vocab_s": _median_or_none([r["vocab_s"] for r in ok]),
        "total_s": med("total_s"),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in ok),
        # Memory the training itself added: peak minus the RSS right after the imports (the
        # imports differ by library and by what else is installed: scikit-learn, which embedrs
        # builds on, imports pandas whenever pandas is installed).
        "train_rss_mib": max(r["peak_rss_mib"] - (r.get("import_rss_mib") or 0.0) for r in ok),
        "import_rss_mib": max((r.get("import_rss_mib") or 0.0) for r in ok),
        "analogy": mean("analogy"),
        "ws353": mean("ws353"),
        "simlex": mean("simlex"),
        "vocab_size": ok[0]["vocab_size"],
    }


def verdicts(
    summary: dict[str, dict[str, Any]], embedrs_note: str
) -> list[tuple[str, str | None, str]]:
    """Return the acceptance checks for one (corpus, config).

    A list of ``(check, status, text)``; status is "PASS", "FAIL" or None (a SKIP, or the
    informational "ratio" line: embedrs / faster gensim mode words/s, embedrs / leaner gensim
    mode peak RSS).
    """
    out: list[tuple[str, str | None, str]] = []
    emb = summary.get("embedrs")
    gensim_ok = {s: summary[s] for s in GENSIM_SYSTEMS if s in summary and "n_runs" in summary[s]}
    gensim_ok = {s: v for s, v in gensim_ok.items() if v["n_runs"] > 0}
    if emb is None or emb.get("n_runs", 0) == 0:
        if emb is not None and not embedrs_note and "error" in emb:
            return [("embedrs", "FAIL", f"embedrs run failed: {emb['error']}")]
        return [("embedrs", None, embedrs_note or "not run")]
    if not gensim_ok:
        return [("gensim", None, "no gensim run to compare with")]

    quality = quality_check(summary)
    if quality is not None:
        out.append(("quality", *quality))
    note = cross_schedule_note(summary)
    if note is not None:
        out.append(("schedules", None, note))
    fast_name = max(gensim_ok, key=lambda s: gensim_ok[s]["raw_words_per_s"])
    ratio = emb["raw_words_per_s"] / gensim_ok[fast_name]["raw_words_per_s"]
    lean_name = min(gensim_ok, key=lambda s: gensim_ok[s]["train_rss_mib"])
    lean = gensim_ok[lean_name]["train_rss_mib"]
    lean_peak = gensim_ok[lean_name]["peak_rss_mib"]
    out.insert(
        0,
        (
            "ratio",
            None,
            (
                f"raw words/s {ratio:.2f}x vs {fast_name} (faster gensim mode); training "
                f"memory {emb['train_rss_mib'] / lean:.2f}x and peak RSS "
                f"{emb['peak_rss_mib'] / lean_peak:.2f}x vs {lean_name} (leaner gensim mode)"
            ),
        ),
    )
    out.append(
        (
            "throughput",
            _mark(ratio >= MIN_THROUGHPUT_RATIO),
            (
                f"raw words/s embedrs / {fast_name} (faster gensim mode) = {ratio:.2f}x "
                f"(need >= {MIN_THROUGHPUT_RATIO:g}x)"
            ),
        )
    )
    out.append(
        (
            "memory",
            _mark(emb["train_rss_mib"] < lean),
            (
                f"training memory (peak RSS minus RSS after imports) embedrs "
                f"{emb['train_rss_mib']:.0f} MiB vs {lean_name} {lean:.0f} MiB = "
                f"{emb['train_rss_mib'] / lean:.2f}x (need < 1); whole-process peak "
                f"{emb['peak_rss_mib']:.0f} vs {lean_peak:.0f} MiB (imports "
                f"{emb['import_rss_mib']:.0f} vs {gensim_ok[lean_name]['import_rss_mib']:.0f} MiB)"
            ),
        )
    )
    mem = summary.get("embedrs-mem")
    if mem is not None and mem.get("n_runs", 0) > 0:
        mratio = mem["raw_words_per_s"] / emb["raw_words_per_s"]
        out.append(
            (
                "in-memory",
                _mark(mratio >= MIN_MEM_MODE_RATIO),
                (
                    f"embedrs-mem / embedrs file mode words/s = {mratio:.2f} "
                    f"(need >= {MIN_MEM_MODE_RATIO:g})"
                ),
            )
        )
    return out


def quality_check(sel: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """The quality rule, schedule for schedule: ``(status, text)``, or None if nothing ran.

    Each gensim mode that ran is compared with the embedrs run that decays the learning rate
    the same way (``SCHEDULE_PAIRS``); every score of every pair must be within tolerance. A
    gensim mode whose embedrs partner did not run is compared with default embedrs instead
    (and the text says so).
    """
    parts: list[str] = []
    all_ok, compared = True, False
    for mine_name, ref_name in SCHEDULE_PAIRS:
        ref = sel.get(ref_name)
        if not _ran(ref):
            continue
        assert ref is not None
        mine_name = mine_name if _ran(sel.get(mine_name)) else "embedrs"
        mine = sel.get(mine_name)
        if not _ran(mine):
            continue
        assert mine is not None
        compared = True
        scores: list[str] = []
        for key, label, tol, scale, unit in (
            ("analogy", "analogy", ANALOGY_TOLERANCE_POINTS, 100.0, "%"),
            ("ws353", "WS353", SPEARMAN_TOLERANCE, 1.0, ""),
            ("simlex", "SimLex", SPEARMAN_TOLERANCE, 1.0, ""),
        ):
            a, b = scale * mine[key], scale * ref[key]
            ok = a >= b - tol
            all_ok = all_ok and ok
            digits = 2 if unit else 3
            scores.append(f"{label} {a:.{digits}f}{unit} vs {b:.{digits}f}{unit} ({_mark(ok)})")
        parts.append(f"{mine_name} vs {ref_name}: {', '.join(scores)}")
    if not compared:
        return None
    return (
        _mark(all_ok),
        (
            f"same learning-rate schedule: {'; '.join(parts)}; tolerance "
            f"{ANALOGY_TOLERANCE_POINTS:g} pt analogy, {SPEARMAN_TOLERANCE:g} Spearman"
        ),
    )


def cross_schedule_note(sel: dict[str, dict[str, Any]]) -> str | None:
    """Default embedrs against gensim corpus_file, whose schedule differs (information)."""
    emb, ref = sel.get("embedrs"), sel.get("gensim-file")
    if not (_ran(emb) and _ran(ref)) or not _ran(sel.get(PER_THREAD_SYSTEM)):
        return None
    assert emb is not None
    assert ref is not None
    return (
        f"default embedrs (global schedule) vs gensim-file (per-thread schedule): analogy "
        f"{100 * emb['analogy']:.2f}% vs {100 * ref['analogy']:.2f}% "
        f"({100 * (emb['analogy'] - ref['analogy']):+.2f} pt), WS353 {emb['ws353']:.3f} vs "
        f"{ref['ws353']:.3f}, SimLex {emb['simlex']:.3f} vs {ref['simlex']:.3f}"
    )


def _ran(stats: dict[str, Any] | None) -> bool:
    """Whether a system's summary holds at least one successful run."""
    return stats is not None and stats.get("n_runs", 0) > 0


def _mark(cond: bool) -> str:
    return "PASS" if cond else "FAIL"


Combo = tuple[str, str, int, int]  # (corpus, config, dim, threads)


def issue4_verdicts(
    combos: dict[Combo, dict[str, dict[str, Any]]],
    corpus_names: Sequence[str],
    configs: Sequence[str],
    dims: Sequence[int],
    thread_list: Sequence[int],
    embedrs_note: str,
) -> list[dict[str, Any]]:
    """Issue 4's checks, one block per (corpus, config, dim).

    At ``ISSUE4_THREADS`` threads: embedrs / faster gensim mode raw words/s against the
    ``ISSUE4_RULES`` threshold, and where the rule says so the quality rule against the better
    gensim mode (per score: the higher of gensim-file's and gensim-iter's). With 1 and 2
    threads: embedrs 2-thread / 1-thread raw words/s >= ``MIN_THREAD_SCALING``. Informational
    (status None): combinations without a threshold, the other systems' thread scaling and
    embedrs / fastText at every thread count.
    """
    blocks: list[dict[str, Any]] = []
    for name in corpus_names:
        for config in configs:
            for dim in dims:
                checks: list[tuple[str, str | None, str]] = []
                rule = ISSUE4_RULES.get((config, dim))
                at2 = combos.get((name, config, dim, ISSUE4_THREADS))
                if at2 is None:
                    checks.append(
                        (
                            "throughput",
                            None,
                            f"issue 4's throughput rules are at {ISSUE4_THREADS} threads: "
                            f"add {ISSUE4_THREADS} to --threads",
                        )
                    )
                else:
                    checks += _issue4_throughput(at2, config, dim, rule, embedrs_note)
                checks += _issue4_scaling(combos, (name, config, dim), thread_list)
                for threads in thread_list:
                    sel = combos.get((name, config, dim, threads), {})
                    emb, ft = sel.get("embedrs"), sel.get("fasttext")
                    if emb is not None and ft is not None and _ran(emb) and _ran(ft):
                        checks.append(
                            (
                                "fasttext",
                                None,
                                (
                                    f"{threads} thread(s): raw words/s embedrs/fasttext = "
                                    f"{emb['raw_words_per_s'] / ft['raw_words_per_s']:.2f}x; "
                                    f"analogy {100 * emb['analogy']:.2f}% vs "
                                    f"{100 * ft['analogy']:.2f}%, WS353 {emb['ws353']:.3f} vs "
                                    f"{ft['ws353']:.3f}, SimLex {emb['simlex']:.3f} vs "
                                    f"{ft['simlex']:.3f}"
                                ),
                            )
                        )
                blocks.append({"corpus": name, "config": config, "dim": dim, "checks": checks})
    return blocks


def _issue4_throughput(
    sel: dict[str, dict[str, Any]],
    config: str,
    dim: int,
    rule: tuple[float, bool] | None,
    embedrs_note: str,
) -> list[tuple[str, str | None, str]]:
    """Issue 4's throughput (and quality) checks for one (corpus, config, dim) at 2 threads."""
    emb = sel.get("embedrs")
    gensim_ok = {s: sel[s] for s in GENSIM_SYSTEMS if _ran(sel.get(s))}
    if emb is None or not _ran(emb):
        if emb is not None and not embedrs_note and "error" in emb:
            return [("embedrs", "FAIL", f"embedrs run failed: {emb['error']}")]
        return [("embedrs", None, embedrs_note or "embedrs not run")]
    if not gensim_ok:
        return [("gensim", None, "no gensim run to compare with")]
    fast_name = max(gensim_ok, key=lambda s: gensim_ok[s]["raw_words_per_s"])
    ratio = emb["raw_words_per_s"] / gensim_ok[fast_name]["raw_words_per_s"]
    text = (
        f"{ISSUE4_THREADS} threads: raw words/s embedrs / {fast_name} (faster gensim mode) = "
        f"{ratio:.2f}x"
    )
    if rule is None:
        return [("ratio", None, f"{text} (issue 4 sets no threshold for {config} d={dim})")]
    need, with_quality = rule
    out: list[tuple[str, str | None, str]] = [
        ("throughput", _mark(ratio >= need), f"{text} (need >= {need:g}x)")
    ]
    if with_quality:
        quality = quality_check(sel)
        if quality is not None:
            out.append(("quality", *quality))
    return out


def _issue4_scaling(
    combos: dict[Combo, dict[str, dict[str, Any]]],
    where: tuple[str, str, int],
    thread_list: Sequence[int],
) -> list[tuple[str, str | None, str]]:
    """embedrs 2-thread / 1-thread raw words/s (PASS/FAIL), the other systems' as information."""
    if 1 not in thread_list or 2 not in thread_list:
        return []
    one = combos.get((*where, 1), {})
    two = combos.get((*where, 2), {})
    scaling = {
        s: two[s]["raw_words_per_s"] / one[s]["raw_words_per_s"]
        for s in SYSTEMS
        if _ran(one.get(s)) and _ran(two.get(s))
    }
    others = ", ".join(f"{s} {r:.2f}x" for s, r in scaling.items() if s != "embedrs")
    others = f" (others: {others})" if others else ""
    if "embedrs" not in scaling:
        return [("scaling", None, f"embedrs did not run with both 1 and 2 threads{others}")]
    r = scaling["embedrs"]
    return [
        (
            "scaling",
            _mark(r >= MIN_THREAD_SCALING),
            (
                f"embedrs raw words/s 2 threads / 1 thread = {r:.2f}x "
                f"(need >= {MIN_THREAD_SCALING:g}x){others}"
            ),
        )
    ]


def _fmt_int(x: float) -> str:
    return f"{x:,.0f}"


TABLE_COLUMNS = (
    "corpus",
    "config",
    "dim",
    "threads",
    "system",
    "raw words/s",
    "x gensim",
    "train s",
    "vocab s",
    "total s",
    "peak RSS MiB",
    "training MiB",
    "analogy %",
    "WS353",
    "SimLex",
)


def _render_checks(
    blocks: list[dict[str, Any]], where_keys: Sequence[str], ratio_label: str
) -> tuple[list[str], int, int]:
    """Lines for verdict blocks; also return (number of PASS/FAIL checks, number of FAILs)."""
    lines: list[str] = []
    n_checks = n_fail = 0
    for block in blocks:
        tags = []
        for key in where_keys:
            value = block[key]
            tags.append(f"d{value}" if key == "dim" else f"t{value}" if key == "threads" else value)
        where = f"[{'/'.join(str(t) for t in tags)}]"
        for check, status, text in block["checks"]:
            if check == "ratio" and ratio_label:
                lines.append(f"{ratio_label} {where}: {text}")
            elif status is None and check in ("ratio", "fasttext", "scaling"):
                lines.append(f"INFO {where} {check}: {text}")
            else:
                lines.append(f"{status or 'SKIP'} {where} {check}: {text}")
            if status is not None:
                n_checks += 1
                n_fail += status == "FAIL"
    return lines, n_checks, n_fail


def _section_total(label: str, n_checks: int, n_fail: int) -> str:
    if n_checks == 0:
        return f"{label}: SKIP (no check could be made)"
    return f"{label}: {'PASS' if n_fail == 0 else 'FAIL'} ({n_fail} of {n_checks} checks failing)"


def render(report: dict[str, Any]) -> str:
    """Markdown table, ratio and PASS/FAIL lines (core issue, then issue 4)."""
    meta = report["meta"]
    versions = meta["versions"]
    lines = [
        f"# embedrs vs gensim and fastText - {meta['timestamp']}",
        "",
        (
            f"CPU: {meta['cpu_model']} ({meta['cpu_count']} logical CPUs); python "
            f"{meta['python']}; gensim {versions['gensim']}; fastText "
            f"{versions.get('fasttext') or 'n/a'}; numpy {versions['numpy']}; embedrs "
            f"{versions['embedrs'] or 'n/a'}"
        ),
        f"settings: {meta['settings_text']}",
        "",
    ]
    if meta.get("embedrs_note"):
        lines += [f"NOTE: {meta['embedrs_note']}", ""]
    lines += [
        "| " + " | ".join(TABLE_COLUMNS) + " |",
        "| " + " | ".join("---" if i < 5 else "---:" for i in range(len(TABLE_COLUMNS))) + " |",
    ]
    # Faster gensim mode's raw words/s per (corpus, config, dim, threads), for "x gensim".
    gensim_best: dict[tuple[Any, ...], float] = {}
    for row in report["summary"]:
        if row["system"] in GENSIM_SYSTEMS and _ran(row["stats"]):
            key = (row["corpus"], row["config"], row["dim"], row["threads"])
            gensim_best[key] = max(gensim_best.get(key, 0.0), row["stats"]["raw_words_per_s"])
    for row in report["summary"]:
        s = row["stats"]
        head = (
            f"| {row['corpus']} | {row['config']} | {row['dim']} | {row['threads']} "
            f"| {row['system']} |"
        )
        if not _ran(s):
            error = s.get("error", "not run")
            if error.startswith("ImportError"):
                error = f"skipped ({error})"
            lines.append(f"{head} {error} |" + " |" * (len(TABLE_COLUMNS) - 6))
            continue
        best = gensim_best.get((row["corpus"], row["config"], row["dim"], row["threads"]))
        vs_gensim = f"{s['raw_words_per_s'] / best:.2f}" if best else "n/a"
        vocab_s = "n/a" if s["vocab_s"] is None else f"{s['vocab_s']:.2f}"
        lines.append(
            f"{head} {_fmt_int(s['raw_words_per_s'])} | {vs_gensim} | {s['train_s']:.2f} "
            f"| {vocab_s} | {s['total_s']:.2f} | {s['peak_rss_mib']:.0f} "
            f"| {s['train_rss_mib']:.0f} | {100 * s['analogy']:.2f} "
            f"| {s['ws353']:.3f} | {s['simlex']:.3f} |"
        )
    lines += [
        "",
        "x gensim: raw words/s / the faster gensim mode's, same corpus, config, dim and threads. "
        "fastText's train s include its vocabulary pass (vocab s n/a).",
        "",
        "## Core issue (vector_size=100, 2 threads)",
        "",
    ]
    core, core_n, core_fail = _render_checks(
        report["verdicts"], ("corpus", "config", "dim", "threads"), "ratio embedrs/gensim"
    )
    lines += [*core, _section_total("core issue", core_n, core_fail), ""]
    rules = ", ".join(f"{c} d={d} >= {r[0]:g}x" for (c, d), r in ISSUE4_RULES.items())
    lines += [
        (
            f"## Issue 4 ({ISSUE4_THREADS} threads, embedrs / faster gensim mode: {rules}; "
            f"quality for d=100; {ISSUE4_THREADS} threads / 1 thread >= {MIN_THREAD_SCALING:g}x)"
        ),
        "",
    ]
    issue4, i4_n, i4_fail = _render_checks(
        report.get("issue4_verdicts", []), ("corpus", "config", "dim"), ""
    )
    lines += [*issue4, _section_total("issue 4", i4_n, i4_fail), ""]
    n_checks, n_fail = core_n + i4_n, core_fail + i4_fail
    if n_checks:
        lines.append(f"OVERALL: {'PASS' if n_fail == 0 else 'FAIL'} ({n_fail} failing checks)")
    else:
        lines.append("OVERALL: SKIP (no embedrs-vs-gensim comparison was possible)")
    return "\n".join(lines)
