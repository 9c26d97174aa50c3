"""What the aligner knows about one unit: its structural group, its length and its anchors.

Anchors are the tokens a translator copies rather than translates: numbers, URLs, code spans and
Latin names (``OpenDigger``, ``GitHub``). On the English side, where every word is Latin, only the
words that also occur in the Chinese document count as names.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from transpub.markdown.units import Unit

_URL = re.compile(r"(?:https?://|www\.)[^\s)>\]\"'<]+")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE = re.compile(r"`+([^`]+)`+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.+#'][A-Za-z0-9]+)*\+*")
_MARKUP = re.compile(r"<[^>]+>|[*_~#>|\\]|!?\[|\]\([^)]*\)")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: English characters per Han character in published translations (4.0–4.5 in the six chapters of
#: the 2024 China Open Source Report), and how many Han characters that prior weighs.
PRIOR_RATIO = 4.2
PRIOR_WEIGHT = 300.0

#: Units whose kinds align only with the same group (``text`` also takes ``html``).
TEXT_KINDS = ("paragraph", "list item", "block quote", "footnote")


def group_of(unit: Unit) -> str:
    """The structural group: ``fm:<key>``, ``h1``…``h6``, ``cell``, ``header cell``, ``html``,
    ``attr`` (alt and title values) or ``text`` (paragraphs, list items, block quotes,
    footnotes)."""
    kind = unit.kind
    if kind.startswith("front matter: "):
        return "fm:" + kind[len("front matter: ") :]
    if kind.startswith("heading "):
        return kind[len("heading ") :]
    if kind == "table header cell":
        return "header cell"
    if kind == "table cell":
        return "cell"
    if kind == "html text":
        return "html"
    if kind in ("html alt", "html title"):
        return "attr"  # pairs only with another attribute value, or with nothing
    return "text"


def plain(text: str) -> str:
    """The text a reader sees: link targets, URLs, HTML tags and Markdown marks removed."""
    text = _URL.sub(" ", _LINK_TARGET.sub("]", text))
    return " ".join(_MARKUP.sub(" ", text).split())


def number_tokens(text: str) -> list[str]:
    """Numbers with thousands separators dropped (``1,000`` and ``1000`` are one anchor)."""
    out = []
    for m in _NUMBER.finditer(text):
        token = m.group().replace(",", "").rstrip(".")
        out.append("#" + (token.lstrip("0") or "0"))
    return out


def latin_tokens(text: str) -> list[str]:
    """Latin words, lower-cased, of two letters or more."""
    return [w.lower() for w in _LATIN.findall(text) if len(w) > 1]


@dataclass
class Item:
    """A unit as the aligner sees it. ``index`` is its place in the document's unit list."""

    index: int
    unit: Unit
    group: str
    length: float  # visible characters, at least 1
    position: float  # 0–1: where the unit starts in the document, by visible characters
    anchors: Counter[str] = field(default_factory=Counter)
    han: float = 0.0  # Han characters among ``length`` (Chinese side)
    depth: int = 0  # nesting of a list item (0: top level), ranked within its document
    text: str = ""  # what a reader sees (``plain``)

    @property
    def latin(self) -> bool:
        """Mostly not Chinese: a name, a number or a passage quoted in English."""
        return self.han < 0.3 * self.length


def _raw_anchors(text: str) -> tuple[list[str], str]:
    """URL and code anchors, and the text left once they are removed."""
    found = ["url:" + u.rstrip(".,;").lower() for u in _URL.findall(text)]
    found += ["url:" + t.rstrip(".,;").lower() for t in _LINK_TARGET.findall(text) if t]
    found += ["code:" + c.strip() for c in _CODE.findall(text)]
    rest = _CODE.sub(" ", _URL.sub(" ", _LINK_TARGET.sub("] ", text)))
    return found, rest


def list_depths(units: list[Unit], text: str | None) -> list[int]:
    """Each unit's list nesting: the rank of its line's indentation among the list items' own
    (documents indent by 2 or 4 spaces, so widths are ranked, not divided)."""
    if text is None:
        return [0] * len(units)
    lines = text.splitlines()
    indents: list[int | None] = []
    for unit in units:
        if unit.kind != "list item" or not 0 < unit.line <= len(lines):
            indents.append(None)
            continue
        line = lines[unit.line - 1].expandtabs(4)
        indents.append(len(line) - len(line.lstrip(" ")))
    widths = sorted({i for i in indents if i is not None})
    ranks = {width: rank for rank, width in enumerate(widths)}
    return [ranks[i] if i is not None else 0 for i in indents]


def items_of(
    units: list[Unit], names: frozenset[str] | None = None, text: str | None = None
) -> list[Item]:
    """Items for a document's units. ``names`` (lower-case Latin words of the other, Chinese
    document) limits Latin anchors on the English side; ``None`` keeps them all (Chinese side).

    Lengths are visible characters; on the Chinese side (``names is None``) they are split into
    Han characters and others, so that :func:`scale_lengths` can weigh Latin text copied into the
    Chinese (names, English sentences) as it will count in the English. ``text`` (the document)
    gives list items their nesting depth.
    """
    depths = list_depths(units, text)
    texts = [plain(u.msgid) for u in units]
    lengths = [max(1.0, float(len(t))) for t in texts]
    total = sum(lengths) or 1.0
    items: list[Item] = []
    done = 0.0
    for index, (unit, length, text) in enumerate(zip(units, lengths, texts, strict=True)):
        anchors, rest = _raw_anchors(unit.msgid)
        anchors += number_tokens(rest)
        words = latin_tokens(rest)
        anchors += [w for w in words if names is None or w in names]
        han = float(len(_HAN.findall(text))) if names is None else 0.0
        item = Item(
            index,
            unit,
            group_of(unit),
            length,
            done / total,
            Counter(anchors),
            han,
            depths[index],
            text,
        )
        items.append(item)
        done += length
    return items


def scale_lengths(zh: list[Item], en: list[Item]) -> float:
    """Put Chinese lengths in Chinese-character units, where each Han character counts 1 and
    other characters count 1/ratio, and return the ratio: English characters per Han character
    once the text copied verbatim is set aside. A short document leans on :data:`PRIOR_RATIO`
    (a dropped paragraph must not skew it)."""
    han = sum(i.han for i in zh)
    other = sum(i.length - i.han for i in zh)
    english = sum(i.length for i in en)
    ratio = (english - other + PRIOR_WEIGHT * PRIOR_RATIO) / (han + PRIOR_WEIGHT)
    ratio = min(8.0, max(1.0, ratio))
    for item in zh:
        item.length = max(1.0, item.han + (item.length - item.han) / ratio)
    return ratio


def names_of(items: list[Item]) -> frozenset[str]:
    """The Latin words of a Chinese document's mostly Chinese units: names, not the function
    words of the English passages some Chinese documents quote."""
    return frozenset(
        a
        for item in items
        if not item.latin
        for a in item.anchors
        if a[0].isalpha() and ":" not in a
    )


def han_share(text: str) -> float:
    """The share of Han characters among the non-space characters of ``text`` (0–1)."""
    chars = [ch for ch in text if not ch.isspace()]
    return sum(1 for ch in chars if _HAN.match(ch)) / len(chars) if chars else 0.0
