"""Side-by-side word2vec benchmark: embedrs vs gensim 4.x and fastText on the shared corpora.

Every trainer runs in its own subprocess (so its peak RSS is its own), in alternation
(embedrs, embedrs-mem, gensim-file, gensim-iter, fasttext, then the next combination), with
identical hyper-parameters. Every (corpus, config, dim, threads) combination of the options is
run. The parent scores the saved vectors with ``evaluate.py`` and prints a Markdown table plus
PASS/FAIL lines for the core issue's acceptance rules and for issue 4's (3x gensim at 2
threads, 2-thread scaling; see ``benches/README.md``).

Usage::

    python benches/bench_core.py [--corpus small|full|both] [--epochs 5] [--threads 2|1,2]
        [--configs sg,cbow] [--dim 100|100,300] [--repeats 1]
        [--only embedrs,embedrs-mem,gensim-file,gensim-iter,fasttext] [--out results.json]

Issue 4's full benchmark in one command::

    python benches/bench_core.py --corpus full --configs sg,cbow --dim 100,300 --threads 1,2 \\
        --repeats 1
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

SYSTEMS = ("embedrs", "embedrs-mem", "embedrs-pt", "gensim-file", "gensim-iter", "fasttext")
GENSIM_SYSTEMS = ("gensim-file", "gensim-iter")
#: embedrs with gensim corpus_file's learning-rate schedule (``alpha_schedule="per_thread"``:
#: each thread decays alpha by its own progress, so with n threads it ends near alpha / (n *
#: epochs)); identical to "embedrs" on one thread, so only run with 2 or more.
PER_THREAD_SYSTEM = "embedrs-pt"
#: Quality is compared schedule for schedule: each gensim mode against the embedrs run that
#: decays the learning rate the same way (gensim's iterable mode and embedrs' default use all
#: threads' progress; gensim's corpus_file mode uses each thread's own).
SCHEDULE_PAIRS = (("embedrs", "gensim-iter"), (PER_THREAD_SYSTEM, "gensim-file"))
CONFIGS = {"sg": 1, "cbow": 0}
FASTTEXT_MODELS = {1: "skipgram", 0: "cbow"}
#: fastText's end-of-line token: a vocabulary row of its own, dropped before evaluation.
FASTTEXT_EOS = "</s>"
#: Distributions that provide the ``fasttext`` module (the first one installed is reported).
FASTTEXT_DISTS = ("fasttext-wheel", "fasttext", "fasttext-numpy2-wheel", "fasttext-numpy2")

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


def _train_embedrs(spec: dict[str, Any], in_memory: bool, schedule: str) -> dict[str, Any]:
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
        alpha_schedule=schedule,
    )
    t0 = time.perf_counter()
    model.fit(corpus)
    total_s = time.perf_counter() - t0
    peak = _peak_rss_mib()
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
        "peak_rss_mib": peak,
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
    peak = _peak_rss_mib()
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
        "peak_rss_mib": peak,
    }


def _fasttext_version() -> str | None:
    """Version of whichever installed distribution provides the ``fasttext`` module."""
    for dist in FASTTEXT_DISTS:
        version = _dist_version(dist)
        if version is not None:
            return f"{dist} {version}"
    return None


def _train_fasttext(spec: dict[str, Any]) -> dict[str, Any]:
    """Train plain word2vec with fastText: ``minn=0, maxn=0`` (no subwords), ``loss="ns"``.

    fastText has no separate vocabulary step: ``train_unsupervised`` reads the file once to
    build the dictionary, then trains. The whole call is timed as ``train_s`` (and ``total_s``),
    so fastText's train s, and hence its raw words/s, include the vocabulary pass;
    ``vocab_s`` is None. Differences from the other systems that no setting removes: the
    learning rate decays linearly to 0 (there is no ``min_alpha``), it is updated every
    ``lrUpdateRate`` = 100 tokens, and every line end is a token ``</s>`` that is trained like
    a word (it is dropped from the saved vectors).
    """
    import fasttext
    import numpy as np

    import_rss = _status_mib("VmRSS")
    params: dict[str, Any] = {
        "input": spec["corpus"],
        "model": FASTTEXT_MODELS[spec["sg"]],
        "dim": spec["dim"],
        "ws": spec["window"],
        "neg": spec["negative"],
        "loss": "ns",
        "minCount": spec["min_count"],
        "t": spec["sample"],
        "epoch": spec["epochs"],
        "thread": spec["threads"],
        "lr": spec["alpha"],  # fastText's default is 0.05; use the others' alpha
        "minn": 0,
        "maxn": 0,
        "wordNgrams": 1,
        # With maxn=0 and wordNgrams=1 fastText forces bucket=0 anyway: the input matrix then
        # has exactly one row per vocabulary word.
        "bucket": 0,
        "verbose": 0,
    }
    seed_used: int | None = spec["seed"]
    try:
        t0 = time.perf_counter()
        model = fasttext.train_unsupervised(**params, seed=spec["seed"])
    except TypeError as exc:  # fasttext(-wheel) 0.9.2 rejects seed before doing any work
        if "seed" not in str(exc):
            raise
        seed_used = None  # fastText's default seed, 0
        t0 = time.perf_counter()
        model = fasttext.train_unsupervised(**params)
    train_s = time.perf_counter() - t0
    peak = _peak_rss_mib()
    words, freqs = model.get_words(include_freq=True)
    matrix = np.asarray(model.get_input_matrix())
    if matrix.shape[0] != len(words):
        raise RuntimeError(f"fastText input matrix has {matrix.shape[0]} rows, {len(words)} words")
    # With no subwords a word's vector is its input-matrix row: check a few of each end.
    for i in [*range(min(50, len(words))), *range(max(0, len(words) - 50), len(words))]:
        if not np.allclose(model.get_word_vector(words[i]), matrix[i]):
            raise RuntimeError(f"fastText vector of {words[i]!r} differs from its matrix row")
    keep = [i for i, w in enumerate(words) if w != FASTTEXT_EOS]
    eos_tokens = sum(int(f) for w, f in zip(words, freqs, strict=True) if w == FASTTEXT_EOS)
    return {
        "vocab_s": None,
        "train_s": train_s,
        "total_s": train_s,
        "load_s": 0.0,
        # fastText does not expose its raw token count (its dictionary only keeps the words
        # that passed minCount, plus one </s> per line): no cross-check.
        "trainer_corpus_words": None,
        "fasttext_kept_words": int(sum(int(freqs[i]) for i in keep)),
        "fasttext_eos_tokens": eos_tokens,
        "fasttext_seed": seed_used,
        "words": [words[i] for i in keep],
        "vectors": matrix[keep],
        "version": _fasttext_version(),
        "import_rss_mib": import_rss,
        "peak_rss_mib": peak,
    }


def child_main(spec_path: str) -> int:
    """Entry point of a child process: read the spec, train, save vectors and a result.json."""
    import numpy as np

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    out_dir = Path(spec["out_dir"])
    system = spec["system"]
    try:
        if system in ("embedrs", "embedrs-mem", PER_THREAD_SYSTEM):
            schedule = "per_thread" if system == PER_THREAD_SYSTEM else "global"
            res = _train_embedrs(spec, in_memory=system == "embedrs-mem", schedule=schedule)
        elif system in GENSIM_SYSTEMS:
            res = _train_gensim(spec, corpus_file=system == "gensim-file")
        elif system == "fasttext":
            res = _train_fasttext(spec)
        else:
            raise ValueError(f"unknown system {system!r}")
    except ImportError as exc:
        (out_dir / "result.json").write_text(
            json.dumps({"error": f"ImportError: {exc}"}), encoding="utf-8"
        )
        return EXIT_IMPORT_ERROR
    words = res.pop("words")
    vectors = np.ascontiguousarray(res.pop("vectors"), dtype=np.float32)
    # Peak RSS as each trainer function read it right after training: building the result's
    # word list afterwards (embedrs' and fastText's are Python lists made on request) is
    # the benchmark's cost, not the trainer's.
    res["peak_rss_mib"] = res.get("peak_rss_mib") or _peak_rss_mib()
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
    # The same numerator for every system: raw corpus tokens x epochs.
    res["raw_words_per_s"] = tokens * spec["epochs"] / res["train_s"]
    if res["trainer_corpus_words"] is not None and res["trainer_corpus_words"] != tokens:
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


def _int_list(parser: argparse.ArgumentParser, option: str, text: str) -> list[int]:
    """Parse ``"100"`` or ``"100,300"``: distinct integers, in the order given."""
    out: list[int] = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            value = int(item)
        except ValueError:
            parser.error(f"{option}: {item.strip()!r} is not an integer")
        if value not in out:
            out.append(value)
    if not out:
        parser.error(f"{option} needs at least one value")
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Benchmark embedrs against gensim 4.x (see benches/README.md)."
    )
    parser.add_argument("--corpus", choices=("small", "full", "both"), default="small")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--threads", default="2", help="worker threads, or a comma list such as 1,2"
    )
    parser.add_argument("--configs", default="sg,cbow", help="comma list of sg,cbow")
    parser.add_argument("--dim", default="100", help="vector size, or a comma list such as 100,300")
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
    args.dim_list = _int_list(parser, "--dim", args.dim)
    args.thread_list = _int_list(parser, "--threads", args.threads)
    args.system_list = [s.strip() for s in args.only.split(",") if s.strip()]
    for c in args.config_list:
        if c not in CONFIGS:
            parser.error(f"unknown config {c!r} (choose from {', '.join(CONFIGS)})")
    for s in args.system_list:
        if s not in SYSTEMS:
            parser.error(f"unknown system {s!r} (choose from {', '.join(SYSTEMS)})")
    # keep the canonical alternation order whatever order --only lists them in
    args.system_list = [s for s in SYSTEMS if s in args.system_list]
    if args.repeats < 1 or args.epochs < 1 or min(args.thread_list) < 1 or min(args.dim_list) < 1:
        parser.error("--repeats, --epochs, --threads and --dim must be >= 1")
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
    if max(args.thread_list) > (os.cpu_count() or 1):
        logger.warning("--threads %d > %s CPUs", max(args.thread_list), os.cpu_count())

    available, embedrs_version, embedrs_note = embedrs_status()
    systems = list(args.system_list)
    if not available and any(s.startswith("embedrs") for s in systems):
        logger.warning("%s", embedrs_note)
        systems = [s for s in systems if not s.startswith("embedrs")]

    # dim and threads vary per run (every combination of --dim and --threads is run)
    settings: dict[str, Any] = {
        "window": 5,
        "negative": 5,
        "sample": 1e-3,
        "min_count": 5,
        "epochs": args.epochs,
        "alpha": 0.025,
        "min_alpha": 0.0001,
        "seed": 1,
    }
    settings_text = ", ".join(
        [
            f"dim={','.join(map(str, args.dim_list))}",
            f"threads={','.join(map(str, args.thread_list))}",
            *(f"{k}={v}" for k, v in settings.items()),
        ]
    )
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

    combos: list[Combo] = [
        (name, config, dim, threads)
        for name in corpus_names
        for config in args.config_list
        for dim in args.dim_list
        for threads in args.thread_list
    ]
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="embedrs-bench-") as tmp:
        work = args.keep_vectors or Path(tmp)
        keep = args.keep_vectors is not None
        for name, config, dim, threads in combos:
            for rep in range(args.repeats):
                for system in systems:
                    if system == PER_THREAD_SYSTEM and threads == 1:
                        continue  # the same schedule as "embedrs" on one thread
                    spec = {
                        **settings,
                        "dim": dim,
                        "threads": threads,
                        "system": system,
                        "sg": CONFIGS[config],
                        "corpus": corpora[name]["path"],
                    }
                    run_dir = work / f"{name}-{config}-d{dim}-t{threads}-{system}-r{rep}"
                    if run_dir.exists():
                        shutil.rmtree(run_dir)
                    logger.info(
                        "running %s / %s / dim %d / %d threads / %s (repeat %d)",
                        name,
                        config,
                        dim,
                        threads,
                        system,
                        rep,
                    )
                    res = run_and_score(spec, run_dir, corpora[name]["tokens"], keep=keep)
                    res.update(
                        corpus=name,
                        config=config,
                        dim=dim,
                        threads=threads,
                        system=system,
                        repeat=rep,
                    )
                    runs.append(res)

    summary_rows: list[dict[str, Any]] = []
    verdict_blocks: list[dict[str, Any]] = []
    by_combo: dict[Combo, dict[str, dict[str, Any]]] = {}
    for combo in combos:
        name, config, dim, threads = combo
        per_system: dict[str, dict[str, Any]] = {}
        for system in args.system_list:
            sel = [
                r
                for r in runs
                if (r["corpus"], r["config"], r["dim"], r["threads"], r["system"])
                == (*combo, system)
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
                {
                    "corpus": name,
                    "config": config,
                    "dim": dim,
                    "threads": threads,
                    "system": system,
                    "stats": stats,
                }
            )
        by_combo[combo] = per_system
        if dim != 100 or threads != 2:
            continue  # the core issue's rules are stated for vector_size=100 on 2 threads
        verdict_blocks.append(
            {
                "corpus": name,
                "config": config,
                "dim": dim,
                "threads": threads,
                "checks": verdicts(per_system, embedrs_note),
            }
        )
    issue4_blocks = issue4_verdicts(
        by_combo, corpus_names, args.config_list, args.dim_list, args.thread_list, embedrs_note
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
                "fasttext": _fasttext_version(),
            },
            "embedrs_note": embedrs_note,
            "settings": settings,
            "settings_text": settings_text,
            "dims": args.dim_list,
            "thread_counts": args.thread_list,
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "corpora": corpora,
        },
        "runs": runs,
        "summary": summary_rows,
        "verdicts": verdict_blocks,
        "issue4_verdicts": issue4_blocks,
    }
    text = render(report)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        logger.info("wrote %s", args.out)
    failed = any(c[1] == "FAIL" for b in verdict_blocks + issue4_blocks for c in b["checks"])
    crashed = any("error" in r and not r["error"].startswith("ImportError") for r in runs)
    if crashed:
        return 2
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
