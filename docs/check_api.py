"""Fails unless every name in ``embedrs.__all__`` has an entry in the built API reference.

    python docs/check_api.py docs/_build/html/objects.inv

Reads Sphinx's object inventory (the index other sites link against) and looks for
``embedrs.<name>`` for each public name, so a name added to ``__all__`` without a place in
``docs/api/index.rst`` fails ``make docs``.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import embedrs


def documented_names(inventory: Path) -> set[str]:
    """The Python object names an ``objects.inv`` (version 2) lists."""
    data = inventory.read_bytes()
    header_end = 0
    for _ in range(4):  # "# Sphinx inventory version 2", project, version, compression note
        header_end = data.index(b"\n", header_end) + 1
    names = set()
    for line in zlib.decompress(data[header_end:]).decode().splitlines():
        name, domain_role = line.split(" ", 2)[:2]
        if domain_role.startswith("py:"):
            names.add(name)
    return names


def main() -> int:
    """Command line entry point."""
    inventory = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html/objects.inv")
    names = documented_names(inventory)
    missing = [n for n in embedrs.__all__ if f"embedrs.{n}" not in names]
    for n in missing:
        print(f"check_api: embedrs.{n} is in __all__ but has no entry in the API reference")
    total = len(embedrs.__all__)
    print(f"check_api: {total - len(missing)} of {total} names in embedrs.__all__ documented")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
