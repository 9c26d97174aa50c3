"""Suggestions: translators' changes to reviewed entries, waiting for a reviewer (as in Weblate).

Only reviewers change reviewed text. A translator's change to a reviewed entry is kept as a
suggestion in ``articles/<slug>/suggestions.json`` (beside the catalog, in the content repository:
it is work not yet accepted, not a cache). A reviewer accepts one (it becomes the entry's reviewed
text, its author credited as translator) or rejects it. Files are written atomically under the
article's lock.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active
from transpub.credits.contributions import entry_id, now_stamp
from transpub.errors import ArticleError
from transpub.glossary.model import Glossary
from transpub.review import history
from transpub.review.actions import (
    ReviewedEntryError,
    SaveResult,
    article_lock,
    save_entry,
)
from transpub.textfile import write_atomic

FILE_NAME = "suggestions.json"


@dataclass(frozen=True)
class Suggestion:
    """A proposed translation of one entry: ``base`` is the reviewed text it would replace."""

    id: str
    entry: str  # the entry id (``entry_id(msgid)``)
    msgid: str
    base: str
    text: str
    user: str
    at: str


@dataclass(frozen=True)
class Suggested:
    """What ``save_or_suggest`` did when the save became a suggestion."""

    suggestion: Suggestion


def path(article: Article) -> Path:
    return article.folder / FILE_NAME


def read(article: Article) -> list[Suggestion]:
    """The article's pending suggestions, oldest first (none when the file is missing)."""
    file = path(article)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return [Suggestion(**item) for item in data["suggestions"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArticleError(
            f"cannot read the suggestions ({type(exc).__name__}: {exc})",
            path=file,
            hint="repair the JSON, or remove the file to drop the pending suggestions",
        ) from exc


def _write(article: Article, items: list[Suggestion]) -> None:
    file = path(article)
    if not items:
        file.unlink(missing_ok=True)
        return
    data = {"version": 1, "suggestions": [asdict(s) for s in items]}
    write_atomic(file, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def add(
    article: Article, msgid: str, base: str, text: str, user: str, now: datetime | None = None
) -> Suggestion:
    """Keep ``user``'s text for the entry ``msgid`` as a suggestion (one per user and entry: a
    newer one replaces theirs)."""
    eid = entry_id(msgid)
    made = Suggestion(
        secrets.token_hex(8), eid, msgid, base, text, " ".join(user.split()), now_stamp(now)
    )
    with article_lock(article):
        items = [s for s in read(article) if not (s.entry == eid and s.user == made.user)]
        items.append(made)
        _write(article, items)
    return made


def _take(article: Article, sid: str) -> Suggestion:
    found = next((s for s in read(article) if s.id == sid), None)
    if found is None:
        raise ArticleError(
            "there is no such suggestion (it may have been accepted or rejected already)",
            path=path(article),
            hint="reload the article",
        )
    return found


def _drop(article: Article, sid: str) -> None:
    with article_lock(article):
        _write(article, [s for s in read(article) if s.id != sid])


def save_or_suggest(
    project: Project,
    article: Article,
    msgid: str,
    base: str,
    text: str,
    user: str,
    *,
    may_review: bool,
    glossary: Glossary | None,
    now: datetime | None = None,
) -> SaveResult | Suggested:
    """A translator's save: an ordinary draft save, unless the entry is reviewed, when the text
    is kept as a suggestion (reviewers save as usual). Conflicts raise as in ``save_entry``."""
    try:
        return save_entry(
            project,
            article,
            msgid,
            base,
            text,
            user,
            now=now,
            glossary=glossary,
            may_change_reviewed=may_review,
        )
    except ReviewedEntryError:
        return Suggested(add(article, msgid, base, text, user, now))


def accept(
    project: Project,
    article: Article,
    sid: str,
    reviewer: str,
    *,
    glossary: Glossary | None,
    now: datetime | None = None,
) -> SaveResult:
    """A reviewer accepts a suggestion: its text becomes the entry's reviewed translation (the
    author credited as translator, the reviewer as reviewer) and the suggestion is gone.

    The text replaces what the entry holds now; ``ConflictError`` if the entry changes while
    this runs; ``ArticleError`` if the suggestion or its entry is gone.
    """
    found = _take(article, sid)
    po = pofile.load(article.catalog, project.config.catalog.wrap_width)
    current = next((e.msgstr for e in active(po) if e.msgid == found.msgid), None)
    if current is None:
        _drop(article, sid)
        raise ArticleError(
            "the suggested entry is no longer in the catalog (its source changed)",
            path=article.catalog,
            hint="the suggestion was dropped; translate the new entry",
        )
    result = save_entry(
        project,
        article,
        found.msgid,
        current,
        found.text,
        reviewer,
        approve=True,
        now=now,
        glossary=glossary,
        author=found.user if found.text != current else None,
    )
    _drop(article, sid)
    history.record(article, result, current, reviewer, now_stamp(now))
    return result


def reject(article: Article, sid: str) -> Suggestion:
    """A reviewer rejects a suggestion: it is removed and the entry keeps its text."""
    found = _take(article, sid)
    _drop(article, sid)
    return found


def pending(article: Article) -> dict[str, list[Suggestion]]:
    """The pending suggestions by entry id."""
    by: dict[str, list[Suggestion]] = {}
    for s in read(article):
        by.setdefault(s.entry, []).append(s)
    return by
