"""Markdown → translatable units plus a byte-exact skeleton.

The parser is pulldown-cmark (through ``pyromark``): CommonMark with GFM tables, footnotes and YAML
front matter, reporting the byte range of every event. Units are cut from those ranges, so the
skeleton is everything else, byte for byte, and ``identity()`` gives back the source exactly.
"""

from __future__ import annotations

import bisect
import functools
import re

import pyromark

from transpub.errors import SourceError
from transpub.markdown.htmltext import HtmlScanner, is_bare_url, skip_block
from transpub.markdown.units import Segmented, Unit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from pyromark.event import BrokenLink

    from transpub.markdown.units import Mode


OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
)

#: Blocks that hold inline text directly; a tight list item holds it without a paragraph.
_TEXT_BLOCKS = frozenset({"Paragraph", "Heading", "TableCell", "Item"})
_INLINE_TAGS = frozenset(
    {"Emphasis", "Strong", "Strikethrough", "Link", "Image", "Superscript", "Subscript"}
)
_LINE_END = re.compile(r"\r\n|\r|\n")


class SegmentOptions:
    """What to offer for translation besides Markdown prose."""

    __slots__ = ("front_matter_keys", "html_blocks")

    def __init__(
        self, front_matter_keys: Sequence[str] = ("title", "summary"), html_blocks: bool = True
    ) -> None:
        self.front_matter_keys = tuple(front_matter_keys)
        self.html_blocks = html_blocks

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SegmentOptions) and (
            self.front_matter_keys,
            self.html_blocks,
        ) == (other.front_matter_keys, other.html_blocks)

    def __hash__(self) -> int:
        return hash((self.front_matter_keys, self.html_blocks))

    def __repr__(self) -> str:
        return f"SegmentOptions({self.front_matter_keys!r}, html_blocks={self.html_blocks})"


def tag_name(tag: Any) -> str:
    """The name of a pyromark Start/End payload (``"Paragraph"`` or ``{"Heading": {...}}``)."""
    return tag if isinstance(tag, str) else next(iter(tag))


def parse_events(text: str) -> Iterator[tuple[Any, Any]]:
    """The parser events of ``text`` with their UTF-8 byte ranges (``{"start": …, "end": …}``),
    produced lazily: a 10 MB document has a million events."""
    return iter(pyromark.events_with_range(text, options=OPTIONS, merge_text=False))


def _reference(link: BrokenLink) -> tuple[str, str] | None:
    """Resolve `[text][label]` and `[label][]`, whose definitions live elsewhere in the document.

    A shortcut `[label]` stays text: in a lone unit it is as likely to be plain brackets.
    """
    if link["link_type"] == "Shortcut":
        return None
    return f"[{' '.join(link['reference'].casefold().split())}]", ""


def unit_events(text: str) -> list[tuple[Any, Any]]:
    """Events of one unit's inline Markdown: references and footnotes resolve without their
    definitions, which live elsewhere in the document."""
    events: list[tuple[Any, Any]] = list(
        pyromark.events_with_range(
            text, options=OPTIONS, merge_text=False, broken_link_callback=_reference
        )
    )
    # An undefined `[^label]` is plain text: define every candidate after the unit and parse again.
    labels = {
        payload["Text"][1:]
        for payload, _ in events
        if isinstance(payload, dict)
        and payload.get("Text", "").startswith("^")
        and not any(ch.isspace() for ch in payload["Text"])
    }
    if not labels:
        return events
    size = len(text.encode("utf-8"))
    definitions = "".join(f"\n\n[^{label}]: -" for label in sorted(labels))
    reparsed = pyromark.events_with_range(
        text + definitions, options=OPTIONS, merge_text=False, broken_link_callback=_reference
    )
    return [(event, rng) for event, rng in reparsed if rng["start"] < size]


