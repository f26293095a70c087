"""Word-embedding evaluation with numpy/scipy only, matching gensim 4.x's scores.

Works on a plain ``(words, vectors)`` pair: ``words`` is a list of ``n`` strings ordered by
descending corpus frequency and ``vectors`` a float32 array of shape ``(n, d)`` whose row ``i``
is the vector of ``words[i]``.  That is what the benchmark children save, and what both
``gensim``'s ``KeyedVectors`` and ``embedrs`` expose (``index_to_key`` / ``vectors``).

* :func:`evaluate_analogies` reproduces ``KeyedVectors.evaluate_word_analogies(path,
  restrict_vocab=..., case_insensitive=True)`` (3CosAdd, the ``compute-accuracy`` rule of the
  original word2vec), batched into matrix products so the full Google set takes well under a
  second instead of gensim's minute-long per-question loop.
* :func:`evaluate_pairs` reproduces ``KeyedVectors.evaluate_word_pairs(path)`` (Spearman rho
  of cosine similarity against human scores, out-of-vocabulary pairs skipped).

``python benches/evaluate.py --selfcheck CORPUS`` trains a small gensim model on the first
lines of ``CORPUS`` and prints these functions' numbers next to gensim's own.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from embedrs.evaluation import evaluate_analogies, evaluate_pairs

logger = logging.getLogger("embedrs.benches.evaluate")

_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEFAULT_ANALOGIES = _EVAL_DIR / "questions-words.txt"
DEFAULT_WORDSIM353 = _EVAL_DIR / "wordsim353.tsv"
DEFAULT_SIMLEX999 = _EVAL_DIR / "simlex999.txt"


def load_vectors(directory: str | Path) -> tuple[list[str], np.ndarray]:
    """Load ``words.txt`` (one word per line) and ``vectors.npy`` saved by the benchmark."""
    directory = Path(directory)
    with open(directory / "words.txt", encoding="utf-8") as fin:
        words = fin.read().split("\n")
    if words and words[-1] == "":
        words.pop()
    vectors = np.load(directory / "vectors.npy")
    return words, vectors


def _case_variant_model(words: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Build a vocabulary with upper/title-case duplicates to exercise case folding.

    Every 3rd of the first 3,000 words gets a title-case twin placed right *before* it (so the
    variant is the more frequent row) and every 5th an upper-case twin appended at the end;
    twins get the original vector plus noise.
    """
    rng = np.random.default_rng(0)
    out_words: list[str] = []
    out_rows: list[np.ndarray] = []
    tail_words: list[str] = []
    tail_rows: list[np.ndarray] = []
    scale = float(np.std(vectors))
    for i, (word, vec) in enumerate(zip(words, vectors, strict=True)):
        if i < 3000 and i % 3 == 0 and word.title() != word:
            out_words.append(word.title())
            out_rows.append(vec + rng.normal(0, scale, vec.shape).astype(np.float32))
        out_words.append(word)
        out_rows.append(vec)
        if i < 3000 and i % 5 == 0 and word.upper() != word:
            tail_words.append(word.upper())
            tail_rows.append(vec + rng.normal(0, scale, vec.shape).astype(np.float32))
    return out_words + tail_words, np.asarray(out_rows + tail_rows, dtype=np.float32)


