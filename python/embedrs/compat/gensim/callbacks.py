"""gensim's training callbacks (``gensim.models.callbacks``).

Subclass :class:`CallbackAny2Vec` and pass instances to ``Word2Vec(..., callbacks=[...])`` or
``train(..., callbacks=[...])``: ``on_train_begin(model)``, ``on_epoch_begin(model)``,
``on_epoch_end(model)`` and ``on_train_end(model)`` are called as gensim calls them. During
training, ``model.wv`` in ``on_epoch_end`` holds the vectors as they are at the end of that
epoch (a copy), and ``model.get_latest_training_loss()`` the loss of the epochs so far (with
``compute_loss=True``); ``model.syn1neg`` is updated when ``train`` returns.

Examples
--------
>>> from embedrs.compat.gensim import Word2Vec
>>> class EpochLogger(CallbackAny2Vec):
...     def __init__(self):
...         self.epoch = 0
...     def on_epoch_end(self, model):
...         self.epoch += 1
>>> logger = EpochLogger()
>>> _ = Word2Vec([["a", "b"], ["b", "c"]] * 20, min_count=1, epochs=3, callbacks=[logger])
>>> logger.epoch
3
"""

from __future__ import annotations

from typing import Any

__all__ = ["CallbackAny2Vec"]


class CallbackAny2Vec:
    """Base class of training callbacks: every method does nothing until overridden."""

    def on_epoch_begin(self, model: Any) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self, model: Any) -> None:
        """Called at the end of each epoch."""

    def on_batch_begin(self, model: Any) -> None:
        """Never called (gensim 4 does not call it either)."""

    def on_batch_end(self, model: Any) -> None:
        """Never called (gensim 4 does not call it either)."""

    def on_train_begin(self, model: Any) -> None:
        """Called when ``train`` starts."""

    def on_train_end(self, model: Any) -> None:
        """Called when ``train`` ends."""


class EpochEvents:
    """What the core's training events become for gensim callbacks (one object handed to
    the dispatcher): the epoch's vectors are set as ``model.wv`` before ``on_epoch_end``."""

    def __init__(self, model: Any, callbacks: list[Any], compute_loss: bool) -> None:
        self.model = model
        self.callbacks = callbacks
        self.compute_loss = compute_loss
        self.loss = 0.0

    def on_epoch_begin(self, model: Any, epoch: int) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(self.model)

    def on_epoch_end(self, model: Any, stats: Any) -> None:
        self.loss += float(stats.loss)
        if self.compute_loss:
            self.model.running_training_loss = self.loss

    def on_epoch_vectors(self, model: Any, epoch: int, kv: Any) -> None:
        self.model.wv = kv
        for cb in self.callbacks:
            cb.on_epoch_end(self.model)