class _Cutter:
    """Walks the events once and collects (start, end, unit) byte spans."""

    def __init__(self, text: str, options: SegmentOptions) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self.options = options
        self.line_starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]
        self.spans: list[tuple[int, int, Unit]] = []
        self.eol = "\r\n" if b"\r\n" in self.data[:4096] else "\n"

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def cut(self) -> list[tuple[int, int, Unit]]:
        stack: list[tuple[str, Any]] = []
        run: list[tuple[int, int]] = []
        run_alpha = False
        in_autolink = 0
        html: HtmlScanner | None = None
        for event, rng in parse_events(self.text):
            start, end = rng["start"], rng["end"]
            if isinstance(event, str):  # SoftBreak, HardBreak, Rule
                if event in ("SoftBreak", "HardBreak") and stack and stack[-1][0] in _TEXT_BLOCKS:
                    run.append((start, end))
                else:
                    run_alpha = self._flush(run, run_alpha, stack)
                continue
            kind, payload = next(iter(event.items()))
            if kind in ("Start", "End"):
                name = tag_name(payload)
                if name in _INLINE_TAGS:
                    if name == "Link" and kind == "Start":
                        link_type = payload["Link"]["link_type"]
                        in_autolink += link_type in ("Autolink", "Email")
                    elif name == "Link" and in_autolink:
                        in_autolink -= 1
                    run.append((start, end))
                    continue
                run_alpha = self._flush(run, run_alpha, stack)
                if kind == "Start":
                    stack.append((name, payload))
                    if name == "HtmlBlock":
                        block = self.data[start:end].decode("utf-8")
                        skip = not self.options.html_blocks or skip_block(block)
                        html = None if skip else HtmlScanner()
                    elif name == "MetadataBlock":
                        self._front_matter(start, end)
                else:
                    stack.pop()
                    if name == "HtmlBlock":
                        html = None
                continue
            container = stack[-1][0] if stack else ""
            if kind == "TaskListMarker":
                continue  # `[ ]` / `[x]` stays in the skeleton
            if kind == "Html" and container == "HtmlBlock":
                if html is not None:
                    self._html_line(start, end, html)
                continue
            if container not in _TEXT_BLOCKS:
                continue  # code blocks, metadata text, display math outside text
            run.append((start, end))
            if kind == "Text" and not in_autolink and not run_alpha:
                run_alpha = any(ch.isalpha() for ch in payload)
        self._flush(run, run_alpha, stack)
        self.spans.sort(key=lambda span: span[0])
        return self.spans

    def _flush(self, run: list[tuple[int, int]], alpha: bool, stack: list[tuple[str, Any]]) -> bool:
        if run and alpha:
            start, end = run[0][0], max(e for _, e in run)
            if not is_bare_url(self.data[start:end].decode("utf-8")):
                self.spans.append(self._block_unit(start, end, stack))
        run.clear()
        return False

    def _block_unit(
        self, start: int, end: int, stack: list[tuple[str, Any]]
    ) -> tuple[int, int, Unit]:
        raw = self.data[start:end].decode("utf-8")
        names = [name for name, _ in stack]
        depth = names.count("BlockQuote")
        prefix = _container_prefix(depth)
        parts: list[str] = []
        seps: list[str] = []
        pos = 0
        for m in _LINE_END.finditer(raw):
            parts.append(raw[pos : m.start()])
            p = prefix.match(raw, m.end())
            assert p is not None
            seps.append(m.group() + p.group())
            pos = p.end()
        parts.append(raw[pos:])
        line_start = self.line_starts[self.line_of(start) - 1]
        lead = self.data[line_start:start].decode("utf-8")
        cont = seps[-1] if seps else self.eol + "".join(ch if ch in " \t>" else " " for ch in lead)
        kind, mode = _describe(stack)
        if mode == "line" and seps:
            mode = "block"  # a setext heading may span lines; an ATX heading may not
        unit = Unit(
            msgid="\n".join(parts),
            kind=kind,
            line=self.line_of(start),
            raw=raw,
            mode=mode,
            seps=tuple(seps),
            cont=cont,
        )
        return start, end, unit

    def _html_line(self, start: int, end: int, scanner: HtmlScanner) -> None:
        line = self.data[start:end].decode("utf-8")
        for s, e in scanner.texts(line):
            bs = start + len(line[:s].encode("utf-8"))
            be = bs + len(line[s:e].encode("utf-8"))
            text = line[s:e]
            unit = Unit(msgid=text, kind="html text", line=self.line_of(bs), raw=text, mode="html")
            self.spans.append((bs, be, unit))

    def _front_matter(self, start: int, end: int) -> None:
        from transpub.markdown.frontmatter import (
            front_matter_units,  # PyYAML only for documents with front matter
        )

        block = self.data[start:end].decode("utf-8")
        if start != 0 or block.rstrip().endswith("..."):
            return  # front matter is `---` … `---` at the very start, as VitePress and Hugo read it
        body_start = block.find("\n") + 1
        body_end = max(block.rstrip("\r\n").rfind("\n") + 1, body_start)
        body = block[body_start:body_end]
        first_line = self.line_of(start) + 1
        base = start + len(block[:body_start].encode("utf-8"))
        offset_chars, offset_bytes = 0, base
        for s, e, unit in front_matter_units(body, first_line, self.options.front_matter_keys):
            offset_bytes += len(body[offset_chars:s].encode("utf-8"))
            offset_chars = s
            be = offset_bytes + len(body[s:e].encode("utf-8"))
            self.spans.append((offset_bytes, be, unit))


@functools.cache
def _container_prefix(depth: int) -> re.Pattern[str]:
    """What precedes a paragraph's continuation line inside ``depth`` block quotes."""
    quote = r"(?:[ \t]*>[ \t]?)"
    return re.compile(quote + "{0," + str(depth) + "}" + r"[ \t]*" if depth else r"[ \t]*")


def _describe(stack: list[tuple[str, Any]]) -> tuple[str, Mode]:
    """The unit type shown to translators, and how a translation is put back."""
    names = [name for name, _ in stack]
    inner = names[-1] if names else ""
    if inner == "Heading":
        level = stack[-1][1]["Heading"]["level"].lower()
        return f"heading {level}", "line"
    if inner == "TableCell":
        return ("table header cell" if "TableHead" in names else "table cell"), "cell"
    for name in reversed(names):
        if name == "FootnoteDefinition":
            return "footnote", "block"
        if name == "Item":
            return "list item", "block"
        if name == "BlockQuote":
            return "block quote", "block"
    return "paragraph", "block"


def segment(text: str, options: SegmentOptions | None = None) -> Segmented:
    """Cut ``text`` into skeleton and units; the identity rebuild is verified to be byte-exact."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    cutter = _Cutter(body, options or SegmentOptions())
    data = cutter.data
    result = Segmented([bom] if bom else [])
    pos = 0
    for start, end, unit in cutter.cut():
        if start < pos:
            continue  # a value selected twice (overlapping front-matter keys)
        result.pieces.append(data[pos:start].decode("utf-8"))
        result.pieces.append(unit)
        pos = end
    result.pieces.append(data[pos:].decode("utf-8"))
    if result.identity() != text:
        raise SourceError(
            "transpub could not cut this document into a faithful skeleton",
            hint="please report it with the file attached",
        )
    return result
