"""Small JSON Lines files beside a catalog (comments, history): read whole, appended a line at a
time; a torn last line (a crash mid-write) is skipped when read."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from transpub.errors import ArticleError
from transpub.textfile import read_json_lines


def read(file: Path, what: str) -> list[dict[str, Any]]:
    """Every record of ``file`` (none when it is missing); ``what`` names one in errors."""
    return read_json_lines(
        file,
        lambda number: ArticleError(
            f"line {number} is not {what}", path=file, hint="repair or remove that line"
        ),
    )


def append(file: Path, record: dict[str, Any]) -> None:
    """Add one record at the end in one write under an exclusive lock; earlier lines are never
    touched (as the contribution log does), so a save pays for one line, not the whole file."""
    data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(file, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # a torn last line (a crash mid-write) stays on its own line
        # No fsync: a line in the page cache survives the process being killed (kill -9), and
        # an fsync per save would serialise every save on the disk (~10 saves/s here).
        os.write(fd, data)
    finally:
        os.close(fd)
