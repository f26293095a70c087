"""Compatibility layers: other libraries' APIs backed by the embedrs core.

:mod:`embedrs.compat.gensim` gives gensim 4's ``Word2Vec``, ``KeyedVectors``, ``LineSentence``
and ``PathLineSentences``, so that a gensim script runs on embedrs by changing its import line
(see ``docs/coming-from-gensim.md``).
"""
