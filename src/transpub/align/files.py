"""Alignments of files: TMX out, catalog drafts in (``transpub align``, ``add --translation``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib

from transpub.align.core import AlignedPair, align_units
from transpub.article import Article, Project, add_article
from transpub.catalog import pofile
from transpub.catalog.convert import segment_file
from transpub.catalog.queue import record_draft, set_note
from transpub.markdown.segmenter import SegmentOptions
from transpub.textfile import write_atomic

#: The origin of memory entries and drafts that come from an alignment.
ORIGIN = "aligned"


@dataclass
class Alignment:
    """The beads of two documents' alignment, in Chinese document order."""

    zh_path: str
    en_path: str
    beads: list[AlignedPair]

    @property
    def pairs(self) -> list[AlignedPair]:
        """Beads with units on both sides."""
        return [b for b in self.beads if b.zh and b.en]

    def confident(self, threshold: float) -> list[AlignedPair]:
        """Pairs at or above ``threshold`` confidence (0–1)."""
        return [b for b in self.pairs if b.confidence >= threshold]

    def shapes(self) -> dict[str, int]:
        """How many pairs of each shape (``1-1``, ``1-2``, ``2-1``…)."""
        return dict(sorted(Counter(b.shape for b in self.pairs).items()))

    def unpaired(self) -> tuple[int, int]:
        """(Chinese, English) units left without a counterpart."""
        zh = sum(len(b.zh) for b in self.beads if not b.en)
        return zh, sum(len(b.en) for b in self.beads if not b.zh)


def align_files(zh: str | Path, en: str | Path, options: SegmentOptions | None = None) -> Alignment:
    """Segment both documents with the same options and align their units; errors name the
    file that could not be read or segmented."""
    zh_text, zh_doc = segment_file(zh, options)
    en_text, en_doc = segment_file(en, options)
    beads = align_units(zh_doc.units, en_doc.units, zh_text, en_text)
    return Alignment(str(zh), str(en), beads)


def to_tmx(alignment: Alignment, path: str | Path | None = None) -> str:
    """The pairs as TMX 1.4 (zh-CN → en), each ``<tu>`` with ``x-origin`` = ``aligned`` and its
    ``x-confidence`` (0–1), so ``transpub tm import`` can keep those above a threshold. Written
    atomically when ``path`` is given."""
    from transpub.engines.tm import tmx_text

    name = Path(alignment.zh_path).name
    text = tmx_text(
        (
            (
                bead.source,
                bead.target,
                {
                    "x-origin": ORIGIN,
                    "x-confidence": f"{bead.confidence:.3f}",
                    "x-shape": bead.shape,
                    "x-source-line": f"{name}:{bead.zh[0].line}",
                },
            )
            for bead in alignment.pairs
        ),
        tool="transpub align",
    )
    if path is not None:
        write_atomic(path, text)
    return text


@dataclass
class PrefillStats:
    """What pre-filling a catalog from an alignment did."""

    entries: int = 0  # entries of the catalog
    drafted: int = 0  # entries that received an aligned draft
    low_confidence: int = 0  # entries whose pair was below the threshold: left for people
    unpaired: int = 0  # entries with no English counterpart (or only merged with a neighbour)

    @property
    def share(self) -> float:
        """Drafted entries as a share (0–1) of the catalog."""
        return self.drafted / self.entries if self.entries else 0.0


def prefill_catalog(po: polib.POFile, alignment: Alignment, threshold: float) -> PrefillStats:
    """Draft the untranslated entries of ``po`` from ``alignment``: one Chinese unit paired with
    one or more English units at or above ``threshold`` becomes a fuzzy entry with origin
    ``aligned`` and its confidence noted; merges (several Chinese units, one English) and
    low-confidence pairs stay for people. Entries already translated are never touched."""
    by_source: dict[str, AlignedPair] = {}
    for bead in alignment.pairs:
        if len(bead.zh) == 1:
            known = by_source.get(bead.source)
            if known is None or bead.confidence > known.confidence:
                by_source[bead.source] = bead
    stats = PrefillStats()
    for entry in po:
        if entry.obsolete:
            continue
        stats.entries += 1
        if entry.msgstr:
            continue
        pair = by_source.get(entry.msgid)
        if pair is None:
            stats.unpaired += 1
        elif pair.confidence < threshold:
            stats.low_confidence += 1
        else:
            record_draft(entry, pair.target, ORIGIN, None)
            set_note(entry, "confidence", f"{pair.confidence:.2f}")
            stats.drafted += 1
    return stats


def add_with_translation(
    project: Project,
    zh_file: str | Path,
    en_file: str | Path,
    slug: str | None = None,
    threshold: float | None = None,
) -> tuple[Article, PrefillStats]:
    """``transpub add ZH.md --translation EN.md``: import the Chinese document as a new article
    whose catalog is pre-filled with aligned drafts. Both files are read and aligned before
    anything is written."""
    from transpub.catalog.sync import sync_article
    from transpub.credits import contributions
    from transpub.review.actions import article_lock

    alignment = align_files(zh_file, en_file, project.segment_options)
    article = add_article(project, zh_file, slug)
    sync_article(project, article)
    limit = project.config.align.min_confidence if threshold is None else threshold
    with article_lock(article):
        po = pofile.load(article.catalog, project.config.catalog.wrap_width)
        stats = prefill_catalog(po, alignment, limit)
        pofile.save(po, article.catalog)
        contributions.remember(project, article)  # transpub's own drafts: no one to credit
    return article, stats
