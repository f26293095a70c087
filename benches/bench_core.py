"""Side-by-side word2vec benchmark: embedrs vs gensim 4.x on the shared corpora.

Every trainer runs in its own subprocess (so its peak RSS is its own), in alternation
(embedrs, embedrs-mem, gensim-file, gensim-iter, then the next config), with identical
hyper-parameters. The parent scores the saved vectors with ``evaluate.py`` and prints a
Markdown table plus PASS/FAIL lines for the acceptance rules (see ``benches/README.md``).

Usage::

    python benches/bench_core.py [--corpus small|full|both] [--epochs 5] [--threads 2]
        [--configs sg,cbow] [--dim 100] [--repeats 1]
        [--only embedrs,embedrs-mem,gensim-file,gensim-iter] [--out results.json]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import lzma
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

logger = logging.getLogger("embedrs.benches.bench_core")

HERE = Path(__file__).resolve().parent
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SMALL_CORPUS = CORPUS_DIR / "embedrs-corpus-small.txt"
FULL_CORPUS_XZ = CORPUS_DIR / "embedrs-corpus-full.txt.xz"
#: Raw token counts from the corpora's manifest.txt, used as a sanity check.
EXPECTED_TOKENS = {"small": 2_000_008, "full": 14_795_383}

SYSTEMS = ("embedrs", "embedrs-mem", "gensim-file", "gensim-iter")
GENSIM_SYSTEMS = ("gensim-file", "gensim-iter")
CONFIGS = {"sg": 1, "cbow": 0}

#: Acceptance thresholds (see README.md).
ANALOGY_TOLERANCE_POINTS = 1.0
SPEARMAN_TOLERANCE = 0.02
MIN_THROUGHPUT_RATIO = 1.5
MIN_MEM_MODE_RATIO = 0.8

#: Exit status of a child that could not import its trainer.
EXIT_IMPORT_ERROR = 3


# --------------------------------------------------------------------------------------------
# Child side: train one model, save vectors, report timings and peak RSS.
# --------------------------------------------------------------------------------------------


def _status_mib(field: str) -> float | None:
    """A ``/proc/self/status`` memory field (``VmHWM``, ``VmRSS``) in MiB, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fin:
            for line in fin:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _peak_rss_mib() -> float:
    """Peak resident set size of this process (VmHWM) in MiB; ru_maxrss as a fallback."""
    peak = _status_mib("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _train_embedrs(spec: dict[str, Any], in_memory: bool) -> dict[str, Any]:
    """Fit ``embedrs.Word2Vec`` on the corpus path (or an in-memory list of token lists)."""
    import embedrs

    import_rss = _status_mib("VmRSS")
    corpus: str | list[list[str]] = spec["corpus"]
    load_s = 0.0
    if in_memory:
        t0 = time.perf_counter()
        with open(spec["corpus"], encoding="utf-8") as fin:
            corpus = [line.split() for line in fin]
        load_s = time.perf_counter() - t0
    model = embedrs.Word2Vec(
        vector_size=spec["dim"],
        window=spec["window"],
        min_count=spec["min_count"],
        sg=spec["sg"],
        negative=spec["negative"],
        sample=spec["sample"],
        epochs=spec["epochs"],
        n_jobs=spec["threads"],
        random_state=spec["seed"],
        alpha=spec["alpha"],
        min_alpha=spec["min_alpha"],
    )
    t0 = time.perf_counter()
    model.fit(corpus)
    total_s = time.perf_counter() - t0
    losses = [float(x) for x in getattr(model, "training_loss_", None) or []]
    return {
        "vocab_s": float(model.vocab_time_),
        "train_s": float(model.train_time_),
        "total_s": total_s,
        "load_s": load_s,
        "trainer_corpus_words": int(model.corpus_total_words_),
        "training_loss": losses,
        "words": list(model.wv_.index_to_key),
        "vectors": model.wv_.vectors,
        "version": getattr(embedrs, "__version__", None),
        "import_rss_mib": import_rss,
    }


def _train_gensim(spec: dict[str, Any], corpus_file: bool) -> dict[str, Any]:
    """Train gensim ``Word2Vec`` with build_vocab and train timed separately."""
    import gensim
    from gensim.models.word2vec import LineSentence, Word2Vec

    import_rss = _status_mib("VmRSS")
    path = spec["corpus"]
    t0 = time.perf_counter()
    model = Word2Vec(
        sg=spec["sg"],
        vector_size=spec["dim"],
        window=spec["window"],
        negative=spec["negative"],
        hs=0,
        sample=spec["sample"],
        min_count=spec["min_count"],
        workers=spec["threads"],
        epochs=spec["epochs"],
        seed=spec["seed"],
        alpha=spec["alpha"],
        min_alpha=spec["min_alpha"],
    )
    if corpus_file:
        model.build_vocab(corpus_file=path)
    else:
        sentences = LineSentence(path)
        model.build_vocab(corpus_iterable=sentences)
    t1 = time.perf_counter()
    if corpus_file:
        trained, raw = model.train(
            corpus_file=path,
            total_examples=model.corpus_count,
            total_words=model.corpus_total_words,
            epochs=model.epochs,
        )
    else:
        trained, raw = model.train(
            corpus_iterable=sentences,
            total_examples=model.corpus_count,
            total_words=model.corpus_total_words,
            epochs=model.epochs,
        )
    t2 = time.perf_counter()
    return {
        "vocab_s": t1 - t0,
        "train_s": t2 - t1,
        "total_s": t2 - t0,
        "load_s": 0.0,
        "trainer_corpus_words": int(model.corpus_total_words),
        "gensim_trained_words": int(trained),
        "gensim_raw_words": int(raw),
        "words": list(model.wv.index_to_key),
        "vectors": model.wv.vectors,
        "version": gensim.__version__,
        "import_rss_mib": import_rss,
    }


def child_main(spec_path: str) -> int:
    """Entry point of a child process: read the spec, train, save vectors and a result.json."""
    import numpy as np

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    out_dir = Path(spec["out_dir"])
    system = spec["system"]
    try:
        if system in ("embedrs", "embedrs-mem"):
            res = _train_embedrs(spec, in_memory=system == "embedrs-mem")
        elif system in GENSIM_SYSTEMS:
            res = _train_gensim(spec, corpus_file=system == "gensim-file")
        else:
            raise ValueError(f"unknown system {system!r}")
    except ImportError as exc:
        (out_dir / "result.json").write_text(
            json.dumps({"error": f"ImportError: {exc}"}), encoding="utf-8"
        )
        return EXIT_IMPORT_ERROR
    words = res.pop("words")
    vectors = np.ascontiguousarray(res.pop("vectors"), dtype=np.float32)
    res["peak_rss_mib"] = _peak_rss_mib()  # before saving: saving adds nothing worth measuring
    res["vocab_size"] = len(words)
    np.save(out_dir / "vectors.npy", vectors)
    with open(out_dir / "words.txt", "w", encoding="utf-8") as fout:
        fout.writelines(w + "\n" for w in words)
    (out_dir / "result.json").write_text(json.dumps(res), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------------------------
# Parent side: corpora, runs, evaluation, report.
# --------------------------------------------------------------------------------------------


def _copy_head(src: Any, dst: Path, max_lines: int | None) -> None:
    """Stream ``src`` (binary file object) into ``dst`` atomically, optionally only N lines."""
    tmp = dst.with_suffix(dst.suffix + ".part")
    with open(tmp, "wb") as fout:
        if max_lines is None:
            shutil.copyfileobj(src, fout, length=1 << 20)
        else:
            fout.writelines(islice(src, max_lines))
    os.replace(tmp, dst)


def prepare_corpus(name: str, cache_dir: Path, max_lines: int | None) -> Path:
    """Return an uncompressed path for corpus ``name`` ("small" or "full").

    The full corpus is decompressed once (streaming, ``lzma``) into ``cache_dir`` and reused.
    With ``max_lines`` a truncated copy is made in ``cache_dir`` (smoke tests).
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    if max_lines is not None:
        dst = cache_dir / f"embedrs-corpus-{name}.head{max_lines}.txt"
        if not dst.exists():
            logger.info("writing the first %d lines of the %s corpus to %s", max_lines, name, dst)
            if name == "small":
                with open(SMALL_CORPUS, "rb") as src:
                    _copy_head(src, dst, max_lines)
            else:
                with lzma.open(FULL_CORPUS_XZ, "rb") as src:
                    _copy_head(src, dst, max_lines)
        return dst
    if name == "small":
        return SMALL_CORPUS
    dst = cache_dir / "embedrs-corpus-full.txt"
    if not dst.exists():
        logger.info("decompressing %s to %s (once)", FULL_CORPUS_XZ, dst)
        t0 = time.perf_counter()
        with lzma.open(FULL_CORPUS_XZ, "rb") as src:
            _copy_head(src, dst, None)
        logger.info("decompressed in %.1f s", time.perf_counter() - t0)
    return dst


def count_corpus(path: Path) -> tuple[int, int]:
    """Return ``(lines, raw tokens)``: whitespace-separated tokens, as every trainer splits."""
    lines = tokens = 0
    with open(path, "rb") as fin:
        for line in fin:
            lines += 1
            tokens += len(line.split())
    return lines, tokens


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (or platform.processor())."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fin:
            for line in fin:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _dist_version(name: str) -> str | None:
    """Installed distribution version, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def embedrs_status() -> tuple[bool, str | None, str]:
    """Return ``(available, version, note)`` for the embedrs package."""
    try:
        import embedrs
    except ImportError as exc:
        return False, None, f"embedrs not importable ({exc}); embedrs modes skipped"
    if not hasattr(embedrs, "Word2Vec"):
        return False, None, "embedrs has no Word2Vec (yet); embedrs modes skipped"
    version = getattr(embedrs, "__version__", None) or _dist_version("embedrs")
    return True, version, ""


def run_child(spec: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """Run one trainer in a fresh interpreter; return its result dict (or an ``error``)."""
    run_dir.mkdir(parents=True)
    spec = {**spec, "out_dir": str(run_dir)}
    spec_path = run_dir / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    with open(run_dir / "stderr.log", "wb") as err:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            env=env,
            check=False,
        )
    process_s = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result_path = run_dir / "result.json"
    res: dict[str, Any] = {}
    if result_path.exists():
        res = json.loads(result_path.read_text(encoding="utf-8"))
    if proc.returncode != 0 and "error" not in res:
        tail = (run_dir / "stderr.log").read_text(encoding="utf-8", errors="replace")
        tail = "\n".join(tail.strip().splitlines()[-15:])
        res["error"] = f"exit status {proc.returncode}"
        logger.error("%s failed (exit %d):\n%s", spec["system"], proc.returncode, tail)
    res["process_s"] = process_s
    # RUSAGE_CHILDREN's ru_maxrss is the max over all reaped children: exact for this child
    # only when it rose. VmHWM reported by the child itself is the number used.
    res["rusage_children_peak_mib"] = after / 1024.0 if after > before else None
    return res


def evaluate_run(run_dir: Path) -> dict[str, Any]:
    """Score saved vectors: analogies (restrict 30000), WordSim353 and SimLex-999 Spearman."""
    sys.path.insert(0, str(HERE))
    try:
        import evaluate
    finally:
        sys.path.remove(str(HERE))

    words, vectors = evaluate.load_vectors(run_dir)
    ana = evaluate.evaluate_analogies(words, vectors, evaluate.DEFAULT_ANALOGIES, 30000)
    ws = evaluate.evaluate_pairs(words, vectors, evaluate.DEFAULT_WORDSIM353)
    sl = evaluate.evaluate_pairs(words, vectors, evaluate.DEFAULT_SIMLEX999)
    return {
        "analogy": ana["accuracy"],
        "analogy_semantic": ana["semantic"],
        "analogy_syntactic": ana["syntactic"],
        "analogy_coverage": ana["coverage"],
        "analogy_sections": ana["sections"],
        "ws353": ws["spearman"],
        "ws353_oov_ratio": ws["oov_ratio"],
        "simlex": sl["spearman"],
        "simlex_oov_ratio": sl["oov_ratio"],
    }


def run_and_score(spec: dict[str, Any], run_dir: Path, tokens: int, keep: bool) -> dict[str, Any]:
    """Train in a child, compute raw words/s from ``tokens``, evaluate, clean up ``run_dir``."""
    res = run_child(spec, run_dir)
    if "error" in res:
        return res
    res["raw_words_per_s"] = tokens * spec["epochs"] / res["train_s"]
    if res["trainer_corpus_words"] != tokens:
        logger.warning(
            "%s counted %d corpus words, the benchmark %d",
            spec["system"],
            res["trainer_corpus_words"],
            tokens,
        )
    t0 = time.perf_counter()
    res.update(evaluate_run(run_dir))
    logger.info(
        "%s: %.0f words/s, train %.2f s, RSS %.0f MiB, analogy %.2f%% (eval %.1f s)",
        spec["system"],
        res["raw_words_per_s"],
        res["train_s"],
        res["peak_rss_mib"],
        100 * res["analogy"],
        time.perf_counter() - t0,
    )
    if not keep:
        shutil.rmtree(run_dir)
    return res


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
        "vocab_s": med("vocab_s"),
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

    def mark(cond: bool) -> str:
        return "PASS" if cond else "FAIL"

    ref_name = "gensim-file" if "gensim-file" in gensim_ok else next(iter(gensim_ok))
    ref = gensim_ok[ref_name]
    ana_ok = 100 * emb["analogy"] >= 100 * ref["analogy"] - ANALOGY_TOLERANCE_POINTS
    ws_ok = emb["ws353"] >= ref["ws353"] - SPEARMAN_TOLERANCE
    sl_ok = emb["simlex"] >= ref["simlex"] - SPEARMAN_TOLERANCE
    out.append(
        (
            "quality",
            mark(ana_ok and ws_ok and sl_ok),
            (
                f"vs {ref_name}: analogy {100 * emb['analogy']:.2f}% vs "
                f"{100 * ref['analogy']:.2f}% ({mark(ana_ok)}, tolerance "
                f"{ANALOGY_TOLERANCE_POINTS:g} pt); WS353 {emb['ws353']:.3f} vs {ref['ws353']:.3f} "
                f"({mark(ws_ok)}); SimLex {emb['simlex']:.3f} vs {ref['simlex']:.3f} "
                f"({mark(sl_ok)}); Spearman tolerance {SPEARMAN_TOLERANCE:g}"
            ),
        )
    )
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
            mark(ratio >= MIN_THROUGHPUT_RATIO),
            (
                f"raw words/s embedrs / {fast_name} (faster gensim mode) = {ratio:.2f}x "
                f"(need >= {MIN_THROUGHPUT_RATIO:g}x)"
            ),
        )
    )
    out.append(
        (
            "memory",
            mark(emb["train_rss_mib"] < lean),
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
                mark(mratio >= MIN_MEM_MODE_RATIO),
                (
                    f"embedrs-mem / embedrs file mode words/s = {mratio:.2f} "
                    f"(need >= {MIN_MEM_MODE_RATIO:g})"
                ),
            )
        )
    return out


