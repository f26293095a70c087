"""Training callbacks (embedrs._callbacks): a callback that raises in the middle of an epoch
aborts training promptly and leaves the previous model as it was. (Callbacks seen through
Word2Vec.fit with the estimator's test model, event order, StopTraining, epoch snapshots, are
in test_estimator.py.)"""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import planted_corpus, small


def test_exception_in_on_progress_mid_epoch():
    corpus = planted_corpus(n_sentences=40000, seed=5)
    model = small(epochs=3).fit(corpus[:500])
    before = model.wv_.vectors.copy()
    words, losses = list(model.wv_.index_to_key), list(model.training_loss_)
    seen = []

    class Boom:
        def on_progress(self, model, progress):
            seen.append(progress)
            raise RuntimeError("boom in on_progress")

    t = time.perf_counter()
    with pytest.raises(RuntimeError, match="boom in on_progress"):
        model.set_params(epochs=200).fit(corpus, callbacks=[Boom()])
    assert time.perf_counter() - t < 30
    assert len(seen) == 1
    p = seen[0]
    assert 0 < p.words_done < p.words_total  # raised mid-run
    # The failed fit changed nothing: the previous model is intact ...
    np.testing.assert_array_equal(model.wv_.vectors, before)
    assert model.wv_.index_to_key == words
    assert model.training_loss_ == losses
    # ... and the estimator still trains.
    assert model.set_params(epochs=1).fit(corpus[:300]) is model
    assert len(model.training_loss_) == 1
