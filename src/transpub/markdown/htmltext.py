"""Text inside raw HTML blocks (``<center>图 1 …</center>``): where it is, what to skip."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9:_.-]*)")
_BARE_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+|[^@\s]+@[^@\s]+\.\w+", re.I)
#: Elements whose content is never prose.
_OPAQUE = frozenset({"script", "style", "pre", "code", "textarea", "template", "svg", "math"})


def is_bare_url(text: str) -> bool:
    """Whether ``text`` is nothing but a URL or an e-mail address (never offered)."""
    return _BARE_URL.fullmatch(text.strip()) is not None


def skip_block(html: str) -> bool:
    """Whether a whole HTML block is never offered: comments, scripts, styles."""
    head = html.lstrip()
    if head.startswith(("<!--", "<?", "<!", "<![CDATA[")):
        return True
    match = _TAG_NAME.match(head)
    return match is None or match.group(1).lower() in _OPAQUE


def is_component_block(html: str) -> bool:
    """Whether an HTML block opens with a component (MDX/JSX, Vue: ``<Note>``, ``<my-chart>``,
    capitalised or hyphenated), whose slots (``<template #title>``) hold prose."""
    match = _TAG_NAME.match(html.lstrip())
    if match is None:
        return False
    name = match.group(1)
    return (name[0].isupper() and not name.isupper()) or "-" in name


#: Elements that sit inside a line of prose: a unit runs on over them.
INLINE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "wbr",
    }
)
_VOID = frozenset({"br", "wbr"})
#: Attributes whose values people read: offered as their own units.
TEXT_ATTRIBUTES = frozenset({"alt", "title"})
_ATTR_NAME = re.compile(r"[^\s=>/\"']+")
_UNQUOTED = re.compile(r"[^\s>\"'=<`]+")


