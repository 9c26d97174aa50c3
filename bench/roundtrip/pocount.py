"""Counting the segments (non-header, non-obsolete entries) of a PO catalog."""

from __future__ import annotations

from pathlib import Path


def count_segments(po_path: Path) -> int:
    try:
        import polib
    except ImportError:  # the benchmark also runs on a bare Python
        return count_segments_plain(po_path.read_text(encoding="utf-8", errors="replace"))
    return sum(1 for entry in polib.pofile(str(po_path)) if not entry.obsolete)


def count_segments_plain(text: str) -> int:
    """``msgid`` lines minus the header entry (an empty msgid without msgctxt)."""
    lines = text.splitlines()
    count = 0
    for index, line in enumerate(lines):
        if not line.startswith("msgid "):
            continue
        continued = index + 1 < len(lines) and lines[index + 1].startswith('"')
        after_context = index > 0 and lines[index - 1].startswith(("msgctxt", '"'))
        if line.strip() == 'msgid ""' and not continued and not after_context:
            continue
        count += 1
    return count
