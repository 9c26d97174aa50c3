"""Keeping catalogs in step with their sources, and rebuilding translations from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polib

from transpub import catalog, structure
from transpub.article import Article, Project, read_metadata
from transpub.catalog import MergeStats
from transpub.errors import TranspubError
from transpub.queue import Counts, counts
from transpub.segmenter import SegmentOptions, segment
from transpub.textfile import read_source, write_atomic
from transpub.units import Segmented


@dataclass
class SyncResult:
    """What syncing one article did."""

    slug: str
    stats: MergeStats
    counts: Counts
    written: bool


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc).replace(second=0, microsecond=0)


def segment_file(path: str | Path, options: SegmentOptions | None = None) -> tuple[str, Segmented]:
    """Read and segment a source file; errors name the file."""
    text = read_source(path)
    try:
        return text, segment(text, options)
    except TranspubError as exc:
        raise exc.at(path) from None


def sync_article(project: Project, article: Article, now: datetime | None = None) -> SyncResult:
    """Segment the article's source and merge it into its catalog; nothing is written on error."""
    text, segmented = segment_file(article.source, project.segment_options)
    title = str(read_metadata(text, article.source)["title"])
    old = catalog.load(article.catalog) if article.catalog.exists() else None
    po, stats = catalog.merge(
        old,
        segmented.units,
        title=title,
        now=_now(now),
        similarity=project.config.catalog.merge_similarity,
        wrap_width=project.config.catalog.wrap_width,
    )
    written = catalog.save(po, article.catalog)
    return SyncResult(article.slug, stats, counts(po), written)


def translations(po: polib.POFile, include_drafts: bool = False) -> dict[str, str]:
    """msgid → msgstr for the entries that count as translated."""
    return {
        e.msgid: e.msgstr
        for e in po
        if e.msgstr and not e.obsolete and (include_drafts or "fuzzy" not in e.flags)
    }


def rebuild(
    source_text: str,
    segmented: Segmented,
    po: polib.POFile,
    *,
    include_drafts: bool = False,
    source_path: str | Path | None = None,
) -> str:
    """The translated document, refused when its structure differs from the source's."""
    result = segmented.rebuild(translations(po, include_drafts))
    if result != source_text:
        structure.check(source_text, result, path=str(source_path) if source_path else None)
    return result


def build_article(project: Project, article: Article, include_drafts: bool = False) -> str:
    """The English Markdown of an article, from its catalog."""
    text, segmented = segment_file(article.source, project.segment_options)
    return rebuild(
        text, segmented, catalog.load(article.catalog),
        include_drafts=include_drafts, source_path=article.catalog,
    )


def md2po(
    source: str | Path, out: str | Path, options: SegmentOptions | None = None,
    now: datetime | None = None,
) -> int:
    """Write (or merge into) a catalog for a Markdown file; returns the number of entries."""
    text, segmented = segment_file(source, options)
    old = catalog.load(out) if Path(out).exists() else None
    po, stats = catalog.merge(
        old, segmented.units, title=Path(source).name, now=_now(now), source_name=Path(source).name
    )
    catalog.save(po, out)
    return stats.entries


def po2md(
    source: str | Path, po_path: str | Path, out: str | Path, options: SegmentOptions | None = None,
    include_drafts: bool = False,
) -> None:
    """Write the translation of a Markdown file from a catalog, after the structure check."""
    text, segmented = segment_file(source, options)
    result = rebuild(
        text, segmented, catalog.load(po_path), include_drafts=include_drafts, source_path=po_path
    )
    write_atomic(out, result)
