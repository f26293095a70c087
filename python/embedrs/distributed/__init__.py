"""Large corpora on a Dask cluster: vocabulary counting, training and batch transform.

Requires the ``distributed`` extra (``pip install embedrs[distributed]``); ``import embedrs``
never imports dask, only ``import embedrs.distributed`` does.

- :func:`count_vocab` counts words with a Rust counter per partition and merges the counts
  in a tree; the result is exactly the single-process count.
- :func:`fit` trains word2vec in synchronous rounds: every worker keeps a resident replica of
  the model, trains its slice of the corpus with the Rust Hogwild core, and returns the rows
  it changed; the driver sums the changes and sends the sum to every replica (experimental).
- :func:`transform` computes document vectors partition by partition, with the model sent
  once per worker.

The building blocks :func:`count_partition` and :func:`transform_partition` are pure
functions, so other engines can reuse them. See ``docs/distributed.md``.

Examples
--------
>>> from dask.distributed import Client, LocalCluster  # doctest: +SKIP
>>> from embedrs import distributed as ed  # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
>>> corpus = ed.read_text("data/*.txt.gz")  # doctest: +SKIP
>>> vocab = ed.count_vocab(corpus, min_count=5, client=client)  # doctest: +SKIP
>>> model = ed.fit(corpus, vocab=vocab, vector_size=300, epochs=5, client=client)  # doctest: +SKIP
>>> vectors = ed.transform(model, corpus, client=client)  # doctest: +SKIP
"""

from __future__ import annotations

from . import _tokens  # noqa: F401  (registers the dask tokens of embedrs objects)
from ._cluster import read_text
from ._counting import count_partition, count_vocab, count_words
from ._training import fit
from ._transform import transform, transform_partition

__all__ = [
    "count_partition",
    "count_vocab",
    "count_words",
    "fit",
    "read_text",
    "transform",
    "transform_partition",
]
