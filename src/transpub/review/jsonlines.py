"""Small JSON Lines files beside a catalog (comments, history): read whole, appended atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transpub.article import Article
from transpub.errors import ArticleError
from transpub.review.actions import article_lock
from transpub.textfile import write_atomic


def read(file: Path, what: str) -> list[dict[str, Any]]:
    """Every record of ``file`` (none when it is missing); ``what`` names one in errors."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            data = exc
        if not isinstance(data, dict):
            raise ArticleError(
                f"line {number} is not {what}", path=file, hint="repair or remove that line"
            )
        out.append(data)
    return out


def append(article: Article, file: Path, record: dict[str, Any]) -> None:
    """Add one record, under the article's lock, by an atomic rewrite (never half a line)."""
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    with article_lock(article):
        text = file.read_text(encoding="utf-8") if file.is_file() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        write_atomic(file, text + line + "\n")
