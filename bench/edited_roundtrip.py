"""Edited round trip over folders of Markdown: ``python bench/edited_roundtrip.py DIR...``.

Every unit is translated as ``mark + msgid + mark`` (see ``transpub.markdown.edited``); a file
passes when the rebuild, marks removed, is the source again (bytes and parse) and every msgid
parses alone as its span does in place. Prints one line of counts per folder.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from transpub.errors import TranspubError
from transpub.markdown.edited import problems
from transpub.markdown.segmenter import segment


def measure(folder: Path) -> Counter[str]:
    """Counts for every ``*.md`` under ``folder``."""
    counts: Counter[str] = Counter()
    for path in sorted(folder.rglob("*.md")):
        text = path.read_bytes().decode("utf-8", "replace")
        counts["files"] += 1
        try:
            counts["units"] += len(segment(text).units)
            found = problems(text)
        except TranspubError:
            counts["refused"] += 1
            continue
        counts["bytes differ"] += any(f.startswith("the marked rebuild differs") for f in found)
        counts["parse differs"] += any(f.startswith("the marked rebuild parses") for f in found)
        counts["units parsing alone otherwise"] += sum(f.startswith("line ") for f in found)
        counts["files failing"] += bool(found)
        for finding in found:
            print(f"{path}: {finding[:300]}", file=sys.stderr)
    return counts


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    for folder in argv:
        counts = measure(Path(folder))
        print(f"{folder}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
