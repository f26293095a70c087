"""Quality at each library's defaults: embedrs against gensim (both of its modes), over
several seeds and epoch counts, with the mean and spread of every score.

Every run trains in its own subprocess (``core_trainers.py``) on the shared corpus with the
settings the comparison fixes (vector_size 100, window 5, min_count 5, the thread count) and
everything else at the library's own defaults; embedrs can also be given variants
(``--variant NAME=JSON``: extra keyword arguments of ``embedrs.Word2Vec``), which is how the
default learning rates were chosen (``--grid``). Scores: analogy accuracy (questions-words,
restrict 30,000), WordSim353 and SimLex-999 Spearman, by ``evaluate.py``.

Each finished run is appended to a JSON-lines cache (``--cache``), keyed by its settings, and
not run again: interrupting and re-running continues where it stopped, and
``--cached-only`` reprints the tables.

Usage::

    # issue 18's comparison: defaults, 1/2/5 epochs, 3 seeds, CBOW and skip-gram
    python benches/bench_quality.py --corpus full --configs cbow,sg --epochs 1,2,5 --seeds 1,2,3

    # a learning-rate grid for CBOW (embedrs only)
    python benches/bench_quality.py --corpus full --configs cbow --epochs 5 --seeds 1 \\
        --only embedrs --grid alpha=0.05,0.065,0.08

    # the same on another corpus: do the defaults hold outside the shared one?
    python benches/bench_quality.py --corpus-file other.txt --configs cbow --epochs 2,5 \\
        --seeds 1,2 --only embedrs,gensim-file --grid ns_exponent=0.5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_core import count_corpus, prepare_corpus, run_and_score
from core_trainers import CONFIGS

logger = logging.getLogger("embedrs.benches.bench_quality")

HERE = Path(__file__).resolve().parent
SYSTEMS = ("embedrs", "gensim-file", "gensim-iter")
SCORES = ("analogy", "ws353", "simlex")
#: What every run shares (the comparison's fixed settings); the rest is each library's default.
FIXED = {"dim": 100, "window": 5, "min_count": 5}


def parse_variants(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The embedrs variants: ``default`` (no extra argument) unless ``--no-default``, each
    ``--variant NAME=JSON``, and the grid's points (``--grid key=v1,v2`` ...)."""
    variants: dict[str, dict[str, Any]] = {} if args.no_default else {"default": {}}
    for item in args.variant:
        name, _, text = item.partition("=")
        variants[name] = json.loads(text)
    points: list[dict[str, Any]] = [{}]
    for item in args.grid:
        key, _, values = item.partition("=")
        parsed = [json.loads(v) if v[:1] in "0123456789-.[{tfn" else v for v in values.split(",")]
        points = [{**p, key: v} for p in points for v in parsed]
    base = json.loads(args.grid_base) if args.grid_base else {}
    for p in points:
        if p:
            merged = {**base, **p}
            variants[",".join(f"{k}={v}" for k, v in merged.items())] = merged
    return variants


def embedrs_defaults() -> dict[str, Any]:
    """embedrs' defaults, the per-architecture learning rates included."""
    from embedrs import _embedrs

    out = dict(_embedrs.defaults())
    out["cbow_gradient resolved"] = _embedrs.default_cbow_gradient(hs=False)
    for sg, grad in ((True, None), (False, None), (False, "word2vec"), (False, "corrected")):
        out[f"alpha sg={sg} {grad}"] = _embedrs.default_alpha(sg=sg, cbow_gradient=grad)
    for sg in (True, False):
        out[f"output_weight sg={sg}"] = _embedrs.default_output_weight(sg=sg)
    return out


