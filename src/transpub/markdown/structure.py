"""Refuse to write what is wrong: compare the Markdown structure of a source and its translation."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from transpub.errors import StructureError
from transpub.markdown.segmenter import parse_events, tag_name

if TYPE_CHECKING:
    from transpub.markdown.units import Unit

_HTML_TAG = re.compile(r"<[^<>]*>")
#: Chinese in a code span (a message, a label) may be translated; only the count must stay.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CODE_WITH_CHINESE = "(a code span with Chinese)"
#: A site's heading ids for a page's headings, in order (``SiteLayout.heading_ids``).
HeadingIds = Callable[[Sequence[str]], list[str]]
#: The values of attributes people read (translated), left out of an HTML block's shape.
_TEXT_ATTRIBUTE = re.compile(r"""\b(alt|title)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
#: Payload details that belong to the structure (a heading's level, a list's kind and start).
_BLOCKS = frozenset(
    {
        "Paragraph",
        "Heading",
        "BlockQuote",
        "CodeBlock",
        "HtmlBlock",
        "List",
        "Item",
        "FootnoteDefinition",
        "Table",
        "TableHead",
        "TableRow",
        "TableCell",
        "MetadataBlock",
    }
)


@dataclass
class Shape:
    """The parts of a document a translation must not change."""

    blocks: list[tuple[str, int]] = field(default_factory=list)
    links: Counter[str] = field(default_factory=Counter)
    images: Counter[str] = field(default_factory=Counter)
    code: Counter[str] = field(default_factory=Counter)
    footnotes: Counter[str] = field(default_factory=Counter)
    headings: list[str] = field(default_factory=list)  # plain text of each heading, in order


def _describe(name: str, payload: Any) -> str:
    if name == "Heading":
        return f"heading {payload['Heading']['level'].lower()}"
    if name == "List":
        start = payload["List"]
        return "bullet list" if start is None else f"ordered list starting at {start}"
    if name == "Table":
        return f"table of {len(payload['Table'])} columns"
    if name == "CodeBlock":
        return "code block"
    words = re.sub(r"(?<!^)([A-Z])", r" \1", name).lower()
    return words.replace("item", "list item").replace("metadata block", "front matter")


def shape(text: str) -> Shape:
    """The structural signature of a Markdown document, with the line of each block."""
    data = text.lstrip("\ufeff").encode("utf-8")
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    result = Shape()
    code: list[str] | None = None
    html: list[str] | None = None
    opened: list[str] = []
    heading: list[str] | None = None
    for event, rng in parse_events(text.lstrip("\ufeff")):
        line = bisect.bisect_right(starts, rng["start"])
        if isinstance(event, str):
            if event == "Rule":
                result.blocks.append(("thematic break", line))
            continue
        kind, payload = next(iter(event.items()))
        if kind == "Start":
            name = tag_name(payload)
            if name in _BLOCKS:
                opened.append(_describe(name, payload))
                result.blocks.append((opened[-1], line))
            if name == "CodeBlock":
                code = []
            elif name == "Heading":
                heading = []
            elif name == "HtmlBlock":
                html = []
            elif name == "Link":
                result.links[payload["Link"]["dest_url"]] += 1
            elif name == "Image":
                result.images[payload["Image"]["dest_url"]] += 1
        elif kind == "End":
            name = tag_name(payload)
            if name in _BLOCKS:
                result.blocks.append((f"end of {opened.pop()}", line))
            if name == "Heading" and heading is not None:
                result.headings.append("".join(heading))
                heading = None
            if name == "CodeBlock" and code is not None:
                result.blocks[-1] = (f"end of code block {''.join(code)!r}", line)
                code = None
            elif name == "HtmlBlock" and html is not None:
                found = _HTML_TAG.findall("".join(html))
                tags = " ".join(_TEXT_ATTRIBUTE.sub(r"\1\2…", tag) for tag in found)
                result.blocks[-1] = (f"end of HTML block with tags {tags or '(none)'}", line)
                html = None
        elif kind == "Text" and code is not None:
            code.append(payload)
        elif kind == "Text" and opened and opened[-1] == "front matter":
            result.blocks.append((f"front matter with {_yaml_shape(payload)}", line))
        elif kind == "Html" and html is not None:
            html.append(payload)
        elif kind == "Code":
            result.code[_CODE_WITH_CHINESE if _CJK.search(payload) else payload] += 1
        elif kind == "FootnoteReference":
            result.footnotes[payload] += 1
        if heading is not None and kind in ("Text", "Code"):
            heading.append(payload)
    return result


