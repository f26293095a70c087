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
from typing import Any

import numpy as np
from scipy import stats

logger = logging.getLogger("embedrs.benches.evaluate")

#: Sections of ``questions-words.txt`` counted as semantic; ``gram*`` sections are syntactic.
SEMANTIC_SECTIONS = frozenset(
    {"capital-common-countries", "capital-world", "currency", "city-in-state", "family"}
)

#: Number of analogy questions scored per matrix product.
_CHUNK = 1000

_EVAL_DIR = Path("/work/shared/eval")
DEFAULT_ANALOGIES = _EVAL_DIR / "questions-words.txt"
DEFAULT_WORDSIM353 = _EVAL_DIR / "wordsim353.tsv"
DEFAULT_SIMLEX999 = _EVAL_DIR / "simlex999.txt"


def _check_inputs(words: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """Validate ``words``/``vectors`` and return the vectors as a 2-D float32 array."""
    vecs = np.asarray(vectors)
    if vecs.ndim != 2:
        raise ValueError(f"vectors must be 2-D, got shape {vecs.shape}")
    if vecs.shape[0] != len(words):
        raise ValueError(f"{len(words)} words but {vecs.shape[0]} vector rows")
    if vecs.dtype != np.float32:
        vecs = vecs.astype(np.float32)
    return vecs


def _lookup(words: Sequence[str], limit: int, case_insensitive: bool) -> dict[str, int]:
    """Map each (optionally lowercased) word among the first ``limit`` rows to its row.

    With ``case_insensitive``, the first (most frequent) row whose lowercase form matches wins,
    as in gensim (which builds ``{k.upper(): index for k in reversed(keys)}``).
    """
    table: dict[str, int] = {}
    for i, word in enumerate(words[:limit]):
        key = word.lower() if case_insensitive else word
        table.setdefault(key, i)
    return table


def _unit_rows(vecs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(unit_vectors, norms)`` in float32, computed the way gensim does.

    Zero rows keep a zero unit vector (gensim would produce NaNs there; they never match).
    """
    norms = np.linalg.norm(vecs, axis=1).astype(np.float32)
    safe = np.where(norms > 0, norms, np.float32(1.0))
    return (vecs / safe[:, None]).astype(np.float32, copy=False), safe


def _read_analogies(path: str | Path) -> list[tuple[str, list[list[str]]]]:
    """Parse a questions-words file into ``[(section, [[a, b, c, d], ...]), ...]``.

    Malformed question lines (not exactly four tokens) are skipped, like gensim does.
    """
    sections: list[tuple[str, list[list[str]]]] = []
    with open(path, encoding="utf-8") as fin:
        for line_no, line in enumerate(fin):
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise ValueError(f"missing section header before line #{line_no} in {path}")
            parts = line.split()
            if len(parts) != 4:
                logger.debug("skipping invalid line #%d in %s", line_no, path)
                continue
            sections[-1][1].append(parts)
    return sections


def _score_questions(
    idx: np.ndarray,
    *,
    unit: np.ndarray,
    norms: np.ndarray,
    vecs: np.ndarray,
    group: np.ndarray,
    members: dict[int, list[int]],
    lower_words: np.ndarray,
    answers: Sequence[str],
) -> int:
    """Count correctly answered questions; ``idx`` is an ``(m, 4)`` array of lookup rows.

    For each question, query ``q = unit(b) + unit(c) - unit(a)`` (normalised, as gensim's
    ``get_mean_vector``), similarity ``vecs @ q / norms`` over the restricted rows, excluding
    every row that is a case variant of ``a``, ``b`` or ``c``; correct if the best remaining
    row's lowercase form equals the expected answer.
    """
    correct = 0
    for start in range(0, idx.shape[0], _CHUNK):
        chunk = idx[start : start + _CHUNK]
        query = (unit[chunk[:, 1]] + unit[chunk[:, 2]]) - unit[chunk[:, 0]]
        qnorm = np.sqrt(np.sum(query * query, axis=1, dtype=np.float32))
        query /= np.where(qnorm > 0, qnorm, np.float32(1.0))[:, None]
        sims = (query @ vecs.T) / norms[None, :]
        rows_q: list[int] = []
        rows_w: list[int] = []
        for q, (a, b, c) in enumerate(chunk[:, :3]):
            for g in {int(group[a]), int(group[b]), int(group[c])}:
                for row in members.get(g, (g,)):
                    rows_q.append(q)
                    rows_w.append(row)
        sims[rows_q, rows_w] = -np.inf
        best = np.argmax(sims, axis=1)
        predicted = lower_words[best]
        expected = np.asarray(answers[start : start + _CHUNK], dtype=object)
        correct += int(np.count_nonzero(predicted == expected))
    return correct


def evaluate_analogies(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | Path = DEFAULT_ANALOGIES,
    restrict_vocab: int = 30000,
    case_insensitive: bool = True,
) -> dict[str, Any]:
    """Score 3CosAdd analogies ``a : b :: c : ?`` over the first ``restrict_vocab`` rows.

    Equivalent to gensim's ``evaluate_word_analogies(path, restrict_vocab, case_insensitive,
    dummy4unknown=False)``: questions with a word outside the restricted vocabulary are skipped.

    Args:
        words: Vocabulary, descending frequency.
        vectors: ``(len(words), d)`` float32 array.
        path: questions-words file (``: section`` headers, ``a b c d`` lines).
        restrict_vocab: Only the first ``restrict_vocab`` rows are answers and question words.
        case_insensitive: Compare lowercased words; a lowercase form maps to its most frequent
            row.

    Returns:
        ``accuracy`` (correct / evaluated, all sections), ``semantic`` and ``syntactic``
        (same over the 5 semantic resp. ``gram*`` sections; ``nan`` if none evaluated),
        ``correct``, ``total`` (evaluated questions), ``coverage`` (evaluated / all questions),
        and ``sections``: a list of dicts ``section, correct, total, questions, accuracy``.
    """
    vecs = _check_inputs(words, vectors)
    limit = min(restrict_vocab, len(words))
    vecs = np.ascontiguousarray(vecs[:limit])
    unit, norms = _unit_rows(vecs)
    lookup = _lookup(words, limit, case_insensitive)
    norm_words = [w.lower() if case_insensitive else w for w in words[:limit]]
    lower_words = np.asarray(norm_words, dtype=object)
    # group[i] = canonical row of row i's (lowercase) form; members lists groups of size > 1.
    group = np.fromiter((lookup[w] for w in norm_words), dtype=np.int64, count=limit)
    members: dict[int, list[int]] = {}
    for row, g in enumerate(group.tolist()):
        if g != row:
            members.setdefault(g, [g]).append(row)

    sections_out: list[dict[str, Any]] = []
    n_questions = 0
    for name, questions in _read_analogies(path):
        n_questions += len(questions)
        rows: list[list[int]] = []
        answers: list[str] = []
        for question in questions:
            keys = [w.lower() if case_insensitive else w for w in question]
            found = [lookup.get(k) for k in keys]
            if any(f is None for f in found):
                continue
            rows.append(found)  # type: ignore[arg-type]
            answers.append(keys[3])
        total = len(rows)
        correct = 0
        if total:
            idx = np.asarray(rows, dtype=np.int64)
            correct = _score_questions(
                idx,
                unit=unit,
                norms=norms,
                vecs=vecs,
                group=group,
                members=members,
                lower_words=lower_words,
                answers=answers,
            )
        sections_out.append(
            {
                "section": name,
                "correct": correct,
                "total": total,
                "questions": len(questions),
                "accuracy": correct / total if total else float("nan"),
            }
        )

    def _acc(selected: list[dict[str, Any]]) -> float:
        tot = sum(s["total"] for s in selected)
        return sum(s["correct"] for s in selected) / tot if tot else float("nan")

    correct_all = sum(s["correct"] for s in sections_out)
    total_all = sum(s["total"] for s in sections_out)
    return {
        "accuracy": correct_all / total_all if total_all else float("nan"),
        "semantic": _acc([s for s in sections_out if s["section"] in SEMANTIC_SECTIONS]),
        "syntactic": _acc([s for s in sections_out if s["section"].startswith("gram")]),
        "correct": correct_all,
        "total": total_all,
        "coverage": total_all / n_questions if n_questions else float("nan"),
        "sections": sections_out,
    }


def evaluate_pairs(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | Path,
    *,
    restrict_vocab: int = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
) -> dict[str, float]:
    """Correlate cosine similarity with human scores on a word-pair file.

    Equivalent to gensim's ``evaluate_word_pairs(path)`` with its defaults (tab separated,
    ``#`` comment lines, first 300,000 rows, case-insensitive, OOV pairs skipped).

    Returns:
        ``spearman`` and ``pearson`` correlation coefficients, ``oov_ratio`` (percentage of
        pairs skipped because a word is out of vocabulary; gensim's convention) and ``n_pairs``
        (pairs scored).
    """
    vecs = _check_inputs(words, vectors)
    limit = min(restrict_vocab, len(words))
    lookup = _lookup(words, limit, case_insensitive)
    gold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    oov = 0
    with open(path, encoding="utf-8") as fin:
        for line_no, line in enumerate(fin):
            if not line or line.startswith("#"):
                continue
            parts = line.split(delimiter)
            try:
                a, b, score = parts
                value = float(score)
            except ValueError:
                logger.debug("skipping invalid line #%d in %s", line_no, path)
                continue
            if case_insensitive:
                a, b = a.lower(), b.lower()
            ia, ib = lookup.get(a), lookup.get(b)
            if ia is None or ib is None:
                oov += 1
                continue
            gold.append(value)
            left.append(ia)
            right.append(ib)
    if not gold:
        raise ValueError(f"no in-vocabulary pairs in {path}")
    va = vecs[left]
    vb = vecs[right]
    na = np.linalg.norm(va, axis=1)
    nb = np.linalg.norm(vb, axis=1)
    cos = np.sum((va / na[:, None]) * (vb / nb[:, None]), axis=1)
    spearman = stats.spearmanr(gold, cos)
    pearson = stats.pearsonr(gold, cos)
    return {
        "spearman": float(spearman[0]),
        "pearson": float(pearson[0]),
        "oov_ratio": 100.0 * oov / (len(gold) + oov),
        "n_pairs": len(gold),
    }


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
