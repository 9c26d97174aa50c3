"""The publish record: one JSON file per article, ``articles/<slug>/publish.json`` (committed).

It says where each site target got which version of the article (content hash, path, commit,
time) and which social posts were made, so that every publishing step is idempotent: a re-run
publishes and posts nothing that the record already holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from transpub.article import Article
from transpub.errors import TranspubError, restore_hint
from transpub.textfile import write_atomic

RECORD_NAME = "publish.json"
#: Bumped only if the file's shape changes incompatibly.
RECORD_VERSION = 1


class RecordError(TranspubError):
    """The publish record of an article cannot be read."""


@dataclass
class SitePublication:
    """One site target of an article, as last published."""

    target: str  # e.g. "site"
    layout: str  # "vitepress" | "hugo" | "folders"
    path: str  # English page path inside the site checkout (POSIX, relative)
    zh_path: str  # Chinese page path
    url: str  # public URL of the English page ("" without a base URL)
    zh_url: str  # public URL of the Chinese page
    content_hash: str  # sha256 (hex) of the English page as written
    translation_hash: str  # the approval's translation hash that was published
    commit: str  # commit id in the site repository
    at: str  # ISO 8601 UTC, e.g. 2026-11-30T08:40:00Z
    zh_content_hash: str = ""  # sha256 (hex) of the Chinese page as written


@dataclass
class PostRecord:
    """One social post of an article (written by the channels)."""

    channel: str
    status: str  # "intent" (about to be sent) | "posted"
    post_id: str
    url: str
    text_hash: str
    at: str
    language: str = "en"


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{where} is not an object")
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    for name, value in values.items():
        if not isinstance(value, str):
            raise ValueError(f"{where}.{name} is not a string")
    return cls(**values)


@dataclass
class PublishRecord:
    """Everything published of one article: site targets by name, posts by a channel's key."""

    slug: str
    site: dict[str, SitePublication] = field(default_factory=dict)
    posts: dict[str, PostRecord] = field(default_factory=dict)

    @staticmethod
    def path(article: Article) -> str:
        """The record's file (``articles/<slug>/publish.json``)."""
        return str(article.folder / RECORD_NAME)

    @classmethod
    def load(cls, article: Article) -> PublishRecord:
        """The article's record; an empty one when the file is missing.

        Raises ``RecordError`` naming the file when it is not a valid record.
        """
        path = article.folder / RECORD_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(article.slug)
        except (OSError, UnicodeDecodeError) as exc:
            raise RecordError(f"cannot read the publish record ({exc})", path=path) from exc
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("the file is not a JSON object")
            site = data.get("site", {})
            posts = data.get("posts", {})
            if not isinstance(site, dict) or not isinstance(posts, dict):
                raise ValueError("`site` and `posts` must be objects")
            return cls(
                article.slug,
                {k: _build(SitePublication, v, f"site.{k}") for k, v in site.items()},
                {k: _build(PostRecord, v, f"posts.{k}") for k, v in posts.items()},
            )
        except json.JSONDecodeError as exc:
            raise RecordError(
                f"the publish record is not valid JSON ({exc.msg}, column {exc.colno})",
                path=path,
                line=exc.lineno,
                hint=f"fix it in a text editor, or restore it from git ({restore_hint(path)})",
            ) from exc
        except (ValueError, TypeError) as exc:
            raise RecordError(
                f"the publish record is malformed ({exc})",
                path=path,
                hint=f"fix it in a text editor, or restore it from git ({restore_hint(path)})",
            ) from exc

    def to_json(self) -> str:
        """The file's text: stable key order, UTF-8, one trailing newline."""
        data = {
            "version": RECORD_VERSION,
            "slug": self.slug,
            "site": {k: asdict(v) for k, v in sorted(self.site.items())},
            "posts": {k: asdict(v) for k, v in sorted(self.posts.items())},
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def save(self, article: Article) -> bool:
        """Write the record atomically; True if the file changed."""
        return write_atomic(article.folder / RECORD_NAME, self.to_json())