def _following_headings(a: Shape, b: Shape, heading_ids: HeadingIds) -> Counter[str]:
    """The translation's link targets, where an in-page anchor that follows a translated heading
    (`#rolling-update` for `## 分段更新` → `## Rolling update`) counts as the source's anchor of
    that heading (`#分段更新`, as the source writes it)."""
    back: dict[str, str] = {}
    for zh, en in zip(heading_ids(a.headings), heading_ids(b.headings), strict=False):
        back.setdefault(en, zh)
    written = {unquote(link[1:]): link for link in a.links if link.startswith("#")}
    links: Counter[str] = Counter()
    for link, n in b.links.items():
        if link.startswith("#") and link not in a.links:
            link = written.get(back.get(unquote(link[1:]), ""), link)
        links[link] += n
    return links


def differences(source: str, translation: str, heading_ids: HeadingIds | None = None) -> list[str]:
    """Sentences saying how the translation's structure differs from the source's (empty if not).

    With the site's ``heading_ids``, an in-page link may point at the translated heading's id
    instead of the source heading's."""
    a, b = shape(source), shape(translation)
    if heading_ids is not None:
        b.links = _following_headings(a, b, heading_ids)
    translated = a.code[_CODE_WITH_CHINESE] - b.code[_CODE_WITH_CHINESE]
    for code in list((b.code - a.code).elements())[: max(translated, 0)]:
        b.code[code] -= 1  # a code span with Chinese, translated
        b.code[_CODE_WITH_CHINESE] += 1
    found: list[str] = []
    for (want, line_a), (got, line_b) in zip(a.blocks, b.blocks, strict=False):
        if want != got:
            found.append(
                f"source line {line_a} has {_article(want)} where the translation "
                f"(line {line_b}) has {_article(got)}"
            )
            break
    else:
        if len(a.blocks) != len(b.blocks):
            i = min(len(a.blocks), len(b.blocks))
            if len(a.blocks) > i:
                found.append(
                    f"the translation ends before {_article(a.blocks[i][0])} of source "
                    f"line {a.blocks[i][1]}"
                )
            else:
                found.append(
                    f"the translation has an extra {b.blocks[i][0]} at line {b.blocks[i][1]}"
                )
    for label, want_c, got_c in (
        ("link target", a.links, b.links),
        ("image", a.images, b.images),
        ("inline code", a.code, b.code),
        ("footnote reference", a.footnotes, b.footnotes),
    ):
        lost, added = want_c - got_c, got_c - want_c
        if lost:
            found.append(f"the translation lost {label} {_items(lost)}")
        if added:
            found.append(f"the translation adds {label} {_items(added)}")
    return found


def stale_anchors(source: str, translation: str, heading_ids: HeadingIds) -> list[tuple[str, str]]:
    """In-page links of the translation that still name a heading by its source id although the
    translation gives that heading another (a dead link in the English page): (the link target as
    written, the heading's id in the translation)."""
    a, b = shape(source), shape(translation)
    zh, en = heading_ids(a.headings), heading_ids(b.headings)
    if len(zh) != len(en):
        return []
    renamed = {z: e for z, e in zip(zh, en, strict=True) if z != e}
    present = set(en)
    return [
        (link, renamed[unquote(link[1:])])
        for link in b.links
        if link.startswith("#")
        and unquote(link[1:]) in renamed
        and unquote(link[1:]) not in present
    ]


def _yaml_shape(text: str) -> str:
    """The keys of a front matter (nested), or why it is not valid YAML."""
    import yaml

    def keys(node: Any) -> Any:
        if isinstance(node, dict):
            return {str(k): keys(v) for k, v in node.items()}
        if isinstance(node, list):
            return [keys(v) for v in node]
        return type(node).__name__

    try:
        return f"keys {keys(yaml.safe_load(text))}"
    except yaml.YAMLError as exc:
        return f"invalid YAML ({getattr(exc, 'problem', None) or 'unparsable'})"


def _article(text: str) -> str:
    return ("an " if text[:1] in "aeiou" else "a ") + text


def _items(counter: Counter[str]) -> str:
    return ", ".join(repr(k) for k in sorted(counter))


