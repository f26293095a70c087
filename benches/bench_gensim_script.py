"""The same gensim script on gensim and on embedrs, side by side.

Runs ``benches/gensim_script.py`` (train, save, load, query, evaluate, written for gensim 4)
as it is, and with its one import line changed from ``from gensim.models import ...`` to
``from embedrs.compat.gensim import ...``, each in a fresh interpreter, alternating, and
prints their outputs and timings side by side. Figures from a shared or busy machine are
indicative only: rerun on a quiet one before quoting them.

Usage::

    python benches/bench_gensim_script.py [--corpus PATH] [--eval DIR] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
SCRIPT = HERE / "gensim_script.py"
GENSIM_IMPORT = "from gensim.models import "
EMBEDRS_IMPORT = "from embedrs.compat.gensim import "


def variants() -> dict[str, str]:
    """The script as written, and with its one import line changed."""
    text = SCRIPT.read_text()
    if text.count(GENSIM_IMPORT) != 1:
        raise SystemExit(f"{SCRIPT}: expected exactly one {GENSIM_IMPORT!r} line")
    return {"gensim": text, "embedrs": text.replace(GENSIM_IMPORT, EMBEDRS_IMPORT)}


def run(name: str, text: str, corpus: Path, evaluation: Path) -> tuple[list[str], float]:
    """Runs one variant in a fresh interpreter; its output lines and wall seconds."""
    with tempfile.TemporaryDirectory() as d:
        script = Path(d) / f"{name}_script.py"
        script.write_text(text)
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, str(script), str(corpus), str(evaluation), d],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        wall = time.perf_counter() - t0
    if r.returncode:
        raise SystemExit(f"{name} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout.splitlines(), wall


def timings(lines: list[str]) -> dict[str, float]:
    last = next(ln for ln in reversed(lines) if ln.startswith("timings: "))
    return {k: float(v) for k, v in re.findall(r"([\w+]+) ([\d.]+)s", last)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "embedrs-corpus-small.txt")
    ap.add_argument("--eval", type=Path, default=SHARED / "eval")
    ap.add_argument("--runs", type=int, default=1, help="runs of each, alternating")
    args = ap.parse_args()

    scripts = variants()
    outputs: dict[str, list[str]] = {}
    times: dict[str, list[dict[str, float]]] = {name: [] for name in scripts}
    for _ in range(args.runs):
        for name, text in scripts.items():
            lines, wall = run(name, text, args.corpus, args.eval)
            outputs[name] = lines
            times[name].append({**timings(lines), "whole script": wall})

    print(f"corpus: {args.corpus} ({args.corpus.stat().st_size / 1e6:.1f} MB), "
          f"{args.runs} run(s) each, median seconds\n")
    left = [ln for ln in outputs["gensim"] if not ln.startswith("timings")]
    right = [ln for ln in outputs["embedrs"] if not ln.startswith("timings")]
    width = max(len(ln) for ln in left) + 2
    print(f"{'gensim 4.4':<{width}}| embedrs.compat.gensim")
    print("-" * width + "+" + "-" * (width + 2))
    for a, b in zip(left, right, strict=True):
        print(f"{a:<{width}}| {b}")
    print()
    print(f"{'step':<14}{'gensim':>10}{'embedrs':>10}{'speed-up':>10}")
    for step in times["gensim"][0]:
        g = statistics.median(t[step] for t in times["gensim"])
        e = statistics.median(t[step] for t in times["embedrs"])
        print(f"{step:<14}{g:>10.2f}{e:>10.2f}{g / e:>9.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
