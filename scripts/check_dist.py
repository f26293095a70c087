"""Checks what `make sdist` and `make wheel` built: the files each holds and the wheel's tags.

    python scripts/check_dist.py sdist dist/embedrs-X.tar.gz
    python scripts/check_dist.py wheel dist/embedrs-X-....whl --auditwheel auditwheel.txt

The sdist must hold everything a build needs (it is what `make wheel` builds from) and none of
the test corpora, fuzzing inputs, benchmarks or CI files; the wheel must be the abi3 CPython >=
3.10 manylinux_2_17 x86_64 wheel, carry the package metadata users see on PyPI, and ship the
sample corpus but no tests. Exits non-zero naming every problem.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SDIST_REQUIRED = [
    "Cargo.toml",
    "Cargo.lock",
    "pyproject.toml",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "PKG-INFO",
    "rust/lib.rs",
    "rust/train/kernels/mod.rs",
    "python/embedrs/__init__.py",
    "python/embedrs/_embedrs.pyi",
    "python/embedrs/py.typed",
    "python/embedrs/data/sample.txt.gz",
]
SDIST_FORBIDDEN = ["tests/", "benches/", "fuzz/", "docs/", "tools/", "scripts/", ".ci/", ".github/"]
MAX_SDIST_BYTES = 2_000_000  # today ~0.8 MB, most of it the sample corpus

WHEEL_REQUIRED = [
    "embedrs/__init__.py",
    "embedrs/_embedrs.pyi",
    "embedrs/py.typed",
    "embedrs/data/sample.txt.gz",
]


def cargo_version() -> str:
    """The package version in Cargo.toml, the single source of every version number."""
    found = re.search(r'(?m)^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text("utf-8"))
    assert found, "no version in Cargo.toml"
    return found.group(1)


def check_sdist(path: Path) -> list[str]:
    """Problems with the sdist at `path`."""
    problems = []
    prefix = f"embedrs-{cargo_version()}/"
    with tarfile.open(path) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
    rel = [n[len(prefix) :] for n in names if n.startswith(prefix)]
    if len(rel) != len(names):
        problems.append(f"members outside {prefix}: {sorted(set(names) - set(rel))[:5]}")
    problems += [f"missing {r}" for r in SDIST_REQUIRED if r not in rel]
    problems += [f"should not ship {n}" for n in rel if n.startswith(tuple(SDIST_FORBIDDEN))]
    problems += [f"should not ship {n}" for n in rel if re.search(r"\.(so|pyd|whl|profraw)$", n)]
    size = path.stat().st_size
    if size > MAX_SDIST_BYTES:
        problems.append(f"{size} bytes, over {MAX_SDIST_BYTES}: what grew?")
    print(f"sdist {path.name}: {len(rel)} files, {size} bytes")
    return problems


def check_wheel(path: Path, auditwheel: Path | None) -> list[str]:
    """Problems with the wheel at `path` (and with `auditwheel show`'s report on it)."""
    problems = []
    version = cargo_version()
    if not path.name.startswith(f"embedrs-{version}-cp310-abi3-"):
        problems.append(f"{path.name}: not an abi3 (cp310) wheel of version {version}")
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        meta = Parser().parsestr(whl.read(f"embedrs-{version}.dist-info/METADATA").decode())
        tags = [
            line.split(": ", 1)[1]
            for line in whl.read(f"embedrs-{version}.dist-info/WHEEL").decode().splitlines()
            if line.startswith("Tag: ")
        ]
    problems += [f"missing {r}" for r in WHEEL_REQUIRED if r not in names]
    if not any(re.fullmatch(r"embedrs/_embedrs\.abi3\.so", n) for n in names):
        problems.append("no embedrs/_embedrs.abi3.so")
    problems += [f"should not ship {n}" for n in names if n.startswith(("tests/", "benches/"))]
    if "cp310-abi3-manylinux_2_17_x86_64" not in tags:
        problems.append(f"tags {tags}: no cp310-abi3-manylinux_2_17_x86_64")
    if meta["Version"] != version:
        problems.append(f"METADATA Version {meta['Version']} != Cargo.toml {version}")
    classifiers = meta.get_all("Classifier") or []
    for wanted in ("Typing :: Typed", "Operating System :: Microsoft :: Windows"):
        if wanted not in classifiers:
            problems.append(f"classifier {wanted!r} missing")
    urls = {u.split(",", 1)[0] for u in meta.get_all("Project-URL") or []}
    for u in ("Documentation", "Changelog", "Issues"):
        if u not in urls:
            problems.append(f"Project-URL {u} missing")
    if meta["License-Expression"] != "MIT OR Apache-2.0":
        problems.append(f"License-Expression {meta['License-Expression']!r}")
    if auditwheel is not None:
        report = " ".join(auditwheel.read_text().split())
        if 'consistent with the following platform tag: "manylinux_2_17_x86_64"' not in report:
            problems.append(f"auditwheel show does not say manylinux_2_17_x86_64: {report[:300]}")
    print(f"wheel {path.name}: tags {tags}, {len(names)} files")
    return problems


def main() -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=["sdist", "wheel"])
    ap.add_argument("path", type=Path)
    ap.add_argument("--auditwheel", type=Path, help="the output of `auditwheel show` on the wheel")
    args = ap.parse_args()
    if args.kind == "sdist":
        problems = check_sdist(args.path)
    else:
        problems = check_wheel(args.path, args.auditwheel)
    for p in problems:
        print(f"check_dist: {args.path.name}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
