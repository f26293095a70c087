"""gensim 4's word2vec API on the embedrs core: change ``from gensim.models import Word2Vec,
KeyedVectors`` to ``from embedrs.compat.gensim import Word2Vec, KeyedVectors`` and a gensim
script runs unchanged, several times faster.

The submodules mirror gensim's: :mod:`.word2vec` (``Word2Vec``, ``LineSentence``,
``PathLineSentences``), :mod:`.keyedvectors` (``KeyedVectors``, ``REAL``,
``pseudorandom_weak_vector``), :mod:`.callbacks` (``CallbackAny2Vec``) and
:mod:`.word2vec_corpusfile` (``CythonLineSentence``). What differs from gensim, and why, is
listed in ``docs/coming-from-gensim.md``.

Examples
--------
>>> from embedrs.compat.gensim import Word2Vec
>>> sentences = [["human", "interface", "computer"], ["survey", "user", "computer"]] * 30
>>> model = Word2Vec(sentences, vector_size=16, min_count=1, seed=1)
>>> model.wv.most_similar("computer", topn=1)[0][0] in model.wv
True
"""

from __future__ import annotations

from .callbacks import CallbackAny2Vec
from .corpora import MAX_WORDS_IN_BATCH, LineSentence, PathLineSentences
from .keyedvectors import REAL, KeyedVectors, Word2VecKeyedVectors, pseudorandom_weak_vector
from .vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, keep_vocab_item
from .word2vec import Word2Vec
from .word2vec_corpusfile import CythonLineSentence

__all__ = [
    "MAX_WORDS_IN_BATCH",
    "REAL",
    "RULE_DEFAULT",
    "RULE_DISCARD",
    "RULE_KEEP",
    "CallbackAny2Vec",
    "CythonLineSentence",
    "KeyedVectors",
    "LineSentence",
    "PathLineSentences",
    "Word2Vec",
    "Word2VecKeyedVectors",
    "keep_vocab_item",
    "pseudorandom_weak_vector",
]
