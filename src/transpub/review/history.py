"""The history of each entry's text as changed in the review app: who changed what, when, and
reverting to an earlier text.

Kept in ``articles/<slug>/history.jsonl`` beside the catalog (one change a line, oldest first,
rewritten atomically under the article's lock). Edits made outside the app (Poedit, Weblate) are
not in it; the contribution log credits them.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active
from transpub.credits.contributions import entry_id, now_stamp
from transpub.errors import ArticleError
from transpub.glossary.model import Glossary
from transpub.review import jsonlines
from transpub.review.actions import SaveResult, save_entry

FILE_NAME = "history.jsonl"


@dataclass(frozen=True)
class Change:
    id: str
    entry: str  # the entry id
    user: str
    at: str
    before: str
    after: str
    actions: tuple[str, ...]  # what was credited: translate, edit, review


def path(article: Article) -> Path:
    return article.folder / FILE_NAME


def read(article: Article) -> list[Change]:
    """Every recorded change of the article, oldest first."""
    return [change_of(data, path(article)) for data in jsonlines.read(path(article), "a change")]


def change_of(data: dict[str, Any], file: Path) -> Change:
    """The change a line of ``file`` records."""
    try:
        return Change(**{**data, "actions": tuple(data.get("actions", ()))})
    except TypeError as exc:
        raise ArticleError(
            f"a change has other fields ({exc})", path=file, hint="repair the line"
        ) from exc


class Reader:
    """The article's changes by entry id (newest first), kept up to date by reading only the
    lines appended since the last call (the whole file again when it was replaced)."""

    def __init__(self, article: Article) -> None:
        self.file = path(article)
        self._at: tuple[int, int] | None = None  # (inode, bytes read)
        self._by_entry: dict[str, list[Change]] = {}
        self._lock = threading.Lock()

    def by_entry(self) -> dict[str, list[Change]]:
        """As ``by_entry(article)``; do not change what it returns. Thread-safe."""
        with self._lock:
            return self._update()

    def _update(self) -> dict[str, list[Change]]:
        try:
            st = os.stat(self.file)
        except FileNotFoundError:
            self._at, self._by_entry = None, {}
            return self._by_entry
        at = self._at
        if at is not None and at[0] == st.st_ino and at[1] == st.st_size:
            return self._by_entry
        if at is None or at[0] != st.st_ino or st.st_size < at[1]:
            at, known = (st.st_ino, 0), {}
        else:
            known = dict(self._by_entry)
        with open(self.file, "rb") as fh:
            fh.seek(at[1])
            tail = fh.read()
        complete = tail[: tail.rfind(b"\n") + 1]  # a line still being written waits
        for line in complete.decode("utf-8").splitlines():
            if not line.strip():
                continue
            try:
                change = change_of(json.loads(line), self.file)
            except ValueError:
                continue  # torn by a crash mid-write: never acknowledged (as jsonlines.read)
            known[change.entry] = [change, *known.get(change.entry, ())]
        self._at, self._by_entry = (at[0], at[1] + len(complete)), known
        return known


def record(article: Article, result: SaveResult, before: str, user: str, at: str) -> Change | None:
    """Remember what a save did (nothing when it changed nothing)."""
    if not result.actions:
        return None
    change = Change(
        secrets.token_hex(8),
        result.entry,
        user,
        at,
        before,
        result.text,
        tuple(str(a) for a in result.actions),
    )
    jsonlines.append(path(article), asdict(change))
    return change


def by_entry(article: Article) -> dict[str, list[Change]]:
    """The article's changes by entry id, newest first."""
    out: dict[str, list[Change]] = {}
    for change in reversed(read(article)):
        out.setdefault(change.entry, []).append(change)
    return out


def revert(
    project: Project,
    article: Article,
    change_id: str,
    user: str,
    *,
    glossary: Glossary | None,
    now: datetime | None = None,
) -> SaveResult:
    """Put back the text an entry had before ``change_id``, as ``user``'s draft (to be reviewed
    again); recorded like any change. ``ConflictError`` if the entry changes meanwhile."""
    found = next((c for c in read(article) if c.id == change_id), None)
    if found is None:
        raise ArticleError("there is no such change", path=path(article), hint="reload the page")
    po = pofile.load(article.catalog, project.config.catalog.wrap_width)
    entry = next((e for e in active(po) if entry_id(e.msgid) == found.entry), None)
    if entry is None:
        raise ArticleError(
            "the entry is no longer in the catalog (its source changed)",
            path=article.catalog,
            hint="reload the article",
        )
    current = entry.msgstr
    result = save_entry(
        project, article, entry.msgid, current, found.before, user, now=now, glossary=glossary
    )
    record(article, result, current, user, now_stamp(now))
    return result
