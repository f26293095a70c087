"""Sphinx configuration of the embedrs documentation site (``make docs``).

The API reference is generated from the numpy-style docstrings of the installed package (the
wheel ``make docs`` installs), the guides are the Markdown files beside this one, and the
examples in ``examples/`` are run by sphinx-gallery at every build, so their figures and
printed output are those of the code as it is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import embedrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _ext

project = "embedrs"
author = "The embedrs authors"
copyright = "2026, The embedrs authors"
version = release = embedrs.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "examples/README.rst", "**/sg_execution_times.rst"]
templates_path = ["_templates"]

# --- API reference: one page per public name, from the docstrings -------------------------
autosummary_generate = True
autosummary_imported_members = True
# No "inherited-members" key here: even False, Sphinx 9 lets it override a page's own
# :inherited-members: (the composed_class template asks for them).
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # the numpydoc sections carry the types
numpydoc_show_class_members = False  # the class template lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- Markdown (the guides) -------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- Examples, run at build time -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "write_computation_times": False,
    "abort_on_example_error": True,
    "min_reported_time": 1000,
}

# --- Output ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"embedrs {release}"
html_static_path: list[str] = []
html_theme_options = {
    "github_url": "https://github.com/embedrs/embedrs",
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
# No section navigation on the pages that have no sub-pages (it would be an empty column).
html_sidebars = {
    page: []
    for page in [
        "index", "install", "benchmarks", "changelog", "coming-from-gensim",
        "coming-from-keras", "phrases", "gpu", "distributed", "contributing",
    ]
}
html_show_sourcelink = False
os.environ.setdefault("MPLBACKEND", "Agg")


def _skip_sklearn_request_methods(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """Leave out the ``set_*_request`` methods scikit-learn generates on every estimator for
    its metadata routing: they are scikit-learn's API, documented there."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app: object) -> None:
    """Sphinx extension hook of this configuration."""
    app.connect("autodoc-skip-member", _skip_sklearn_request_methods)  # type: ignore[attr-defined]
