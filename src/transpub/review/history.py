"""The history of each entry's text as changed in the review app: who changed what, when, and
reverting to an earlier text.

Kept in ``articles/<slug>/history.jsonl`` beside the catalog (one change a line, oldest first,
rewritten atomically under the article's lock). Edits made outside the app (Poedit, Weblate) are
not in it; the contribution log credits them.
"""

from __future__ import annotations

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
    out = []
    for data in jsonlines.read(path(article), "a change"):
        try:
            out.append(Change(**{**data, "actions": tuple(data.get("actions", ()))}))
        except TypeError as exc:
            raise ArticleError(
                f"a change has other fields ({exc})", path=path(article), hint="repair the line"
            ) from exc
    return out


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
