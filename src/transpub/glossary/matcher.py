"""Finding glossary terms in Chinese text (no word boundaries): Aho-Corasick, longest first.

Terms are never matched inside code spans, URLs, link destinations or HTML tags, nor inside a longer
term, nor (for Latin-script terms such as ``OSI``) inside a longer Latin word (``POSIX``).
A term split by a soft line break (``开源\n社``) is matched as a page shows it: the break joins two
Chinese characters with nothing and anything else with one space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from transpub.glossary.term import Term

_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>()\[\]（）]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I
)
_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")


@dataclass(frozen=True)
class TermMatch:
    """A term found at ``text[start:end]``; ``terms`` are its entries (required and forbidden)."""

    start: int
    end: int
    terms: tuple[Term, ...]

    @property
    def source(self) -> str:
        return self.terms[0].zh


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def joined(text: str) -> tuple[str, Sequence[int]]:
    """``text`` with each soft line break (and the spaces around it) joined as a page shows it:
    nothing between two Chinese characters, else one space; and, for each character of the
    result, its index in ``text``."""
    out: list[str] = []
    where: list[int] = []
    at = 0
    for m in _BREAK.finditer(text):
        out.append(text[at : m.start()])
        where.extend(range(at, m.start()))
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        if not (_CJK.match(before) and _CJK.match(after)):
            out.append(" ")
            where.append(m.start())
        at = m.end()
    out.append(text[at:])
    where.extend(range(at, len(text)))
    return "".join(out), where


def protected_spans(text: str, markdown: bool = True) -> list[tuple[int, int]]:
    """Character spans where terms never count: code, URLs, link destinations, HTML tags."""
    spans = [(m.start(), m.end()) for m in _URL.finditer(text)]
    if markdown and any(ch in text for ch in "`[<!"):
        spans.extend(_markup_spans(text))
    return spans


def _markup_spans(text: str) -> list[tuple[int, int]]:
    from transpub.markdown.segmenter import parse_events, tag_name

    data = text.encode("utf-8")

    def chars(offset: int) -> int:
        return len(data[:offset].decode("utf-8", "ignore"))

    spans: list[tuple[int, int]] = []
    open_links: list[tuple[int, int]] = []  # (start, end of the last child seen)
    for event, rng in parse_events(text):
        if isinstance(event, str):
            continue
        kind, payload = next(iter(event.items()))
        start, end = rng["start"], rng["end"]
        if kind in ("Code", "InlineHtml", "Html", "InlineMath", "DisplayMath"):
            spans.append((chars(start), chars(end)))
        elif kind == "Start" and tag_name(payload) in ("Link", "Image"):
            open_links.append((start, start + 1))
        elif kind == "End" and tag_name(payload) in ("Link", "Image") and open_links:
            _s, last = open_links.pop()
            spans.append((chars(last), chars(end)))  # `](destination "title")`
        elif open_links and end > open_links[-1][1]:
            open_links[-1] = (open_links[-1][0], end)
    return spans


class TermMatcher:
    """Every occurrence of every term in a text, leftmost-longest, outside protected spans."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._by_key: dict[str, list[Term]] = {}
        for term in terms:
            self._by_key.setdefault(term.zh.casefold(), []).append(term)
        self._automaton = ahocorasick.Automaton()
        for key in self._by_key:
            self._automaton.add_word(key, key)
        if self._by_key:
            self._automaton.make_automaton()
        # The glossary checks ask about the same unit one after another: remember the last answer.
        self._last: tuple[str, bool, list[TermMatch]] | None = None

    def __len__(self) -> int:
        return len(self._by_key)

    def find(self, text: str, markdown: bool = True) -> list[TermMatch]:
        """Occurrences in ``text`` (a unit's Markdown when ``markdown``)."""
        if not self._by_key or not text:
            return []
        last = self._last  # read once: another thread may replace it
        if last is not None and last[0] == text and last[1] == markdown:
            return list(last[2])
        found = self._find(text, markdown)
        self._last = (text, markdown, found)
        return list(found)

    def _find(self, text: str, markdown: bool) -> list[TermMatch]:
        flat, where = joined(text) if "\n" in text else (text, range(len(text)))
        folded = flat.casefold()
        if len(folded) != len(flat):  # a rare character changed length: match as written
            folded = flat
        spans = None
        found: list[TermMatch] = []
        for end_index, key in self._automaton.iter_long(folded):
            end = end_index + 1
            start = end - len(key)
            if _is_latin(key[0]) and start > 0 and _is_latin(flat[start - 1]):
                continue
            if _is_latin(key[-1]) and end < len(flat) and _is_latin(flat[end]):
                continue
            if spans is None:
                spans = protected_spans(text, markdown)
            written = flat[start:end]
            start, end = where[start], where[end - 1] + 1  # back to positions in ``text``
            if any(s < end and start < e for s, e in spans):
                continue
            terms = tuple(t for t in self._by_key[key] if not t.case_sensitive or t.zh == written)
            if terms:
                found.append(TermMatch(start, end, terms))
        return found
