"""Intrinsic evaluation of keyed vectors with gensim's signatures and return values (the
scoring itself, batched, is in :mod:`embedrs.evaluation`)."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import _validation
from ..exceptions import InvalidParameterError
from .similarity import Similarity

__all__ = ["Evaluation"]

logger = logging.getLogger("embedrs")

_SIMILARITY_FUNCTIONS = ("most_similar", "most_similar_cosmul")


def _unsupported_dummy4unknown(value: Any) -> None:
    if value:
        raise InvalidParameterError(
            "invalid parameter dummy4unknown: only False is supported (questions and pairs "
            "with an unknown word are skipped and counted in the OOV ratio), got True"
        )


class Evaluation(Similarity):
    """Evaluation: see :class:`embedrs.KeyedVectors`."""

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike[str],
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> tuple[float, list[dict[str, Any]]]:
        """Accuracy on an analogy file (``: section`` headers, ``a b c d`` lines), 3CosAdd.

        The same numbers as gensim's ``evaluate_word_analogies`` with the same arguments:
        questions with a word outside the first ``restrict_vocab`` rows are skipped.
        ``similarity_function="most_similar_cosmul"`` is accepted and, as in gensim 4.4,
        scored with 3CosAdd all the same (a log message says so).

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from pathlib import Path
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["king", "queen", "man", "woman"],
        ...                   np.array([[1, 1], [1, -1], [0.2, 1], [0.2, -1]], np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "q.txt")
        ...     _ = Path(p).write_text(": family\\nman woman king queen\\n")
        ...     score, sections = kv.evaluate_word_analogies(p)
        >>> score, sections[-1]["correct"]
        (1.0, [('MAN', 'WOMAN', 'KING', 'QUEEN')])

        Returns
        -------
        score : float
            Accuracy over every evaluated question.
        sections : list of dict
            Per section ``{"section", "correct", "incorrect"}`` (lists of question tuples,
            upper-cased when ``case_insensitive``), then a ``"Total accuracy"`` entry.
        """
        from ..evaluation import evaluate_analogies

        restrict = _validation.restrict_vocab(restrict_vocab)
        _unsupported_dummy4unknown(dummy4unknown)
        if similarity_function not in _SIMILARITY_FUNCTIONS:
            raise InvalidParameterError(
                "invalid parameter similarity_function: must be 'most_similar' or "
                f"'most_similar_cosmul', got {similarity_function!r}"
            )
        if similarity_function != "most_similar":
            logger.warning(
                "evaluate_word_analogies scores with 3CosAdd (most_similar) whatever "
                "similarity_function says, as gensim 4.4 does"
            )
        r = evaluate_analogies(
            self.index_to_key,
            self.vectors,
            os.fspath(analogies),
            len(self) if restrict is None else restrict,
            case_insensitive,
        )
        sections = [
            {
                "section": s["section"],
                "correct": s["correct_questions"],
                "incorrect": s["incorrect_questions"],
            }
            for s in r["sections"]
        ]
        sections.append(
            {
                "section": "Total accuracy",
                "correct": [q for s in sections for q in s["correct"]],
                "incorrect": [q for s in sections for q in s["incorrect"]],
            }
        )
        score = float(r["accuracy"]) if r["total"] else 0.0
        return score, sections

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike[str],
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Correlation of cosine similarity with human scores (WordSim353, SimLex-999 format).

        Returns ``((pearson, p), (spearman, p), oov_percent)`` like gensim.

        Examples
        --------
        >>> import numpy as np, tempfile, os
        >>> from pathlib import Path
        >>> from embedrs import KeyedVectors
        >>> kv = KeyedVectors(["cat", "dog", "car"],
        ...                   np.array([[1, 0.1], [0.9, 0.3], [0, 1]], np.float32))
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "pairs.tsv")
        ...     rows = ["cat\\tdog\\t9", "cat\\tcar\\t2", "dog\\tcar\\t3", "x\\ty\\t1"]
        ...     _ = Path(p).write_text("\\n".join(rows) + "\\n")
        ...     _, (rho, _), oov = kv.evaluate_word_pairs(p)
        >>> round(rho, 3), oov
        (1.0, 25.0)
        """
        from scipy import stats

        from ..evaluation import pair_scores

        restrict = _validation.restrict_vocab(restrict_vocab)
        _unsupported_dummy4unknown(dummy4unknown)
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            raise InvalidParameterError(
                f"invalid parameter encoding: only 'utf8' is supported, got {encoding!r}"
            )
        gold, cos, oov = pair_scores(
            self.index_to_key,
            self.vectors,
            os.fspath(pairs),
            len(self) if restrict is None else restrict,
            case_insensitive,
            delimiter,
        )
        p = stats.pearsonr(gold, cos)
        s = stats.spearmanr(gold, cos)
        return (float(p[0]), float(p[1])), (float(s[0]), float(s[1])), oov