class HtmlScanner:
    """Finds prose between tags and in ``alt``/``title`` values, line by line, remembering
    comments, opaque elements and tags (with their quoted values) that go on over lines."""

    __slots__ = (
        "attr",
        "closing",
        "in_comment",
        "in_tag",
        "name",
        "opaque",
        "opaque_names",
        "quote",
        "tag_here",
        "tag_start",
    )

    def __init__(self, components: bool = False) -> None:
        #: Inside components (Vue), `<template>` is a slot of visible text, not inert markup.
        self.opaque_names = _OPAQUE - {"template"} if components else _OPAQUE
        self.in_comment = False
        self.opaque: str | None = None
        self.in_tag = False  # inside `<name …` until its `>`
        self.name = ""  # the open tag's name, lower case
        self.closing = False
        self.attr = ""  # the attribute whose value comes next, lower case
        self.quote: str | None = None  # inside a quoted value
        self.tag_start = 0  # where the open tag started, when it started on this line
        self.tag_here = False

    def texts(self, line: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, kind) of what one line of an HTML block holds, in order: ``kind`` is ""
        for text between tags (stripped), ``alt``/``title`` for a quoted value people read,
        ``<b``/``</b`` for an inline tag on one line, ``|`` where prose cannot go on (a block
        tag, a comment, a tag over lines, an opaque element)."""
        i, n = 0, len(line)
        self.tag_here = False
        while i < n:
            if self.in_tag:
                i = yield from self._tag(line, i)
                continue
            if self.in_comment:
                end = line.find("-->", i)
                if end < 0:
                    return
                self.in_comment, i = False, end + 3
                continue
            if line.startswith("<!--", i):
                yield i, i + 4, "|"
                self.in_comment, i = True, i + 4
                continue
            if line[i] == "<" and i + 1 < n and (line[i + 1].isalpha() or line[i + 1] == "/"):
                match = _TAG_NAME.match(line, i)
                self.tag_start, self.tag_here = i, True
                self.in_tag, self.closing = True, line.startswith("</", i)
                self.name = match.group(1).lower() if match else ""
                self.attr, self.quote = "", None
                i = match.end() if match else i + 2
                continue
            j = line.find("<", i + 1)
            j = n if j < 0 else j
            text = line[i:j]
            if self.opaque is None and text.strip():
                lead = len(text) - len(text.lstrip())
                yield i + lead, i + len(text.rstrip()), ""
            i = j

    def _tag(self, line: str, i: int) -> Generator[tuple[int, int, str], None, int]:
        """Scan inside a tag from ``i``; return where scanning goes on."""
        n = len(line)
        if self.quote:
            end = line.find(self.quote, i)
            if end < 0:
                self.attr = ""  # a value over lines is not offered
                return n
            if self.attr in TEXT_ATTRIBUTES and self.opaque is None:
                yield from ((s, e, self.attr) for s, e in _prose(line, i, end))
            self.quote, self.attr = None, ""
            return end + 1
        ch = line[i]
        if ch == ">":
            inline = self.tag_here and self.name in INLINE_TAGS and self.opaque is None
            kind = ("</" if self.closing else "<") + self.name if inline else "|"
            yield (self.tag_start if self.tag_here else i), i + 1, kind
            self._end_tag(line[i - 1 : i] == "/")
            return i + 1
        if ch in "\"'":
            self.quote = ch
            return i + 1
        if ch == "=":
            j = i + 1
            while j < n and line[j] in " \t":
                j += 1
            value = _UNQUOTED.match(line, j)
            if value is None:
                return j  # a quote (or the line's end) comes next
            if self.attr in TEXT_ATTRIBUTES and self.opaque is None:  # `alt=徽章`
                yield from ((s, e, self.attr) for s, e in _prose(line, j, value.end()))
            self.attr = ""
            return value.end()
        name = _ATTR_NAME.match(line, i)
        if name is not None:
            self.attr = name.group().lower()
            return name.end()
        return i + 1

    def _end_tag(self, self_closing: bool) -> None:
        self.in_tag = False
        name, self.attr, self.quote = self.name, "", None
        if name in self.opaque_names:
            if self.closing and self.opaque == name:
                self.opaque = None
            elif not self.closing and self.opaque is None and not self_closing:
                self.opaque = name


def prose_runs(items: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Units of an HTML block from the ``HtmlScanner.texts`` items of all its lines (offsets
    made absolute): ``alt``/``title`` values alone; text between two boundaries (``|``) as one
    run over lines and inline tags, taking in the tags just outside it that its own tags need
    to be balanced (``<b>加粗</b>``, not ``加粗</b>``)."""
    out: list[tuple[int, int, str]] = []
    segment: list[tuple[int, int, str]] = []
    for item in [*items, (0, 0, "|")]:
        if item[2] in TEXT_ATTRIBUTES:
            out.append(item)
        elif item[2] == "|":
            out.extend(_run(segment))
            segment = []
        else:
            segment.append(item)
    return out


def _run(segment: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    texts = [i for i, (_, _, kind) in enumerate(segment) if kind == ""]
    if not texts:
        return []
    lo, hi = texts[0], texts[-1]
    opened: list[str] = []
    closed: list[str] = []  # closing tags without their opening tag inside the run
    for _, _, kind in segment[lo : hi + 1]:
        if kind.startswith("</"):
            if kind[2:] in opened:
                del opened[len(opened) - 1 - opened[::-1].index(kind[2:])]
            else:
                closed.append(kind[2:])
        elif kind.startswith("<") and kind[1:] not in _VOID:
            opened.append(kind[1:])
    while closed and lo > 0 and segment[lo - 1][2] == "<" + closed[-1]:
        lo -= 1
        closed.pop()
    while opened and hi + 1 < len(segment) and segment[hi + 1][2] == "</" + opened[-1]:
        hi += 1
        opened.pop()
    return [(segment[lo][0], segment[hi][1], "")]


def _prose(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    text = line[start:end]
    stripped = text.strip()
    if not stripped or not any(ch.isalpha() for ch in stripped):
        return
    if is_bare_url(stripped):
        return
    lead = len(text) - len(text.lstrip())
    yield start + lead, start + lead + len(stripped)
