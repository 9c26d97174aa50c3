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
from transpub.markdown.htmltext import (
    TEXT_ATTRIBUTES,
    HtmlScanner,
    is_bare_url,
    is_component_block,
    prose_runs,
    skip_block,
)
from transpub.markdown.syntax import (
    COMPONENT_TAG,
    DIRECTIVE,
    TEMPLATE,
    fence_title,
    heading_id,
    is_syntax_line,
)
from transpub.markdown.units import Segmented, Unit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any

    from pyromark.event import BrokenLink

    from transpub.markdown.units import Mode


OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS
    | pyromark.Options.ENABLE_MATH  # `$…$`, `$$…$$`: never prose, kept whole in a unit
)

#: Blocks that hold inline text directly; a tight list item holds it without a paragraph.
_TEXT_BLOCKS = frozenset({"Paragraph", "Heading", "TableCell", "Item"})
_INLINE_TAGS = frozenset(
    {"Emphasis", "Strong", "Strikethrough", "Link", "Image", "Superscript", "Subscript"}
)
_LINE_END = re.compile(r"\r\n|\r|\n")
_ITEM_KINDS = {"Text": "text", "InlineHtml": "html"}
#: The first bytes of a line that may be syntax (a fence, a tag, a shortcode, a directive).
_SYNTAX_STARTS = frozenset(b"<{: \t")
#: A link reference definition with a quoted title (`[label]: /url "标题"`), group 2 the title.
_DEFINITION = re.compile(
    rb"^ {0,3}\[(?:[^\]\\\n]|\\.)+\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+|[ \t]*\r?\n[ \t]*)"
    rb"""("((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')[ \t]*\r?$""",
    re.M,
)


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


#: The options after the front matter: a `---` … `---` further down is a rule and text, never
#: YAML (pulldown-cmark takes one anywhere, and everything inside was never offered).
_BODY_OPTIONS = OPTIONS & ~pyromark.Options.ENABLE_YAML_STYLE_METADATA_BLOCKS


def parse_events(text: str) -> Iterator[tuple[Any, Any]]:
    """The parser events of ``text`` with their UTF-8 byte ranges (``{"start": …, "end": …}``),
    produced lazily: a 10 MB document has a million events.

    Front matter is only a `---` … `---` block at the very start, as VitePress and Hugo read it.
    """
    if not text.startswith("---"):
        return iter(pyromark.events_with_range(text, options=_BODY_OPTIONS, merge_text=False))
    return _with_front_matter(text)


def _with_front_matter(text: str) -> Iterator[tuple[Any, Any]]:
    events = iter(pyromark.events_with_range(text, options=OPTIONS, merge_text=False))
    first = next(events, None)
    if first is None:
        return
    event, rng = first
    if not (isinstance(event, dict) and "MetadataBlock" in str(event.get("Start", ""))):
        yield from pyromark.events_with_range(text, options=_BODY_OPTIONS, merge_text=False)
        return
    yield first
    end = rng["end"]
    for event, rng in events:
        yield event, rng
        if isinstance(event, dict) and "MetadataBlock" in str(event.get("End", "")):
            end = rng["end"]
            break
    rest = text.encode("utf-8")[end:].decode("utf-8")
    for event, rng in pyromark.events_with_range(rest, options=_BODY_OPTIONS, merge_text=False):
        yield event, {"start": rng["start"] + end, "end": rng["end"] + end}


def _reference(link: BrokenLink) -> tuple[str, str] | None:
    """Resolve `[text][label]` and `[label][]`, whose definitions live elsewhere in the document.

    A shortcut `[label]` stays text: in a lone unit it is as likely to be plain brackets.
    """
    if link["link_type"] == "Shortcut":
        return None
    return f"[{' '.join(link['reference'].casefold().split())}]", ""


