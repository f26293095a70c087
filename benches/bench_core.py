"""Side-by-side word2vec benchmark: embedrs vs gensim 4.x and fastText on the shared corpora.

Every trainer runs in its own subprocess (so its peak RSS is its own), in alternation
(embedrs, embedrs-mem, gensim-file, gensim-iter, fasttext, then the next combination), with
identical hyper-parameters (the trainers: ``core_trainers.py``). Every (corpus, config, dim,
threads) combination of the options is run. The parent scores the saved vectors with
``evaluate.py`` and prints a Markdown table plus PASS/FAIL lines for the core issue's
acceptance rules and for issue 4's (3x gensim at 2 threads, 2-thread scaling; see
``benches/README.md``; the report: ``core_report.py``).

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
import json
import logging
import lzma
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from core_report import Combo, issue4_verdicts, render, summarise, verdicts
from core_trainers import CONFIGS, PER_THREAD_SYSTEM, SYSTEMS, dist_version, fasttext_version

logger = logging.getLogger("embedrs.benches.bench_core")

logger = logging.getLogger("embedrs.benches.bench_core")

HERE = Path(__file__).resolve().parent
CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SMALL_CORPUS = CORPUS_DIR / "embedrs-corpus-small.txt"
FULL_CORPUS_XZ = CORPUS_DIR / "embedrs-corpus-full.txt.xz"
#: Raw token counts from the corpora's manifest.txt, used as a sanity check.
EXPECTED_TOKENS = {"small": 2_000_008, "full": 14_795_383}


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


def embedrs_status() -> tuple[bool, str | None, str]:
    """Return ``(available, version, note)`` for the embedrs package."""
    try:
        import embedrs
    except ImportError as exc:
        return False, None, f"embedrs not importable ({exc}); embedrs modes skipped"
    if not hasattr(embedrs, "Word2Vec"):
        return False, None, "embedrs has no Word2Vec (yet); embedrs modes skipped"
    version = getattr(embedrs, "__version__", None) or dist_version("embedrs")
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
            [sys.executable, str(HERE / "core_trainers.py"), str(spec_path)],
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
                "gensim": dist_version("gensim"),
                "numpy": dist_version("numpy"),
                "scipy": dist_version("scipy"),
                "embedrs": embedrs_version,
                "fasttext": fasttext_version(),
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
