"""File-level conversions (``md2po`` / ``po2md``): they work without a project and start fast."""

from __future__ import annotations

import os

from transpub.catalog import pofile
from transpub.errors import CatalogError, TranspubError, typed_path
from transpub.markdown.segmenter import SegmentOptions, segment
from transpub.textfile import read_source, write_atomic

# md2po/po2md start in a fresh process for every file: keep heavy imports out of the start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from pathlib import Path

    import polib

    from transpub.markdown.structure import HeadingIds
    from transpub.markdown.units import Segmented


def utc_now() -> datetime:
    """The current time to the minute, as PO headers record it."""
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(second=0, microsecond=0)


def file_options(
    source: str | Path, front_matter_keys: Sequence[str] | None = None
) -> SegmentOptions:
    """What md2po/po2md offer for ``source``: the ``[segment]`` settings of the project whose
    ``transpub.toml`` is at or above the file's folder (defaults outside a project), then
    ``front_matter_keys`` when given (the command line wins)."""
    from pathlib import Path

    from transpub.config import find_config, load_config

    found = find_config(Path(source).resolve().parent)
    options = SegmentOptions()
    if found is not None:
        seg = load_config(found).segment
        options = SegmentOptions(seg.front_matter_keys, html_blocks=seg.html_blocks)
    if front_matter_keys is not None:
        options = SegmentOptions(front_matter_keys, html_blocks=options.html_blocks)
    return options


def segment_file(
    path: str | Path, options: SegmentOptions | None = None, *, article: bool = True
) -> tuple[str, Segmented]:
    """Read and segment a source file; errors name the file. An empty or blank file, or one with
    NUL bytes, is refused for an article and read as CommonMark reads it otherwise."""
    text = read_source(path, article=article)
    try:
        return text, segment(text, options)
    except TranspubError as exc:
        raise exc.at(path) from None


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
    heading_ids: HeadingIds | None = None,
) -> str:
    """The translated document, refused when its structure differs from the source's; the error
    names every difference with its entry (``zh.md:LINE`` and the start of the msgid). With the
    site's ``heading_ids``, in-page links may follow translated headings."""
    done = translations(po, include_drafts)
    result = segmented.rebuild(done)
    if result != source_text:
        from transpub.markdown import structure

        places = {e.msgid: e.occurrences[0] for e in po if e.occurrences and not e.obsolete}

        def where(difference: str) -> str:
            unit = structure.unit_of(difference, segmented.units, done, source_text)
            if unit is None:
                return "the document"
            file, line = places.get(unit.msgid, ("line", str(unit.line)))
            start = unit.msgid if len(unit.msgid) <= 20 else unit.msgid[:20] + "…"
            return f"{file}:{line} (entry {start!r})"

        path = str(source_path) if source_path else None
        structure.check(source_text, result, path=path, where=where, heading_ids=heading_ids)
    return result


def md2po(
    source: str | Path,
    out: str | Path,
    options: SegmentOptions | None = None,
    now: datetime | None = None,
) -> int:
    """Write (or merge into) a catalog for a Markdown file; returns the number of entries."""
    _text, segmented = segment_file(source, options, article=False)
    old = pofile.load(out) if os.path.exists(out) else None
    po, stats = pofile.merge(
        old,
        segmented.units,
        title=os.path.basename(source),
        now=now or utc_now(),
        source_name=os.path.basename(source),
    )
    pofile.save(po, out)
    return stats.entries


def po2md(
    source: str | Path,
    po_path: str | Path,
    out: str | Path,
    options: SegmentOptions | None = None,
    include_drafts: bool = False,
) -> None:
    """Write the translation of a Markdown file from a catalog, after the structure check."""
    text, segmented = segment_file(source, options, article=False)
    po = pofile.load(po_path)
    _check_belongs(segmented, po, source, po_path)
    result = rebuild(
        text,
        segmented,
        po,
        include_drafts=include_drafts,
        source_path=po_path,
        heading_ids=file_heading_ids(source),
    )
    write_atomic(out, result)


def file_heading_ids(source: str | Path) -> HeadingIds:
    """The ids the site gives the headings of ``source``: the ``[site] layout`` of the project
    whose ``transpub.toml`` is at or above the file's folder, else the default layout's — so an
    in-page link may follow a translated heading in ``po2md`` as it may in ``build``."""
    from pathlib import Path

    from transpub.config import Config, find_config, load_config
    from transpub.publish.layouts import create_layout

    found = find_config(Path(source).resolve().parent)
    site = load_config(found).site if found is not None else Config().site
    return create_layout(site).heading_ids


def _owner(po_path: str | Path, source: str | Path) -> str | None:
    """Another Markdown file beside the catalog that it belongs to (an article's ``zh.md``, or a
    file named as ``source``), or None."""
    folder = os.path.dirname(str(po_path)) or "."
    for name in dict.fromkeys((os.path.basename(str(source)), "zh.md")):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and not os.path.samefile(candidate, source):
            return candidate
    return None


def _check_belongs(
    segmented: Segmented, po: polib.POFile, source: str | Path, po_path: str | Path
) -> None:
    """Refuse a catalog made from another file. When (nearly) none of the source's passages
    are in it, it is the wrong catalog: the error names both files as typed and points to the
    catalog beside the source (never a merge, which would obsolete the other file's entries).
    When some match but most do not, the source changed: the hint is the merge."""
    wanted = {u.msgid for u in segmented.units}
    known = {e.msgid for e in po if not e.obsolete and e.msgid}
    unknown = len(wanted - known)
    if not wanted or unknown * 2 <= len(wanted):
        return
    matched = len(wanted) - unknown
    owner = _owner(po_path, source)
    if matched * 10 < len(wanted) or owner is not None:
        some = "none" if matched == 0 else f"only {matched}"
        sibling = os.path.join(os.path.dirname(str(source)), os.path.basename(str(po_path)))
        whose = f"{po_path} is the catalog of {owner}; " if owner is not None else ""
        if not os.path.exists(sibling):
            hint = (
                f"{whose}give the catalog made from {source}, or make one beside it "
                f"(`transpub md2po {typed_path(source)} -o {typed_path(sibling)}`)"
            )
        elif not os.path.samefile(sibling, po_path):
            hint = f"the catalog of {source} is {sibling}: give that one"
        else:
            hint = f"{whose}give the catalog made from {source}"
        raise CatalogError(
            f"this is the wrong catalog for {source}: {some} of its {len(wanted)} passages "
            f"{'has' if matched == 1 else 'have'} an entry in {po_path}",
            path=po_path,
            hint=hint,
        )
    raise CatalogError(
        f"the catalog was not made from this version of {source}: {unknown} of its "
        f"{len(wanted)} passages have no entry in it",
        path=po_path,
        hint="bring the catalog up to date first (`transpub md2po "
        f"{typed_path(source)} -o {typed_path(po_path)}` merges), or give the Markdown file "
        "the catalog was made from",
    )
