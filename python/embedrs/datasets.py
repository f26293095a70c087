"""Data shipped with the package.

Examples
--------
>>> from embedrs.datasets import sample_corpus_path
>>> sample_corpus_path().name
'sample.txt.gz'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["sample_corpus_path"]


def sample_corpus_path() -> Path:
    """Path of the bundled sample corpus: 394k tokens of the King James Bible (public
    domain), one verse per line, gzip-compressed; see ``embedrs/data/README.md``."""
    return Path(__file__).with_name("data") / "sample.txt.gz"
