"""Text inside raw HTML blocks (``<center>图 1 …</center>``): where it is, what to skip."""

from __future__ import annotations

import re
from collections.abc import Iterator

_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9:_.-]*)")
_BARE_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+|[^@\s]+@[^@\s]+\.\w+", re.I)
#: Elements whose content is never prose.
_OPAQUE = frozenset({"script", "style", "pre", "code", "textarea", "template", "svg", "math"})


def is_bare_url(text: str) -> bool:
    """Whether ``text`` is nothing but a URL or an e-mail address (never offered)."""
    return _BARE_URL.fullmatch(text.strip()) is not None


def skip_block(html: str) -> bool:
    """Whether a whole HTML block is never offered: comments, scripts, Vue components."""
    head = html.lstrip()
    if head.startswith(("<!--", "<?", "<!", "<![CDATA[")):
        return True
    match = _TAG_NAME.match(head)
    if match is None:
        return True
    name = match.group(1)
    # Vue/VitePress components are capitalised or hyphenated (<VPTeamMembers>, <my-chart>).
    return name.lower() in _OPAQUE or name != name.lower() or "-" in name


class HtmlScanner:
    """Finds prose between tags, line by line, remembering comments and opaque elements."""

    __slots__ = ("in_comment", "opaque")

    def __init__(self) -> None:
        self.in_comment = False
        self.opaque: str | None = None

    def texts(self, line: str) -> Iterator[tuple[int, int]]:
        """(start, end) character spans of prose in one line of an HTML block."""
        i, n = 0, len(line)
        while i < n:
            if self.in_comment:
                end = line.find("-->", i)
                if end < 0:
                    return
                self.in_comment, i = False, end + 3
                continue
            if line.startswith("<!--", i):
                self.in_comment, i = True, i + 4
                continue
            if line[i] == "<" and i + 1 < n and (line[i + 1].isalpha() or line[i + 1] == "/"):
                i = self._skip_tag(line, i)
                continue
            j = line.find("<", i + 1)
            j = n if j < 0 else j
            if self.opaque is None:
                yield from _prose(line, i, j)
            i = j

    def _skip_tag(self, line: str, i: int) -> int:
        match = _TAG_NAME.match(line, i)
        name = match.group(1).lower() if match else ""
        closing = line.startswith("</", i)
        quote: str | None = None
        j = i + 1
        while j < len(line):
            ch = line[j]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == ">":
                break
            j += 1
        if name in _OPAQUE:
            if closing and self.opaque == name:
                self.opaque = None
            elif not closing and self.opaque is None and not line[i:j].endswith("/"):
                self.opaque = name
        return j + 1


def _prose(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    text = line[start:end]
    stripped = text.strip()
    if not stripped or not any(ch.isalpha() for ch in stripped):
        return
    if is_bare_url(stripped):
        return
    lead = len(text) - len(text.lstrip())
    yield start + lead, start + lead + len(stripped)
