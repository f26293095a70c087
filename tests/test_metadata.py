"""The installed distribution as a user sees it: one version number everywhere, and the
metadata PyPI and ``pip show embedrs`` display (classifiers, project URLs, keywords, licence).

These read the installed package's metadata, so they check the wheel ``make test`` installs
(or whatever ``pip install`` built), not the source tree.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import embedrs

CARGO_TOML = Path(__file__).resolve().parents[1] / "Cargo.toml"


def test_one_version_everywhere():
    version = md.version("embedrs")
    assert embedrs.__version__ == version
    out = subprocess.run(
        [sys.executable, "-m", "embedrs", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    assert out == f"embedrs {version}"
    if CARGO_TOML.exists():  # a checkout: Cargo.toml is the single source of the version
        cargo = re.search(r'(?m)^version = "([^"]+)"', CARGO_TOML.read_text(encoding="utf-8"))
        assert cargo is not None
        assert cargo.group(1) == version


def test_console_script_prints_the_same_version():
    exe = Path(sysconfig.get_path("scripts")) / (
        "embedrs.exe" if sys.platform == "win32" else "embedrs"
    )
    assert exe.exists(), exe
    out = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == f"embedrs {embedrs.__version__}"


def test_classifiers():
    classifiers = md.metadata("embedrs").get_all("Classifier") or []
    for wanted in [
        "Typing :: Typed",
        "Operating System :: MacOS",
        "Operating System :: Microsoft :: Windows",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Rust",
    ]:
        assert wanted in classifiers
    # the Python versions listed start at Requires-Python's lower bound
    listed = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert md.metadata("embedrs")["Requires-Python"] == ">=3.10"
    assert listed[0] == 10
    assert listed == list(range(10, listed[-1] + 1))
    # PEP 639: the licence is the SPDX expression, not a classifier
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_licence_urls_and_keywords():
    meta = md.metadata("embedrs")
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert {"LICENSE-MIT", "LICENSE-APACHE"} <= set(meta.get_all("License-File") or [])
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    for name in ["Documentation", "Changelog", "Issues", "Source"]:
        assert urls.get(name, "").startswith("https://"), name
    keywords = (meta["Keywords"] or "").split(",")
    assert "word2vec" in keywords
    assert meta["Summary"]


def test_typed_package_and_entry_point():
    files = {f.as_posix() for f in md.files("embedrs") or []}
    assert "embedrs/py.typed" in files
    assert "embedrs/_embedrs.pyi" in files
    scripts = {ep.name: ep.value for ep in md.entry_points(group="console_scripts")}
    assert scripts.get("embedrs") == "embedrs.cli:main"
