"""Keeping catalogs in step with their sources, and rebuilding translations from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from transpub.article import Article, Project, read_metadata
from transpub.catalog import pofile
from transpub.catalog.convert import rebuild, segment_file, utc_now
from transpub.catalog.pofile import MergeStats
from transpub.catalog.queue import Counts, counts

if TYPE_CHECKING:
    from transpub.markdown.structure import HeadingIds
    from transpub.markdown.units import Segmented, Unit


@dataclass
class SyncResult:
    """What syncing one article did."""

    slug: str
    stats: MergeStats
    counts: Counts
    written: bool


def sync_article(project: Project, article: Article, now: datetime | None = None) -> SyncResult:
    """Segment the article's source and merge it into its catalog; nothing is written on error."""
    from transpub.credits import contributions
    from transpub.review.actions import article_lock, catch_up_outside_edits

    text, segmented = segment_file(article.source, project.segment_options)
    title = str(read_metadata(text, article.source)["title"])
    if contributions.last_seen(project, article) is None:  # first sight: credit its notes
        contributions.credit_catalog_notes(project, article, now)
    catch_up_outside_edits(project, article)  # credit Poedit/Weblate edits before merging
    with article_lock(article):
        wrap = project.config.catalog.wrap_width
        old = pofile.load(article.catalog, wrap) if article.catalog.exists() else None
        po, stats = pofile.merge(
            old,
            segmented.units,
            title=title,
            now=now or utc_now(),
            similarity=project.config.catalog.merge_similarity,
            wrap_width=wrap,
        )
        written = pofile.save(po, article.catalog)
        contributions.remember(project, article)
    return SyncResult(article.slug, stats, counts(po), written)


def build_article(project: Project, article: Article, include_drafts: bool = False) -> str:
    """The English Markdown of an article, from its catalog."""
    text, segmented = segment_file(article.source, project.segment_options)
    return rebuild(
        text,
        segmented,
        pofile.load(article.catalog),
        include_drafts=include_drafts,
        source_path=article.catalog,
        heading_ids=site_heading_ids(project),
    )


def site_heading_ids(project: Project) -> HeadingIds:
    """The ids the project's site gives a page's headings: with them, ``build`` lets an in-page
    link follow a translated heading (`#rolling-update` for `## 分段更新` → `Rolling update`)."""
    from transpub.publish.layouts import create_layout

    return create_layout(project.config.site).heading_ids


def build_differences(
    project: Project, source: str, segmented: Segmented, done: dict[str, str], english: str
) -> list[tuple[str, Unit | None]]:
    """How ``english`` (``segmented`` rebuilt with ``done``: msgid → msgstr) differs in structure
    from ``source``, compared exactly as ``build`` compares them: each difference (a sentence)
    with the unit it is about (None for a document without units)."""
    from transpub.markdown import structure

    found = structure.differences(source, english, site_heading_ids(project))
    return [(d, structure.unit_of(d, segmented.units, done, source)) for d in found]
