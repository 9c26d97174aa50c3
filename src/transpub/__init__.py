"""transpub: Chinese → English translation and publishing for KaiYuanShe.

The public surface is listed in ``__all__``; names are imported on first use so that the command
line starts fast.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing slows the command line

__version__ = "0.1.0"

_EXPORTS = {
    "TranspubError": "transpub.errors",
    "ConfigError": "transpub.errors",
    "SourceError": "transpub.errors",
    "ArticleError": "transpub.errors",
    "CatalogError": "transpub.errors",
    "StructureError": "transpub.errors",
    "ApprovalError": "transpub.errors",
    "Config": "transpub.config",
    "load_config": "transpub.config",
    "Project": "transpub.article",
    "Article": "transpub.article",
    "add_article": "transpub.article",
    "SegmentOptions": "transpub.markdown.segmenter",
    "segment": "transpub.markdown.segmenter",
    "Unit": "transpub.markdown.units",
    "Segmented": "transpub.markdown.units",
    "md2po": "transpub.catalog.convert",
    "po2md": "transpub.catalog.convert",
    "rebuild": "transpub.catalog.convert",
    "sync_article": "transpub.catalog.sync",
    "build_article": "transpub.catalog.sync",
    "EntryState": "transpub.catalog.queue",
    "ArticleState": "transpub.catalog.queue",
    "entry_state": "transpub.catalog.queue",
    "article_state": "transpub.catalog.queue",
    "approve": "transpub.catalog.queue",
    "approve_article": "transpub.review.actions",
    "queue": "transpub.catalog.status",
}

__all__ = [
    "ApprovalError",
    "Article",
    "ArticleError",
    "ArticleState",
    "CatalogError",
    "Config",
    "ConfigError",
    "EntryState",
    "Project",
    "SegmentOptions",
    "Segmented",
    "SourceError",
    "StructureError",
    "TranspubError",
    "Unit",
    "__version__",
    "add_article",
    "approve",
    "approve_article",
    "article_state",
    "build_article",
    "entry_state",
    "load_config",
    "md2po",
    "po2md",
    "queue",
    "rebuild",
    "segment",
    "sync_article",
]

if TYPE_CHECKING:
    from typing import Any

    from transpub.article import Article, Project, add_article
    from transpub.catalog.convert import md2po, po2md, rebuild
    from transpub.catalog.queue import ArticleState, EntryState, approve, article_state, entry_state
    from transpub.catalog.status import queue
    from transpub.catalog.sync import build_article, sync_article
    from transpub.config import Config, load_config
    from transpub.errors import (
        ApprovalError,
        ArticleError,
        CatalogError,
        ConfigError,
        SourceError,
        StructureError,
        TranspubError,
    )
    from transpub.markdown.segmenter import SegmentOptions, segment
    from transpub.markdown.units import Segmented, Unit
    from transpub.review.actions import approve_article


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'transpub' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