def check(
    source: str,
    translation: str,
    path: str | None = None,
    where: Callable[[str], str] | None = None,
    heading_ids: HeadingIds | None = None,
) -> None:
    """Raise StructureError when the translation's Markdown structure differs from the source's.

    The one-line message names every difference, each after ``where(difference)`` (the entry it
    is about, e.g. ``zh.md:7 (entry '一、总体目标')``) when given.
    """
    found = differences(source, translation, heading_ids)
    if found:
        parts = [f"{where(d)}: {d}" if where else d for d in found]
        raise StructureError(
            f"the translation's structure differs from the source: {'; '.join(parts)}",
            path=path,
            hint="fix the translation of each entry named in the catalog",
        )


_SOURCE_LINE = re.compile(r"source line (\d+)")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_COUNTED = re.compile(
    r"the translation (lost|adds) (link target|image|inline code|footnote reference) "
)
_BLOCKS_DIFFER = re.compile(r"source line \d+ has (.*) where the translation \(line \d+\) has (.*)")
_TAG_HEAD = re.compile(r"</?[^\s<>/]+")


def unit_of(
    difference: str, units: Sequence[Unit], done: Mapping[str, str], source: str | None = None
) -> Unit | None:
    """The unit a difference is about, found by its content first: the unit whose translation
    (``done``: msgid → msgstr) holds more of what the translation adds (a link target, an HTML
    tag) than its source does, or whose source holds more of what it lost; for a lost value,
    the unit at the line of ``source`` (the document) that holds it (a reference's target lives
    in its definition). Else the last unit starting at or before the difference's source line,
    else the first whose source or translation holds a value it quotes; else the first unit."""
    lost, added, label = _changed_values(difference)
    for values, grew in ((added, True), (lost, False)):
        for unit in units:
            if unit.msgid not in done:
                continue  # shown as its source: it changed nothing
            theirs, ours = unit.msgid, done[unit.msgid]
            if any(
                ours.count(v) > theirs.count(v) if grew else ours.count(v) < theirs.count(v)
                for v in values
            ):
                return unit
    if source is not None and label is not None:
        lines = [line for v in lost if (line := _line_of(source, label, v)) is not None]
        at = [u for u in units if lines and u.line <= min(lines)]
        if at:
            return at[-1]
    match = _SOURCE_LINE.search(difference)
    if match:
        before = [u for u in units if u.line <= int(match.group(1))]
        return before[-1] if before else (units[0] if units else None)
    values = _QUOTED.findall(difference)
    for unit in units:
        if any(v in unit.msgid or v in done.get(unit.msgid, "") for v in values):
            return unit
    return units[0] if units else None


def _changed_values(difference: str) -> tuple[list[str], list[str], str | None]:
    """(lost, added, label) of a difference, as a translation's text writes them: link targets
    and code as they are, footnote references as ``[^label]``, the heads of HTML tags
    (``</Note``) an HTML block lost or gained; label is the counted kind (None for a block)."""
    counted = _COUNTED.match(difference)
    if counted:
        kind, label = counted.groups()
        values = [v for v in _QUOTED.findall(difference) if v != _CODE_WITH_CHINESE]
        if label == "footnote reference":
            values = [f"[^{v}]" for v in values]
        return (values, [], label) if kind == "lost" else ([], values, label)
    blocks = _BLOCKS_DIFFER.match(difference)
    if blocks and all("HTML block with tags" in b for b in blocks.groups()):
        want, got = (
            Counter(_TAG_HEAD.findall(b.split(" with tags ", 1)[1])) for b in blocks.groups()
        )
        return list(want - got), list(got - want), None
    return [], [], None


def _line_of(source: str, label: str, value: str) -> int | None:
    """The line of ``source`` where a link target, image, code span or footnote reference
    (``[^label]``) first occurs."""
    data = source.lstrip("\ufeff").encode("utf-8")
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    for event, rng in parse_events(source.lstrip("\ufeff")):
        if not isinstance(event, dict):
            continue
        kind, payload = next(iter(event.items()))
        if kind == "Start" and tag_name(payload) in ("Link", "Image"):
            name = tag_name(payload)
            found = (label == "link target") == (name == "Link") and payload[name][
                "dest_url"
            ] == value
        elif kind == "Code":
            found = label == "inline code" and payload == value
        elif kind == "FootnoteReference":
            found = label == "footnote reference" and f"[^{payload}]" == value
        else:
            continue
        if found:
            return bisect.bisect_right(starts, rng["start"])
    return None