def unit_events(
    text: str, references: Callable[[BrokenLink], tuple[str, str] | None] = _reference
) -> list[tuple[Any, Any]]:
    """Events of one unit's inline Markdown, ranges in UTF-8 bytes of ``text``.

    The unit is parsed as the inline content it is in place (the text of a heading, a cell, a
    paragraph), never as blocks of its own: `1. 目标` in a heading is not a list, nor is a line
    `- 乙` inside a paragraph. References and footnotes resolve without their definitions, which
    live elsewhere in the document (``references`` resolves a reference link's label).
    """
    # Before the first line, a no-break space: whitespace to the inline parser (emphasis flanks
    # as at a line start), not indentation to the block parser; later lines indented by four
    # spaces can only continue the paragraph.
    lines = text.split("\n")
    doc = _LEAD + _INDENT.join(lines)
    size = len(doc.encode("utf-8"))
    events: list[tuple[Any, Any]] = list(
        pyromark.events_with_range(
            doc, options=OPTIONS, merge_text=False, broken_link_callback=references
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
    if labels:
        definitions = "".join(f"\n\n[^{label}]: -" for label in sorted(labels))
        reparsed = pyromark.events_with_range(
            doc + definitions, options=OPTIONS, merge_text=False, broken_link_callback=references
        )
        events = [(event, rng) for event, rng in reparsed if rng["start"] < size]
    return _unit_ranges(events, text, lines)


_LEAD = "\u00a0"
_INDENT = "\n    "


def _unit_ranges(
    events: list[tuple[Any, Any]], text: str, lines: list[str]
) -> list[tuple[Any, Any]]:
    """Map the events of the parsed stand-in back to ``text``: ranges into its bytes, the lead
    space dropped."""
    lead, indent = len(_LEAD.encode("utf-8")), len(_INDENT) - 1
    # Where each line of ``text`` starts in the stand-in and in ``text``, and its size with the
    # line feed (bytes).
    doc_starts: list[int] = []
    starts: list[int] = []
    sizes: list[int] = []
    doc_pos = pos = 0
    for i, line in enumerate(lines):
        doc_pos += lead if i == 0 else indent
        size = len(line.encode("utf-8")) + 1
        doc_starts.append(doc_pos)
        starts.append(pos)
        sizes.append(size)
        doc_pos, pos = doc_pos + size, pos + size

    def back(offset: int) -> int:
        i = max(bisect.bisect_right(doc_starts, offset) - 1, 0)
        return starts[i] + min(max(offset - doc_starts[i], 0), sizes[i])

    data = text.encode("utf-8")
    out: list[tuple[Any, Any]] = []
    lead_seen = False
    for event, rng in _true_ranges(events, data, back):
        if isinstance(event, dict):
            kind, payload = next(iter(event.items()))
            if kind == "Code" and "\n" in text:
                event = {kind: _code_content(data[rng["start"] : rng["end"]].decode("utf-8"))}
            elif isinstance(payload, str) and _INDENT in payload:  # inline HTML over lines
                event = {kind: payload.replace(_INDENT, "\n")}
            if kind == "Text" and not lead_seen:
                lead_seen = True
                payload = event["Text"].removeprefix(_LEAD)
                if not payload:
                    continue
                event = {"Text": payload}
        out.append((event, rng))
    return out


def _code_content(span: str) -> str:
    """The content of a code span from its source (CommonMark 6.1): the parser would keep the
    stand-in's indentation of a continuation line in it."""
    fence = len(span) - len(span.lstrip("`"))
    content = span[fence:-fence].replace("\r\n", " ").replace("\n", " ")
    if len(content) > 2 and content[0] == content[-1] == " " and content.strip(" "):
        content = content[1:-1]
    return content


def _true_ranges(
    events: Iterable[tuple[Any, Any]], data: bytes, back: Callable[[int], int] = int
) -> Iterator[tuple[Any, Any]]:
    """Events with the byte ranges of all the source that made them (``back`` maps a parsed
    offset to ``data``): pulldown-cmark leaves an escaping backslash out of a text's range
    (`\\*` → `*`) and the `[]` of a collapsed reference out of its link's."""
    collapsed: list[bool] = []
    for event, rng in events:
        start, end = back(rng["start"]), back(rng["end"])
        if isinstance(event, dict):
            kind, payload = next(iter(event.items()))
            if kind == "Text" and _escaped(data, start):
                start -= 1
            elif kind in ("Start", "End") and tag_name(payload) in ("Link", "Image"):
                if kind == "Start":
                    name = tag_name(payload)
                    collapsed.append(payload[name]["link_type"].startswith("Collapsed"))
                if collapsed[-1] and data[end : end + 2] == b"[]":
                    end += 2
                if kind == "End":
                    collapsed.pop()
        yield event, {"start": start, "end": end}


def _escaped(data: bytes, start: int) -> bool:
    """Whether the ASCII punctuation at ``start`` follows a backslash that escapes it."""
    if not (start and data[start - 1] == 0x5C and chr(data[start]) in _ASCII_PUNCTUATION):
        return False
    run = len(data[:start]) - len(data[:start].rstrip(b"\\"))
    return run % 2 == 1


_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class _Cutter:
    """Walks the events once and collects (start, end, unit) byte spans."""

    def __init__(self, text: str, options: SegmentOptions) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self.options = options
        self.line_starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]
        self.spans: list[tuple[int, int, Unit]] = []
        #: Where hard line breaks end (byte offsets): their line ending is part of the unit.
        self.breaks: set[int] = set()
        #: What the current HTML block holds so far: (start, end, kind) of ``HtmlScanner``.
        self.html_items: list[tuple[int, int, str]] = []
        self.eol = "\r\n" if b"\r\n" in self.data[:4096] else "\n"
        #: Byte ranges of the top-level blocks: link reference definitions lie between them.
        self.blocks: list[tuple[int, int]] = []

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def cut(self) -> list[tuple[int, int, Unit]]:
        stack: list[tuple[str, Any]] = []
        #: The current text block's inline items: (start, end, kind), kind one of ``soft``,
        #: ``hard`` (line breaks), ``open``, ``close`` (inline tags), ``html``, ``text``, ``other``.
        run: list[tuple[int, int, str]] = []
        prose: list[tuple[int, str]] = []  # the run's visible text, autolinks aside: (start, text)
        in_autolink = 0
        html: HtmlScanner | None = None
        for event, rng in _true_ranges(parse_events(self.text), self.data):
            start, end = rng["start"], rng["end"]
            if isinstance(event, str):  # SoftBreak, HardBreak, Rule
                if event in ("SoftBreak", "HardBreak") and stack and stack[-1][0] in _TEXT_BLOCKS:
                    run.append((start, end, "soft" if event == "SoftBreak" else "hard"))
                    if event == "HardBreak":
                        self.breaks.add(end)
                else:
                    self._flush(run, prose, stack)
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
                    run.append((start, end, "open" if kind == "Start" else "close"))
                    continue
                self._flush(run, prose, stack)
                if kind == "Start":
                    if not stack:
                        self.blocks.append((start, end))
                    stack.append((name, payload))
                    if name == "HtmlBlock":
                        block = self.data[start:end].decode("utf-8")
                        skip = not self.options.html_blocks or skip_block(block)
                        html = None if skip else HtmlScanner(is_component_block(block))
                    elif name == "MetadataBlock":
                        self._front_matter(start, end)
                else:
                    if name == "HtmlBlock" and html is not None:
                        self._html_units(stack)
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
            run.append((start, end, _ITEM_KINDS.get(kind, "other")))
            if kind == "Text" and not in_autolink:
                prose.append((start, payload))
        self._flush(run, prose, stack)
        self._definition_titles()
        self.spans.sort(key=lambda span: span[0])
        return self.spans

    def _definition_titles(self) -> None:
        """Offer the quoted titles of link reference definitions (mode ``attr``: one line)."""
        if b"]:" not in self.data:
            return
        starts = [s for s, _ in self.blocks]
        for m in _DEFINITION.finditer(self.data):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and self.blocks[i][1] > m.start():
                continue  # inside a block: code, HTML, a paragraph's text
            group = 2 if m.group(2) is not None else 3
            bs, be = m.start(group), m.end(group)
            title = self.data[bs:be].decode("utf-8")
            if worth_offering(title):
                quote = self.data[bs - 1 : bs].decode("utf-8")
                line = self.line_of(bs)
                unit = Unit(_visible(title), "link title", line, title, "attr", (), quote)
                self.spans.append((bs, be, unit))

    def _flush(
        self, run: list[tuple[int, int, str]], prose: list[tuple[int, str]], stack: list[Any]
    ) -> None:
        """Units of a text block's run: its lines of prose, syntax lines (a container fence, a
        component tag, a shortcode alone on a line) left in the skeleton, a fence's title and
        the text before a heading id offered on their own."""
        offered: list[tuple[int, int]] = []
        for start, end in self._pieces(run, stack) if run else ():
            text = "".join(p for s, p in prose if start <= s < end)
            if worth_offering(text) and not is_bare_url(self.data[start:end].decode("utf-8")):
                self.spans.append(self._block_unit(start, end, stack))
                offered.append((start, end))
        # The alt and title of inline HTML that no unit holds (`<img src="a.png" alt="合影">`
        # alone in a paragraph, a component tag on a line of its own) are offered on their own.
        scanner: HtmlScanner | None = None
        for start, end, kind in run:
            if kind == "html" and not any(s <= start < e for s, e in offered):
                scanner = scanner or HtmlScanner()
                self._html_line(start, end, scanner)
        if self.html_items:
            self._html_units(stack)
        run.clear()
        prose.clear()

    def _pieces(self, run: list[tuple[int, int, str]], stack: list[Any]) -> list[tuple[int, int]]:
        """(start, end) of each stretch of prose lines of a run (byte offsets)."""
        lines: list[list[tuple[int, int, str]]] = [[]]
        depth = 0
        for item in run:
            if item[2] in ("soft", "hard") and depth == 0:
                lines.append([])
            else:
                depth += (item[2] == "open") - (item[2] == "close")
                lines[-1].append(item)
        inner = stack[-1][0] if stack else ""
        pieces: list[tuple[int, int]] = []
        stretch: list[tuple[int, int, str]] = []
        for line in [*lines, None]:
            if line is not None and not line:
                continue
            if line:
                start, end = line[0][0], max(e for _, e, _ in line)
                if self.data[start] not in _SYNTAX_STARTS:  # a line of prose, surely
                    stretch += line
                    continue
                text = self.data[start:end].decode("utf-8")
                title = fence_title(text) if inner not in ("Heading", "TableCell") else None
                if title is None and not is_syntax_line(text):
                    stretch += line
                    continue
                if title is not None and title[1] > title[0]:
                    self._title(start, text, title)
            if stretch:
                pieces.append(self._trim(stretch, inner))
                stretch = []
        return [(s, e) for s, e in pieces if e > s]

    def _trim(self, items: list[tuple[int, int, str]], inner: str) -> tuple[int, int]:
        """The span of a stretch of items without component tags at its edges whose partner is
        not inside (``<Note>这种方法…``), nor a heading id (``{#basics}``)."""
        start, end = items[0][0], max(e for _, e, _ in items)
        lo, hi = 0, len(items)
        if items[0][2] == "html" or items[-1][2] == "html":
            lo, hi = self._edge_tags(items, self.data[start:end])
        if lo == hi:
            return start, start
        start, end = items[lo][0], max(e for _, e, _ in items[lo:hi])
        if (
            inner != "Heading"
            and self.data[start] not in b" \t"
            and self.data[end - 1] not in b" \t"
        ):
            return start, end
        text = self.data[start:end].decode("utf-8")
        if inner == "Heading":
            text = text[: heading_id(text)]
        stripped = text.strip(" \t")
        start += len(text[: len(text) - len(text.lstrip(" \t"))].encode("utf-8"))
        return start, start + len(stripped.encode("utf-8"))

    def _edge_tags(self, items: list[tuple[int, int, str]], inside: bytes) -> tuple[int, int]:
        """(lo, hi): the items between the component tags at the edges of a stretch."""
        lo, hi = 0, len(items)
        while lo < hi and items[lo][2] == "html":
            tag = COMPONENT_TAG.fullmatch(self.data[items[lo][0] : items[lo][1]].decode("utf-8"))
            if tag is None or tag.group().startswith("</") or b"</" + tag[1].encode() in inside:
                break
            lo += 1
        while hi > lo and items[hi - 1][2] == "html":
            raw = self.data[items[hi - 1][0] : items[hi - 1][1]].decode("utf-8")
            tag = COMPONENT_TAG.fullmatch(raw)
            if tag is None or not raw.startswith("</") or b"<" + tag[1].encode() in inside:
                break
            hi -= 1
        return lo, hi

    def _title(self, start: int, line: str, title: tuple[int, int]) -> None:
        """Offer the title of a container fence line that starts at byte ``start``."""
        text = line[title[0] : title[1]]
        if not worth_offering(text):
            return
        bs = start + len(line[: title[0]].encode("utf-8"))
        unit = Unit(_visible(text), "container title", self.line_of(bs), text, mode="line")
        self.spans.append((bs, bs + len(text.encode("utf-8")), unit))

    def _block_unit(
        self,
        start: int,
        end: int,
        stack: list[tuple[str, Any]],
        described: tuple[str, Mode] | None = None,
    ) -> tuple[int, int, Unit]:
        raw = self.data[start:end].decode("utf-8")
        names = [name for name, _ in stack]
        depth = names.count("BlockQuote")
        prefix = _container_prefix(depth)
        parts: list[str] = []
        seps: list[str] = []
        pos = 0
        for m in _LINE_END.finditer(raw):
            part = raw[pos : m.start()]
            p = prefix.match(raw, m.end())
            assert p is not None
            sep = m.group() + p.group()
            if start + len(raw[: m.end()].encode("utf-8")) in self.breaks:
                # The blanks before the line end (a tab too), as CommonMark strips them.
                spaces = len(part) - len(part.rstrip(" \t")) if part.endswith("  ") else 0
                # A hard break of trailing spaces is a backslash in the msgid (unless the text
                # ends in a backslash, which would make `\\`).
                if spaces >= 2 and not part.rstrip(" \t").endswith("\\"):
                    part, sep = part[:-spaces] + "\\", part[-spaces:] + sep
            elif described is not None:  # HTML: trailing blanks stay in the skeleton
                text = part.rstrip(" \t")
                part, sep = text, part[len(text) :] + sep
            parts.append(part)
            seps.append(sep)
            pos = p.end()
        parts.append(raw[pos:])
        line_start = self.line_starts[self.line_of(start) - 1]
        lead = self.data[line_start:start].decode("utf-8")
        cont = seps[-1] if seps else self.eol + "".join(ch if ch in " \t>" else " " for ch in lead)
        kind, mode = described or _describe(stack)
        if mode == "line" and seps:
            mode = "block"  # a setext heading may span lines; an ATX heading may not
        unit = Unit(
            msgid=_visible("\n".join(parts)),
            kind=kind,
            line=self.line_of(start),
            raw=raw,
            mode=mode,
            seps=tuple(seps),
            cont=cont,
        )
        return start, end, unit

    def _html_line(self, start: int, end: int, scanner: HtmlScanner) -> None:
        """Collect what one event of an HTML block holds (``html_items``, byte offsets): a line,
        or several when the lines end in a lone CR (the parser splits only at LF)."""
        chunk = self.data[start:end].decode("utf-8")
        pos = 0
        for m in [*_LINE_END.finditer(chunk), None]:
            line = chunk[pos : m.start() if m else len(chunk)]
            for s, e, kind in scanner.texts(line):
                bs = start + len(chunk[: pos + s].encode("utf-8"))
                be = bs + len(line[s:e].encode("utf-8"))
                if kind in TEXT_ATTRIBUTES:  # with its quote, `=` when it has none
                    quote = self.data[bs - 1 : bs].decode("utf-8", "replace")
                    kind += quote if quote in "\"'" else "="
                self.html_items.append((bs, be, kind))
            pos = m.end() if m else len(chunk)

    def _html_units(self, stack: list[tuple[str, Any]]) -> None:
        """Units of the HTML block whose items were collected: prose runs, alt/title values."""
        items, self.html_items = self.html_items, []
        attributes = [i for i in items if i[2][:-1] in TEXT_ATTRIBUTES]
        others = [i for i in items if i[2][:-1] not in TEXT_ATTRIBUTES]
        for bs, be, kind in [*prose_runs(others), *attributes]:
            text = self.data[bs:be].decode("utf-8")
            if not worth_offering(_TAG.sub(" ", text)) or is_bare_url(text):
                continue
            if kind:
                unit = Unit(
                    msgid=_visible(text),
                    kind=f"html {kind[:-1]}",
                    line=self.line_of(bs),
                    raw=text,
                    mode="attr",
                    cont=kind[-1] if kind[-1] in "\"'" else "",
                )
                self.spans.append((bs, be, unit))
            else:
                self.spans.append(self._block_unit(bs, be, stack, ("html text", "html")))

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


#: Chinese, Japanese and Korean script: text in it is always offered.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_EDGE_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’（）《》「」【】、，。：；！？…"


def worth_offering(prose: str) -> bool:
    """Whether text a reader sees (code and autolinks aside) is worth a translator's time: any
    Chinese (Japanese, Korean), or a word of two letters or more. Identifiers (`llvm/llvm-project`,
    `activity_ratio(%)`), numbers, math (`$x^2$`), shortcodes, Vue interpolations, d2l
    directives (`:label:`) and bare links are noise."""
    prose = TEMPLATE.sub(" ", prose)
    if _CJK.search(prose):
        return True
    for token in prose.split():
        if DIRECTIVE.fullmatch(token):
            continue
        word = token.strip(_EDGE_PUNCTUATION)
        if len(word) >= 2 and word.isalpha():
            return True
    return False


_TAG = re.compile(r"<[^<>]*>")


def _visible(msgid: str) -> str:
    """What a translator sees: NUL replaced by U+FFFD, as CommonMark reads it (PO files cannot
    hold NUL)."""
    return msgid.replace("\x00", "\ufffd")


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