def run_key(spec: dict[str, Any]) -> str:
    """The cache key of a run: its settings (not where it writes)."""
    keep = {k: v for k, v in spec.items() if k not in ("out_dir", "corpus")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def load_cache(path: Path) -> dict[str, dict[str, Any]]:
    """Finished runs by key."""
    out: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out[rec["key"]] = rec
    return out


def summarise(values: list[float], digits: int) -> str:
    """``mean ± half-range`` of the seeds' values."""
    if not values:
        return "-"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {(max(values) - min(values)) / 2:.{digits}f}"


def render(records: list[dict[str, Any]]) -> str:
    """One Markdown table per (config, epochs): system/variant rows, the scores (analogy in
    percent) and raw words/s."""
    groups: dict[tuple[str, int], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in records:
        groups[(r["config"], r["epochs"])][r["label"]].append(r)
    out = []
    for (config, epochs), rows in sorted(groups.items()):
        out.append(f"\n### {config}, {epochs} epoch(s)\n")
        out.append("| system | seeds | analogy | WS353 | SimLex | raw words/s |")
        out.append("|---|---|---|---|---|---|")
        for label, runs in sorted(rows.items()):
            cells = [summarise([100 * r["analogy"] for r in runs], 2)]
            cells += [summarise([r[s] for r in runs], 3) for s in ("ws353", "simlex")]
            speed = statistics.fmean(r["raw_words_per_s"] for r in runs)
            out.append(f"| {label} | {len(runs)} | {' | '.join(cells)} | {speed:,.0f} |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("small", "full"), default="small")
    parser.add_argument(
        "--corpus-file",
        type=Path,
        help="any other corpus (one sentence per line, tokens separated by spaces) instead of "
        "--corpus: checks that defaults chosen on the shared corpus hold elsewhere",
    )
    parser.add_argument("--configs", default="cbow,sg")
    parser.add_argument("--epochs", default="1,2,5")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default=",".join(SYSTEMS))
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=JSON")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2")
    parser.add_argument("--grid-base", help="JSON settings every grid point shares")
    parser.add_argument("--no-default", action="store_true", help="no plain-defaults embedrs run")
    parser.add_argument(
        "--tag",
        help="a name for this code's embedrs runs (part of the cache key and the label): runs "
        "of a changed trainer are not taken from the cache",
    )
    parser.add_argument("--cache", type=Path, default=HERE / ".cache" / "quality.jsonl")
    parser.add_argument("--cached-only", action="store_true", help="print the cached results")
    parser.add_argument("--max-lines", type=int, help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(message)s",
    )
    configs = args.configs.split(",")
    epochs_list = [int(e) for e in args.epochs.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    systems = args.only.split(",")
    variants = parse_variants(args)
    if args.corpus_file is not None:
        if args.max_lines is not None:
            parser.error("--max-lines works only with --corpus")
        corpus_name, corpus = args.corpus_file.name, args.corpus_file
    else:
        corpus_name = (
            args.corpus if args.max_lines is None else f"{args.corpus}.head{args.max_lines}"
        )
        corpus = prepare_corpus(args.corpus, HERE / ".cache", args.max_lines)
    tokens = 0
    cache = load_cache(args.cache)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    wanted: list[dict[str, Any]] = []
    for config in configs:
        for epochs in epochs_list:
            for seed in seeds:
                for system in systems:
                    labels = variants.items() if system == "embedrs" else [(None, {})]
                    for vname, extra in labels:
                        spec = {
                            **FIXED,
                            "system": system,
                            "corpus_name": corpus_name,
                            "sg": CONFIGS[config],
                            "epochs": epochs,
                            "seed": seed,
                            "threads": args.threads,
                            "negative": None,
                            "sample": None,
                            "alpha": None,
                            "min_alpha": None,
                            "extra": extra,
                        }
                        if system == "embedrs":
                            # In the cache key: a run at "the defaults" is redone when they change.
                            spec["embedrs_defaults"] = embedrs_defaults()
                            if args.tag:
                                spec["tag"] = args.tag
                        label = system if vname is None else f"{system} {vname}"
                        if system == "embedrs" and args.tag:
                            label += f" [{args.tag}]"
                        wanted.append({"spec": spec, "label": label, "config": config})
    records = []
    for w in wanted:
        key = run_key(w["spec"])
        if key in cache:
            records.append(cache[key])
            continue
        if args.cached_only:
            continue
        if not tokens:
            tokens = count_corpus(corpus)[1]
        spec = {**w["spec"], "corpus": str(corpus)}
        logger.warning(
            "running %s %s %d epoch(s), seed %d",
            w["label"],
            w["config"],
            spec["epochs"],
            spec["seed"],
        )
        with tempfile.TemporaryDirectory() as tmp:
            res = run_and_score(spec, Path(tmp) / "run", tokens, keep=False)
        if "error" in res:
            logger.error("%s failed: %s", w["label"], res["error"])
            continue
        rec = {
            "key": key,
            "label": w["label"],
            "config": w["config"],
            "epochs": spec["epochs"],
            "seed": spec["seed"],
            "corpus": corpus_name,
            "threads": spec["threads"],
            "raw_words_per_s": res["raw_words_per_s"],
            "train_s": res["train_s"],
            **{s: res[s] for s in SCORES},
            "version": res.get("version"),
        }
        with open(args.cache, "a", encoding="utf-8") as fout:
            fout.write(json.dumps(rec) + "\n")
        records.append(rec)
        logger.warning(
            "  analogy %.2f  WS353 %.3f  SimLex %.3f  %.0f words/s",
            100 * rec["analogy"],
            rec["ws353"],
            rec["simlex"],
            rec["raw_words_per_s"],
        )
    print(
        f"corpus {corpus_name}, {args.threads} threads, vector_size 100, window 5, "
        "min_count 5; everything else at each library's defaults; mean ± half-range over "
        "seeds"
    )
    print(render(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