def _fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def render(report: dict[str, Any]) -> str:
    """Markdown table, ratio and PASS/FAIL lines."""
    meta = report["meta"]
    lines = [
        f"# embedrs vs gensim - {meta['timestamp']}",
        "",
        (
            f"CPU: {meta['cpu_model']} ({meta['cpu_count']} logical CPUs); python "
            f"{meta['python']}; gensim {meta['versions']['gensim']}; numpy "
            f"{meta['versions']['numpy']}; embedrs {meta['versions']['embedrs'] or 'n/a'}"
        ),
        f"settings: {meta['settings_text']}",
        "",
    ]
    if meta.get("embedrs_note"):
        lines += [f"NOTE: {meta['embedrs_note']}", ""]
    lines += [
        (
            "| corpus | config | system | raw words/s | train s | vocab s | total s | peak RSS MiB "
            "| training MiB | analogy % | WS353 | SimLex |"
        ),
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["summary"]:
        s = row["stats"]
        head = f"| {row['corpus']} | {row['config']} | {row['system']} |"
        if s.get("n_runs", 0) == 0:
            lines.append(f"{head} {s.get('error', 'not run')} | | | | | | | | |")
            continue
        lines.append(
            f"{head} {_fmt_int(s['raw_words_per_s'])} | {s['train_s']:.2f} | {s['vocab_s']:.2f} "
            f"| {s['total_s']:.2f} | {s['peak_rss_mib']:.0f} | {s['train_rss_mib']:.0f} "
            f"| {100 * s['analogy']:.2f} "
            f"| {s['ws353']:.3f} | {s['simlex']:.3f} |"
        )
    lines.append("")
    for block in report["verdicts"]:
        for check, status, text in block["checks"]:
            where = f"[{block['corpus']}/{block['config']}]"
            if check == "ratio":
                lines.append(f"ratio embedrs/gensim {where}: {text}")
            else:
                lines.append(f"{status or 'SKIP'} {where} {check}: {text}")
    statuses = [c[1] for b in report["verdicts"] for c in b["checks"] if c[1] is not None]
    n_fail = statuses.count("FAIL")
    if statuses:
        lines.append(f"OVERALL: {'PASS' if n_fail == 0 else 'FAIL'} ({n_fail} failing checks)")
    else:
        lines.append("OVERALL: SKIP (no embedrs-vs-gensim comparison was possible)")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Benchmark embedrs against gensim 4.x (see benches/README.md)."
    )
    parser.add_argument("--corpus", choices=("small", "full", "both"), default="small")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", default="sg,cbow", help="comma list of sg,cbow")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", default=",".join(SYSTEMS), help="comma list of systems")
    parser.add_argument("--out", type=Path, help="write the full results as JSON here")
    parser.add_argument(
        "--cache-dir", type=Path, default=HERE / ".cache", help="decompressed corpora"
    )
    parser.add_argument("--keep-vectors", type=Path, help="keep each run's vectors under this dir")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any check FAILs")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--max-lines", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.config_list = [c.strip() for c in args.configs.split(",") if c.strip()]
    args.system_list = [s.strip() for s in args.only.split(",") if s.strip()]
    for c in args.config_list:
        if c not in CONFIGS:
            parser.error(f"unknown config {c!r} (choose from {', '.join(CONFIGS)})")
    for s in args.system_list:
        if s not in SYSTEMS:
            parser.error(f"unknown system {s!r} (choose from {', '.join(SYSTEMS)})")
    # keep the canonical alternation order whatever order --only lists them in
    args.system_list = [s for s in SYSTEMS if s in args.system_list]
    if args.repeats < 1 or args.epochs < 1 or args.threads < 1:
        parser.error("--repeats, --epochs and --threads must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the Markdown report to stdout."""
    if argv is None:
        argv = sys.argv[1:]
    if len(argv) == 2 and argv[0] == "--child":
        logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
        return child_main(argv[1])
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if args.threads > (os.cpu_count() or 1):
        logger.warning("--threads %d > %s CPUs", args.threads, os.cpu_count())

    available, embedrs_version, embedrs_note = embedrs_status()
    systems = list(args.system_list)
    if not available and any(s.startswith("embedrs") for s in systems):
        logger.warning("%s", embedrs_note)
        systems = [s for s in systems if not s.startswith("embedrs")]

    settings = {
        "dim": args.dim,
        "window": 5,
        "negative": 5,
        "sample": 1e-3,
        "min_count": 5,
        "epochs": args.epochs,
        "threads": args.threads,
        "alpha": 0.025,
        "min_alpha": 0.0001,
        "seed": 1,
    }
    corpus_names = ["small", "full"] if args.corpus == "both" else [args.corpus]
    corpora: dict[str, dict[str, Any]] = {}
    for name in corpus_names:
        path = prepare_corpus(name, args.cache_dir, args.max_lines)
        t0 = time.perf_counter()
        n_lines, n_tokens = count_corpus(path)  # also warms the page cache for every trainer
        logger.info(
            "%s: %s, %d lines, %d tokens (counted in %.1f s)",
            name,
            path,
            n_lines,
            n_tokens,
            time.perf_counter() - t0,
        )
        if args.max_lines is None and n_tokens != EXPECTED_TOKENS[name]:
            logger.warning(
                "%s corpus has %d tokens, manifest says %d", name, n_tokens, EXPECTED_TOKENS[name]
            )
        corpora[name] = {
            "path": str(path),
            "lines": n_lines,
            "tokens": n_tokens,
            "max_lines": args.max_lines,
        }

    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="embedrs-bench-") as tmp:
        work = args.keep_vectors or Path(tmp)
        keep = args.keep_vectors is not None
        for name in corpus_names:
            for config in args.config_list:
                for rep in range(args.repeats):
                    for system in systems:
                        spec = {
                            **settings,
                            "system": system,
                            "sg": CONFIGS[config],
                            "corpus": corpora[name]["path"],
                        }
                        run_dir = work / f"{name}-{config}-{system}-r{rep}"
                        if run_dir.exists():
                            shutil.rmtree(run_dir)
                        logger.info("running %s / %s / %s (repeat %d)", name, config, system, rep)
                        res = run_and_score(spec, run_dir, corpora[name]["tokens"], keep=keep)
                        res.update(corpus=name, config=config, system=system, repeat=rep)
                        runs.append(res)

    summary_rows: list[dict[str, Any]] = []
    verdict_blocks: list[dict[str, Any]] = []
    for name in corpus_names:
        for config in args.config_list:
            per_system: dict[str, dict[str, Any]] = {}
            for system in args.system_list:
                sel = [
                    r
                    for r in runs
                    if (r["corpus"], r["config"], r["system"]) == (name, config, system)
                ]
                if not sel:
                    stats: dict[str, Any] = {
                        "error": "skipped (embedrs not installed)",
                        "n_runs": 0,
                    }
                else:
                    stats = summarise(sel)
                per_system[system] = stats
                summary_rows.append(
                    {"corpus": name, "config": config, "system": system, "stats": stats}
                )
            verdict_blocks.append(
                {"corpus": name, "config": config, "checks": verdicts(per_system, embedrs_note)}
            )

    report = {
        "meta": {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "versions": {
                "gensim": _dist_version("gensim"),
                "numpy": _dist_version("numpy"),
                "scipy": _dist_version("scipy"),
                "embedrs": embedrs_version,
            },
            "embedrs_note": embedrs_note,
            "settings": settings,
            "settings_text": ", ".join(f"{k}={v}" for k, v in settings.items()),
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "corpora": corpora,
        },
        "runs": runs,
        "summary": summary_rows,
        "verdicts": verdict_blocks,
    }
    text = render(report)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        logger.info("wrote %s", args.out)
    failed = any(c[1] == "FAIL" for b in verdict_blocks for c in b["checks"])
    crashed = any("error" in r and not r["error"].startswith("ImportError") for r in runs)
    if crashed:
        return 2
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
