"""Comments on entries: a discussion per entry, with @mentions of users (as in Weblate).

Kept in ``articles/<slug>/comments.jsonl`` beside the catalog (one comment a line, oldest first;
the file is rewritten atomically under the article's lock). A mention is ``@name`` of an account
that exists when the comment is made; the mentioned see it on their queue page.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from transpub.article import Article, Project
from transpub.credits.contributions import entry_id, now_stamp
from transpub.errors import ArticleError, TranspubError
from transpub.review import jsonlines

FILE_NAME = "comments.jsonl"
MAX_LENGTH = 4000
#: ``@`` and an account name (letters, digits, ``.``, ``_``, ``-``), not ending with a dot.
_MENTION = re.compile(r"(?<![\w@])@([^\W_](?:[\w.-]{0,62}[\w-])?)")


class CommentError(TranspubError):
    """A comment cannot be added (empty or too long)."""


@dataclass(frozen=True)
class Comment:
    id: str
    entry: str  # the entry id
    user: str
    at: str
    text: str
    mentions: tuple[str, ...]

    def parts(self) -> tuple[tuple[str, bool], ...]:
        """The text cut into (text, is a mention) pieces, for showing mentions."""
        out: list[tuple[str, bool]] = []
        at = 0
        for match in _MENTION.finditer(self.text):
            if match.group(1) not in self.mentions:
                continue
            if match.start() > at:
                out.append((self.text[at : match.start()], False))
            out.append((match.group(0), True))
            at = match.end()
        if at < len(self.text):
            out.append((self.text[at:], False))
        return tuple(out)


def path(article: Article) -> Path:
    return article.folder / FILE_NAME


def read(article: Article) -> list[Comment]:
    """Every comment of the article, oldest first."""
    out = []
    for data in jsonlines.read(path(article), "a comment"):
        try:
            out.append(Comment(**{**data, "mentions": tuple(data.get("mentions", ()))}))
        except TypeError as exc:
            raise ArticleError(
                f"a comment has other fields ({exc})", path=path(article), hint="repair the line"
            ) from exc
    return out


def mentioned(text: str, users: Collection[str]) -> tuple[str, ...]:
    """The existing users ``text`` mentions with ``@name``, each once, in order."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1)
        if name in users and name not in found:
            found.append(name)
    return tuple(found)


def add(
    article: Article,
    msgid: str,
    user: str,
    text: str,
    users: Collection[str],
    now: datetime | None = None,
) -> Comment:
    """Add ``user``'s comment on the entry ``msgid``; ``users`` are the names one may mention."""
    text = text.strip()
    if not text:
        raise CommentError("the comment is empty", hint="write something to say")
    if len(text) > MAX_LENGTH:
        raise CommentError(
            f"the comment is longer than {MAX_LENGTH} characters", hint="say it in fewer words"
        )
    made = Comment(
        secrets.token_hex(8), entry_id(msgid), user, now_stamp(now), text, mentioned(text, users)
    )
    jsonlines.append(path(article), asdict(made))
    return made


def by_entry(article: Article) -> dict[str, list[Comment]]:
    """The article's comments by entry id."""
    out: dict[str, list[Comment]] = {}
    for comment in read(article):
        out.setdefault(comment.entry, []).append(comment)
    return out


def mentions_of(project: Project, user: str, limit: int = 20) -> list[tuple[str, Comment]]:
    """The latest comments that mention ``user``, newest first, as (slug, comment)."""
    found = [
        (article.slug, c)
        for article in project.articles()
        for c in read(article)
        if user in c.mentions
    ]
    found.sort(key=lambda pair: pair[1].at, reverse=True)
    return found[:limit]
