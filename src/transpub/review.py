"""Review actions on an article's catalog: what the CLI and the review app call."""

from __future__ import annotations

from datetime import UTC, datetime

from transpub import catalog
from transpub.article import Article
from transpub.errors import TranspubError
from transpub.queue import Approval, approve


def approve_article(article: Article, editor: str, now: datetime | None = None) -> Approval:
    """Record an editor's approval in the catalog header, bound to the current translation."""
    po = catalog.load(article.catalog)
    try:
        given = approve(po, editor, now or datetime.now(UTC))
    except TranspubError as exc:
        raise exc.at(article.catalog) from None
    catalog.save(po, article.catalog)
    return given
