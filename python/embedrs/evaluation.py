"""Intrinsic evaluation of word vectors: analogies (3CosAdd) and word-pair similarity.

The functions give the same numbers as gensim 4's ``KeyedVectors.evaluate_word_analogies``
and ``evaluate_word_pairs`` (checked in the test suite on the shared evaluation sets), but
score the analogy questions of a section in batched matrix products instead of one query at a
time. :class:`embedrs.KeyedVectors` exposes them with gensim's signatures and return values.

Evaluation files are read as UTF-8, strictly: a byte that is not valid UTF-8 raises
:class:`~embedrs.FormatError` naming the file, the line and the byte, where corpus files
replace it with U+FFFD. A gold standard in another encoding (SimLex and WordSim copies in
Latin-1 exist) would otherwise score fewer pairs, silently; convert it first (``iconv -f
latin1 -t utf-8``). A missing or unreadable file raises
:class:`~embedrs.EmbedrsFileNotFoundError` or :class:`~embedrs.EmbedrsIOError` naming it.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from embedrs.evaluation import evaluate_pairs
>>> words = ["cat", "dog", "car"]
>>> vecs = np.array([[1, 0.1], [0.9, 0.3], [0, 1]], dtype=np.float32)
>>> with tempfile.TemporaryDirectory() as d:
...     p = os.path.join(d, "pairs.tsv")
...     _ = Path(p).write_text("cat\\tdog\\t9\\ncat\\tcar\\t2\\ndog\\tcar\\t3\\n")
...     round(evaluate_pairs(words, vecs, p)["spearman"], 3)
1.0
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from . import _embedrs, _validation
from .exceptions import FormatError, InvalidParameterError

__all__ = ["SEMANTIC_SECTIONS", "evaluate_analogies", "evaluate_pairs", "pair_scores"]

logger = logging.getLogger("embedrs")

#: Sections of ``questions-words.txt`` counted as semantic; ``gram*`` sections are syntactic.
SEMANTIC_SECTIONS = frozenset(
    {"capital-common-countries", "capital-world", "currency", "city-in-state", "family"}
)

#: Number of analogy questions scored per matrix product.
_CHUNK = 1000


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


#: First bytes of compressed files, for the message about a file that is not text.
_COMPRESSED = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz"}


def _read_text(path: str | os.PathLike[str]) -> str:
    """The text of an evaluation file, decoded as UTF-8 (strictly), with universal newlines.

    The file is read by the core (missing, unreadable, a directory or a pipe: an
    ``EmbedrsIOError`` naming it); a byte that is not UTF-8 is a ``FormatError`` naming the
    file, the line and the byte.
    """
    where = os.fspath(path)
    data = _embedrs.read_file(where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        packed = next((name for magic, name in _COMPRESSED.items() if data.startswith(magic)), "")
        hint = (
            f"the file is {packed}-compressed: decompress it first"
            if packed
            else "convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)"
        )
        raise FormatError(
            f"{where}: line {line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at column "
            f"{column}); evaluation files are read as UTF-8: {hint}"
        ) from None
    return text


def _lines(path: str | os.PathLike[str]) -> io.StringIO:
    """The lines of an evaluation file (see :func:`_read_text`), as ``open`` gives them."""
    return io.StringIO(_read_text(path), newline=None)


def _read_analogies(path: str | Path) -> list[tuple[str, list[list[str]]]]:
    """Parse a questions-words file into ``[(section, [[a, b, c, d], ...]), ...]``.

    Malformed question lines (not exactly four tokens) are skipped, like gensim does; a
    question before the first ``: section`` header is a ``FormatError`` naming the line.
    """
    sections: list[tuple[str, list[list[str]]]] = []
    for line_no, line in enumerate(_lines(path)):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            if not line.strip():
                continue
            raise FormatError(
                f"{os.fspath(path)}: line {line_no + 1}: missing section header (': name') "
                "before the first question"
            )
        parts = line.split()
        if len(parts) != 4:
            logger.debug("skipping invalid line #%d in %s", line_no, path)
            continue
        sections[-1][1].append(parts)
    return sections


def _check_options(restrict_vocab: Any, n_words: int, delimiter: Any = "\t") -> int:
    """How many rows are searched: ``restrict_vocab`` checked by the rule every query of
    :class:`~embedrs.KeyedVectors` uses (None for all, else an integer >= 1; numpy integers
    included), at most ``n_words``; and ``delimiter`` checked."""
    limit = _validation.restrict_vocab(restrict_vocab)
    if delimiter is not None and (not isinstance(delimiter, str) or not delimiter):
        raise InvalidParameterError(
            "invalid parameter delimiter: must be a non-empty str (or None for any "
            f"whitespace), got {delimiter!r}"
        )
    return n_words if limit is None else min(limit, n_words)


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
) -> np.ndarray:
    """Which questions are answered correctly; ``idx`` is an ``(m, 4)`` array of lookup rows.

    For each question, query ``q = unit(b) + unit(c) - unit(a)`` (normalised, as gensim's
    ``get_mean_vector``), similarity ``vecs @ q / norms`` over the restricted rows, excluding
    every row that is a case variant of ``a``, ``b`` or ``c``; correct if the best remaining
    row's lowercase form equals the expected answer.
    """
    hits = np.zeros(idx.shape[0], dtype=bool)
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
        hits[start : start + len(chunk)] = predicted == expected
    return hits


def evaluate_analogies(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | Path,
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
) -> dict[str, Any]:
    """Score 3CosAdd analogies ``a : b :: c : ?`` over the first ``restrict_vocab`` rows.

    Equivalent to gensim's ``evaluate_word_analogies(path, restrict_vocab, case_insensitive,
    dummy4unknown=False)``: questions with a word outside the restricted vocabulary are skipped.

    Args:
        words: Vocabulary, descending frequency.
        vectors: ``(len(words), d)`` float32 array.
        path: questions-words file (``: section`` headers, ``a b c d`` lines).
        restrict_vocab: Only the first ``restrict_vocab`` rows are answers and question words
            (None: all).
        case_insensitive: Compare lowercased words; a lowercase form maps to its most frequent
            row.

    Returns:
        ``accuracy`` (correct / evaluated, all sections), ``semantic`` and ``syntactic``
        (same over the 5 semantic resp. ``gram*`` sections; ``nan`` if none evaluated),
        ``correct``, ``total`` (evaluated questions), ``coverage`` (evaluated / all questions),
        and ``sections``: a list of dicts ``section, correct, total, questions, accuracy``.
    """
    limit = _check_options(restrict_vocab, len(words))
    vecs = _check_inputs(words, vectors)
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
        asked: list[tuple[str, ...]] = []
        for question in questions:
            keys = [w.lower() if case_insensitive else w for w in question]
            found = [lookup.get(k) for k in keys]
            if any(f is None for f in found):
                continue
            rows.append(found)  # type: ignore[arg-type]
            answers.append(keys[3])
            asked.append(
                tuple(w.upper() for w in question) if case_insensitive else tuple(question)
            )
        total = len(rows)
        correct = 0
        hits = np.zeros(0, dtype=bool)
        if total:
            idx = np.asarray(rows, dtype=np.int64)
            hits = _score_questions(
                idx,
                unit=unit,
                norms=norms,
                vecs=vecs,
                group=group,
                members=members,
                lower_words=lower_words,
                answers=answers,
            )
            correct = int(np.count_nonzero(hits))
        sections_out.append(
            {
                "section": name,
                "correct_questions": [q for q, h in zip(asked, hits, strict=True) if h],
                "incorrect_questions": [q for q, h in zip(asked, hits, strict=True) if not h],
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


def pair_scores(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | Path,
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
) -> tuple[list[float], np.ndarray, float]:
    """Gold scores, cosines and the OOV percentage of a word-pair file."""
    limit = _check_options(restrict_vocab, len(words), delimiter)
    vecs = _check_inputs(words, vectors)
    lookup = _lookup(words, limit, case_insensitive)
    gold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    oov = 0
    for line_no, line in enumerate(_lines(path)):
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
    return gold, cos, 100.0 * oov / (len(gold) + oov)


def evaluate_pairs(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | Path,
    *,
    restrict_vocab: int | None = 300000,
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
    gold, cos, oov_ratio = pair_scores(
        words, vectors, path, restrict_vocab, case_insensitive, delimiter
    )
    spearman = stats.spearmanr(gold, cos)
    pearson = stats.pearsonr(gold, cos)
    return {
        "spearman": float(spearman[0]),
        "pearson": float(pearson[0]),
        "oov_ratio": oov_ratio,
        "n_pairs": len(gold),
    }