def _selfcheck(corpus: str, max_lines: int = 20000, epochs: int = 3) -> bool:
    """Train gensim on the first ``max_lines`` of ``corpus``; compare our scores with gensim's.

    Checks the plain model and a copy with added case variants. Prints a comparison table and
    returns True when analogy accuracy and Spearman rho agree to 4 decimals.
    """
    from gensim.models import KeyedVectors, Word2Vec

    with open(corpus, encoding="utf-8") as fin:
        sentences = [line.split() for line in islice(fin, max_lines)]
    logger.info("training gensim on %d lines, %d epoch(s)", len(sentences), epochs)
    model = Word2Vec(
        sentences,
        vector_size=100,
        window=5,
        min_count=5,
        sg=1,
        negative=5,
        hs=0,
        sample=1e-3,
        workers=2,
        epochs=epochs,
        seed=1,
    )
    base_words = list(model.wv.index_to_key)
    base_vectors = np.asarray(model.wv.vectors, dtype=np.float32)
    case_words, case_vectors = _case_variant_model(base_words, base_vectors)

    ok = True
    rows: list[tuple[str, str, float, float, float, float]] = []
    for label, words, vectors in (
        ("plain", base_words, base_vectors),
        ("case-variants", case_words, case_vectors),
    ):
        kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
        kv.add_vectors(words, vectors)
        # Round-trip through the on-disk format the benchmark uses.
        with tempfile.TemporaryDirectory() as tmp:
            np.save(Path(tmp) / "vectors.npy", vectors)
            Path(tmp, "words.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")
            words_rt, vectors_rt = load_vectors(tmp)

        t0 = time.perf_counter()
        ours = evaluate_analogies(words_rt, vectors_rt, DEFAULT_ANALOGIES, restrict_vocab=30000)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        g_score, g_sections = kv.evaluate_word_analogies(
            str(DEFAULT_ANALOGIES), restrict_vocab=30000, case_insensitive=True
        )
        t_gensim = time.perf_counter() - t0
        g_total = g_sections[-1]
        g_n = len(g_total["correct"]) + len(g_total["incorrect"])
        rows.append((label, "analogy acc", ours["accuracy"], float(g_score), t_ours, t_gensim))
        rows.append((label, "analogy n", ours["total"], g_n, 0.0, 0.0))
        ok &= round(ours["accuracy"], 4) == round(float(g_score), 4) and ours["total"] == g_n
        for ours_sec, g_sec in zip(ours["sections"], g_sections[:-1], strict=True):
            g_c = len(g_sec["correct"])
            if ours_sec["correct"] != g_c:
                logger.warning(
                    "%s section %s: ours %d correct, gensim %d",
                    label,
                    ours_sec["section"],
                    ours_sec["correct"],
                    g_c,
                )
        for name, path in (("WS353", DEFAULT_WORDSIM353), ("SimLex", DEFAULT_SIMLEX999)):
            t0 = time.perf_counter()
            mine = evaluate_pairs(words_rt, vectors_rt, path)
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            pearson, spearman, oov = kv.evaluate_word_pairs(str(path))
            t_gensim = time.perf_counter() - t0
            rows.append(
                (label, f"{name} spearman", mine["spearman"], float(spearman[0]), t_ours, t_gensim)
            )
            rows.append((label, f"{name} pearson", mine["pearson"], float(pearson[0]), 0, 0))
            rows.append((label, f"{name} oov %", mine["oov_ratio"], float(oov), 0, 0))
            ok &= round(mine["spearman"], 4) == round(float(spearman[0]), 4)
            ok &= abs(mine["oov_ratio"] - float(oov)) < 1e-9

    print(
        f"self-check on {corpus} (first {len(sentences)} lines, {epochs} epoch(s), "
        f"vocab {len(base_words)})"
    )
    print("| model | metric | evaluate.py | gensim | ours s | gensim s |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, metric, mine_v, theirs_v, t_m, t_g in rows:
        print(f"| {label} | {metric} | {mine_v:.6f} | {theirs_v:.6f} | {t_m:.3f} | {t_g:.3f} |")
    print("SELFCHECK", "PASS" if ok else "FAIL")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--selfcheck CORPUS`` or score a saved ``words.txt``/``vectors.npy`` dir."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--selfcheck", metavar="CORPUS", help="compare with gensim on CORPUS")
    group.add_argument("--vectors", metavar="DIR", help="score DIR/words.txt + DIR/vectors.npy")
    parser.add_argument("--max-lines", type=int, default=20000, help="self-check corpus lines")
    parser.add_argument("--epochs", type=int, default=3, help="self-check training epochs")
    parser.add_argument("--restrict-vocab", type=int, default=30000)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.selfcheck:
        return 0 if _selfcheck(args.selfcheck, args.max_lines, args.epochs) else 1
    words, vectors = load_vectors(args.vectors)
    res = evaluate_analogies(words, vectors, DEFAULT_ANALOGIES, args.restrict_vocab)
    print(
        f"analogy {100 * res['accuracy']:.2f}% (semantic {100 * res['semantic']:.2f}%, "
        f"syntactic {100 * res['syntactic']:.2f}%, {res['correct']}/{res['total']}, "
        f"coverage {100 * res['coverage']:.1f}%)"
    )
    for name, path in (("WS353", DEFAULT_WORDSIM353), ("SimLex-999", DEFAULT_SIMLEX999)):
        pr = evaluate_pairs(words, vectors, path)
        print(
            f"{name}: spearman {pr['spearman']:.4f} pearson {pr['pearson']:.4f} "
            f"oov {pr['oov_ratio']:.1f}% n={pr['n_pairs']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
