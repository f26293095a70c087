"""gensim's vocabulary rules, as functions of the counts the core collected: ``trim_rule``
(``keep_vocab_item``), ``min_count`` raised by ``max_final_vocab``, online updates, and the
report of ``prepare_vocab``; and gensim's checks of a corpus argument.

Examples
--------
>>> p = prepare([("the", 9), ("cat", 3), ("sat", 1)], min_count=2, max_final_vocab=None,
...             sample=0, trim_rule=None)
>>> p.words, p.counts, p.report["drop_unique"], p.effective_min_count
(['the', 'cat'], [9, 3], 1, 2)
"""

from __future__ import annotations

import math
import os
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "RULE_DEFAULT",
    "RULE_DISCARD",
    "RULE_KEEP",
    "Prepared",
    "check_corpus",
    "downsampling",
    "keep_vocab_item",
    "prepare",
]

#: What a ``trim_rule(word, count, min_count)`` returns (gensim's ``utils.RULE_*``).
RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2


def keep_vocab_item(
    word: str, count: int, min_count: int, trim_rule: Callable[..., Any] | None = None
) -> bool:
    """gensim's rule: ``trim_rule`` decides (RULE_KEEP, RULE_DISCARD), else ``count >=
    min_count``."""
    default = count >= min_count
    if trim_rule is None:
        return default
    rule = trim_rule(word, count, min_count)
    if rule == RULE_KEEP:
        return True
    if rule == RULE_DISCARD:
        return False
    return default


@dataclass
class Prepared:
    """A vocabulary in row order, with gensim's report of how it was made."""

    words: list[str]
    counts: list[int]
    report: dict[str, int]
    effective_min_count: int


def prepare(
    items: Sequence[tuple[str, int]],
    *,
    min_count: int,
    max_final_vocab: int | None,
    sample: float,
    trim_rule: Callable[..., Any] | None,
    existing: tuple[list[str], list[int]] | None = None,
    null_word: bool = False,
) -> Prepared:
    """gensim's ``prepare_vocab`` over ``items`` (the scanned counts, most frequent first):
    ``min_count`` raised by ``max_final_vocab`` without splitting ties, ``trim_rule``; with
    ``existing`` (words and counts of a trained model), new words that pass are appended and
    every existing word's count grows by its count in ``items``."""
    counts = np.fromiter((c for _, c in items), np.int64, len(items))
    emc = int(min_count)
    if max_final_vocab is not None and max_final_vocab < len(items):
        emc = max(int(counts[max_final_vocab]) + 1, emc)
    if trim_rule is None:
        keep = counts >= emc
    else:
        keep = np.fromiter(
            (keep_vocab_item(w, c, emc, trim_rule) for w, c in items), bool, len(items)
        )
    kept = [items[i] for i in np.flatnonzero(keep).tolist()]
    if existing is None:
        words = [w for w, _ in kept]
        word_counts = [c for _, c in kept]
        if null_word and "\0" not in words:
            words.append("\0")
            word_counts.append(1)
    else:
        old_words, old_counts = existing
        known = set(old_words)
        raw = dict(items)
        new = [(w, c) for w, c in kept if w not in known]
        words = old_words + [w for w, _ in new]
        word_counts = [c + raw.get(w, 0) for w, c in zip(old_words, old_counts, strict=True)]
        word_counts += [c for _, c in new]
    retain_total = sum(c for _, c in kept)
    report = downsampling([c for _, c in kept], retain_total, sample)
    report.update(
        drop_unique=len(items) - len(kept), retain_total=retain_total, num_retained_words=len(kept)
    )
    return Prepared(words, word_counts, report, emc)


def downsampling(retained: list[int], retain_total: int, sample: float) -> dict[str, int]:
    """gensim's report of the subsampling of ``sample`` (the core applies the same keep
    probability, ``sqrt(t/f) + t/f``, while training)."""
    if not retained:
        return {"downsample_unique": 0, "downsample_total": 0}
    c = np.asarray(retained, np.float64)
    if not sample:
        threshold = float(retain_total)
    elif sample < 1.0:
        threshold = sample * retain_total
    else:
        threshold = float(int(sample * (3 + math.sqrt(5)) / 2))
    p = (np.sqrt(c / threshold) + 1) * (threshold / c)
    down = p < 1.0
    total = float(np.sum(np.where(down, p * c, c)))
    return {"downsample_unique": int(down.sum()), "downsample_total": int(total)}


def check_corpus(corpus_iterable: Any = None, corpus_file: Any = None, passes: int = 1) -> None:
    """gensim's checks of a corpus argument, with its TypeErrors (a compressed
    ``corpus_file`` is fine: the core reads it)."""
    if corpus_file is None and corpus_iterable is None:
        raise TypeError("Either one of corpus_file or corpus_iterable value must be provided")
    if corpus_file is not None and corpus_iterable is not None:
        raise TypeError(
            "Both corpus_file and corpus_iterable must not be provided at the same time"
        )
    if corpus_iterable is None and not os.path.isfile(os.fspath(corpus_file)):
        raise TypeError(
            f"Parameter corpus_file must be a valid path to a file, got {corpus_file!r} instead"
        )
    if corpus_iterable is not None and not isinstance(corpus_iterable, Iterable):
        raise TypeError(
            "The corpus_iterable must be an iterable of lists of strings, got "
            f"{corpus_iterable!r} instead"
        )
    if isinstance(corpus_iterable, types.GeneratorType) and passes > 1:
        raise TypeError(
            f"Using a generator as corpus_iterable can't support {passes} passes. Try a "
            "re-iterable sequence."
        )
