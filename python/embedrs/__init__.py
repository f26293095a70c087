"""embedrs: fast word2vec training in Rust with a scikit-learn API.

Examples
--------
>>> import embedrs
>>> model = embedrs.Word2Vec(vector_size=16, min_count=1, epochs=1, n_jobs=1, random_state=0)
>>> model = model.fit([["hello", "world"], ["hello", "there"]] * 20)
>>> "hello" in model.wv_
True
"""

from __future__ import annotations

import logging

from ._callbacks import EpochStats, Progress
from ._embedrs import __version__
from .datasets import sample_corpus_path
from .estimator import Word2Vec
from .exceptions import (
    DimensionError,
    EmbedrsError,
    EmbedrsIOError,
    EmbedrsWarning,
    EmptyVocabularyError,
    FormatError,
    InvalidParameterError,
    OutOfVocabularyError,
    StopTraining,
    TrainingCancelledError,
)
from .keyed_vectors import KeyedVectors

logging.getLogger("embedrs").addHandler(logging.NullHandler())

__all__ = [
    "DimensionError",
    "EmbedrsError",
    "EmbedrsIOError",
    "EmbedrsWarning",
    "EmptyVocabularyError",
    "EpochStats",
    "FormatError",
    "InvalidParameterError",
    "KeyedVectors",
    "OutOfVocabularyError",
    "Progress",
    "StopTraining",
    "TrainingCancelledError",
    "Word2Vec",
    "__version__",
    "sample_corpus_path",
]
