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
import os

from ._callbacks import EpochStats, Progress
from ._embedrs import __version__
from .datasets import sample_corpus_path
from .device import DeviceKeyedVectors, GPUUnavailableError, gpu_available
from .estimator import Word2Vec
from .exceptions import (
    DimensionError,
    EmbedrsError,
    EmbedrsFileNotFoundError,
    EmbedrsIOError,
    EmbedrsWarning,
    EmptyVocabularyError,
    FormatError,
    InvalidParameterError,
    OutOfVocabularyError,
    StopTraining,
    TrainingCancelledError,
    TruncatedFileError,
    UnsupportedParameterError,
)
from .keyed_vectors import KeyedVectors
from .phrases import ENGLISH_CONNECTOR_WORDS, Phrases

logging.getLogger("embedrs").addHandler(logging.NullHandler())


def load(path: str | os.PathLike[str], mmap: bool = False) -> Word2Vec | KeyedVectors:
    """Open a native embedrs file: a complete :class:`Word2Vec` model if the file holds one,
    else :class:`KeyedVectors`.

    With ``mmap=True`` the vectors are mapped read-only from the file (O(1), no copy; for a
    complete model the output matrix is still read into memory). The file must then stay as
    it is while the model is in use: replacing it through a save (an atomic rename) is safe,
    but truncating or rewriting it in place makes the mapped vectors change or the process die
    of SIGBUS, as with any memory map. Mapping is off by default, as in gensim.

    Examples
    --------
    >>> import embedrs, numpy as np, tempfile, os
    >>> kv = embedrs.KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     kv.save(os.path.join(d, "kv.embedrs"))
    ...     type(embedrs.load(os.path.join(d, "kv.embedrs"), mmap=False)).__name__
    'KeyedVectors'
    """
    import json

    from . import _embedrs

    native, syn1neg, meta, rare, syn1, syn0 = _embedrs.KeyedVectors.load_native(
        os.fspath(path), mmap
    )
    try:
        parsed = json.loads(meta) if meta else {}
    except ValueError as e:
        raise FormatError(f"{os.fspath(path)}: metadata is not valid JSON ({e})") from None
    kind = parsed.get("kind") if isinstance(parsed, dict) else None
    if kind == "Word2Vec" and syn1neg is not None:
        return Word2Vec._from_native_file(path, native, syn1neg, meta, rare, syn1, syn0)
    return KeyedVectors._from_native(native)


__all__ = [
    "ENGLISH_CONNECTOR_WORDS",
    "DeviceKeyedVectors",
    "DimensionError",
    "EmbedrsError",
    "EmbedrsFileNotFoundError",
    "EmbedrsIOError",
    "EmbedrsWarning",
    "EmptyVocabularyError",
    "EpochStats",
    "FormatError",
    "GPUUnavailableError",
    "InvalidParameterError",
    "KeyedVectors",
    "OutOfVocabularyError",
    "Phrases",
    "Progress",
    "StopTraining",
    "TrainingCancelledError",
    "TruncatedFileError",
    "UnsupportedParameterError",
    "Word2Vec",
    "__version__",
    "gpu_available",
    "load",
    "sample_corpus_path",
]
