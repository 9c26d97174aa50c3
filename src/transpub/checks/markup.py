"""Checks that a translation keeps the inline Markdown of its source: link targets, code, emphasis…

Each text is parsed once (the result is cached) into an :class:`Inline` inventory, which the
content checks use too: they read its ``prose``, the text a reader sees outside code and HTML.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from transpub.checks.base import Check, CheckContext, Severity, register
from transpub.markdown.segmenter import tag_name, unit_events
from transpub.markdown.syntax import COMPONENT_TAG, TEMPLATE, TEMPLATE_BYTES, heading_id

#: Stands in for code, HTML, breaks and link edges in ``prose``, so no URL or number spans them.
_GAP = "\n"
_STYLES = {"Emphasis": "italic span", "Strong": "bold span", "Strikethrough": "strikethrough span"}
_HTML_TAG = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9-]*)")
#: Chinese in a code span (a message, a label) may be translated: see ``TranslatedCodeCheck``.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass(frozen=True)
class Inline:
    """What one unit's inline Markdown holds, in order of appearance."""

    targets: tuple[tuple[str, str], ...]  # ("link" or "image", destination)
    code: tuple[str, ...]  # contents of code spans
    footnotes: tuple[str, ...]  # labels of footnote references
    marks: tuple[str, ...]  # "bold span", "hard line break", "<br> tag"… one per occurrence
    prose: str  # the visible text (link text included), without code, HTML and autolinks
    #: Hugo shortcodes, Vue interpolations, math, component tags (``<CodeStep step={1}>``) and
    #: tags with attributes (``alt`` and ``title`` values as ``…``), as written, outside code.
    placeables: tuple[str, ...] = ()
    #: destination → label as written, for collapsed references (`[仪表板][]`)
    collapsed: tuple[tuple[str, str], ...] = ()

    @property
    def images(self) -> int:
        return sum(kind == "image" for kind, _ in self.targets)


@functools.lru_cache(maxsize=1024)
def parse_inline(text: str) -> Inline:
    """The inline inventory of a unit's Markdown (cached: every check of a unit shares it)."""
    targets: list[tuple[str, str]] = []
    code: list[str] = []
    footnotes: list[str] = []
    marks: list[str] = []
    prose: list[str] = []
    collapsed: list[tuple[str, str]] = []
    in_autolink = False  # its text is the URL, not prose
    placeables: list[tuple[int, bytes]] = []  # (offset, source)
    spans: list[tuple[int, int]] = []  # code spans, where a shortcode is only an example
    events = unit_events(text)
    for event, rng in events:
        if isinstance(event, dict) and "Code" in event:
            spans.append((rng["start"], rng["end"]))
        elif isinstance(event, dict) and ("InlineMath" in event or "DisplayMath" in event):
            placeables.append((rng["start"], text.encode("utf-8")[rng["start"] : rng["end"]]))
        elif isinstance(event, dict) and _is_placeable_tag(event.get("InlineHtml", "")):
            placeables.append((rng["start"], _masked(event["InlineHtml"]).encode("utf-8")))
    for match in TEMPLATE_BYTES.finditer(text.encode("utf-8")):
        if not any(s <= match.start() < e for s, e in spans):
            placeables.append((match.start(), match.group()))
    for event, _rng in events:
        if isinstance(event, str):  # SoftBreak, HardBreak, Rule
            if event == "HardBreak":
                marks.append("hard line break")
            prose.append(_GAP)
            continue
        kind, payload = next(iter(event.items()))
        if kind == "Text":
            if not in_autolink:
                prose.append(payload)
            continue
        if kind in ("Start", "End") and tag_name(payload) in _STYLES:
            if kind == "Start":
                marks.append(_STYLES[tag_name(payload)])
            continue
        prose.append(_GAP)  # code, HTML, footnote references, link edges, block boundaries
        if kind == "Code":
            code.append(payload)
        elif kind == "FootnoteReference":
            footnotes.append(payload)
        elif kind in ("InlineHtml", "Html") and not _is_placeable_tag(payload):
            marks.extend(_tags(payload))
        elif kind == "Start" and tag_name(payload) in ("Link", "Image"):
            name = tag_name(payload)
            link = payload[name]
            targets.append((name.lower(), link["dest_url"]))
            if link["link_type"].startswith("Collapsed"):
                collapsed.append((link["dest_url"], link["id"]))
            in_autolink = link["link_type"] in ("Autolink", "Email")
        elif kind == "End" and tag_name(payload) == "Link":
            in_autolink = False
    return Inline(
        tuple(targets),
        tuple(code),
        tuple(footnotes),
        tuple(marks),
        TEMPLATE.sub(_GAP, "".join(prose)),
        placeables=tuple(raw.decode("utf-8") for _, raw in sorted(placeables)),
        collapsed=tuple(collapsed),
    )


_WITH_ATTRIBUTES = re.compile(r"<[A-Za-z][\w:-]*\s+[^\s>/]")
#: The values of attributes people read, which a translation translates.
_TEXT_VALUE = re.compile(r"""\b(alt|title)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)


def _is_placeable_tag(html: str) -> bool:
    """Whether inline HTML is a tag kept exactly (a component tag, a tag with attributes),
    rather than counted by name."""
    return COMPONENT_TAG.fullmatch(html) is not None or _WITH_ATTRIBUTES.match(html) is not None


def _masked(tag: str) -> str:
    """A tag as a translation must keep it: ``alt`` and ``title`` values free (``alt=…``),
    white space as one space."""
    return " ".join(_TEXT_VALUE.sub(r"\1\2…", tag).split())


def _tags(html: str) -> Iterable[str]:
    """What inline HTML holds, for counting: ``<b> tag``, ``</b> tag``, ``HTML comment``."""
    for match in _HTML_TAG.finditer(html):
        if match.group(2) is None:
            yield "HTML comment"
        else:
            yield f"<{match.group(1)}{match.group(2).lower()}> tag"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _url(url: str) -> str:
    return url or "(empty)"


def _code(text: str) -> str:
    """A code span's content as Markdown would write it, for messages."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _in_page(url: str) -> bool:
    return url.startswith("#") and len(url) > 1


def _differences(
    source: Iterable[str], target: Iterable[str]
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Compare two multisets: (changed pairs in order, lost, added)."""
    want, got = Counter(source), Counter(target)
    lost = list((want - got).elements())
    added = list((got - want).elements())
    pairs = list(zip(lost, added, strict=False))
    return pairs, lost[len(pairs) :], added[len(pairs) :]


@register
class LinksCheck(Check):
    """Link and image destinations form the same multiset in source and translation."""

    check_id = "links"
    name = "Links"
    description = "Links and images must point where the source's point, and images must stay."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        src, tgt = parse_inline(source), parse_inline(target)
        noun = {url: kind for kind, url in tgt.targets + src.targets}  # the source's kind wins
        changed, lost, added = _differences(
            (url for _, url in src.targets), (url for _, url in tgt.targets)
        )
        found: list[str] = []
        labels, relabelled = dict(src.collapsed), dict(tgt.collapsed)
        for a, b in changed:
            if _in_page(a) and _in_page(b) and _CJK.search(unquote(a)):
                continue  # may follow the translated heading: `build` checks it does
            if a in labels and b in relabelled:
                text, label = relabelled[b], labels[a]
                found.append(
                    f"the reference [{label}][] must keep its label: "
                    f"write [{text}][{label}] (the definition [{label}]: … stays as it is)"
                )
            else:
                found.append(f"the {noun[a]} target {_url(a)} was changed to {_url(b)}")
        found += [f"the {noun[a]} target {_url(a)} is missing from the translation" for a in lost]
        found += [f"the translation adds the {noun[b]} target {_url(b)}" for b in added]
        if src.images != tgt.images:
            found.append(
                f"the translation has {_count(tgt.images, 'image')}, the source {src.images}"
            )
        return found


@register
class InlineMarkupCheck(Check):
    """Emphasis, code spans, footnote references, hard breaks and inline HTML as in the source."""

    check_id = "inline-markup"
    name = "Inline markup"
    description = (
        "Bold, italic and strikethrough spans, code spans (unchanged), footnote references, "
        "hard line breaks, inline HTML tags, shortcodes, interpolations and math (unchanged) "
        "must match the source; a heading's translation has no heading id ({#basics})."
    )
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        src, tgt = parse_inline(source), parse_inline(target)
        found: list[str] = []
        want, got = Counter(src.marks), Counter(tgt.marks)
        for mark in dict.fromkeys([*want, *got]):
            if want[mark] != got[mark]:
                found.append(
                    f"the translation has {_count(got[mark], mark)}, the source {want[mark]}"
                )
        changed, lost, added = _differences(src.code, tgt.code)
        changed = [(a, b) for a, b in changed if not _CJK.search(a)]  # TranslatedCodeCheck
        if len(src.code) != len(tgt.code):
            detail = [f"{_code(c)} is missing" for c in lost]
            detail += [f"{_code(c)} is new" for c in added]
            found.append(
                f"the translation has {_count(len(tgt.code), 'code span')}, "
                f"the source {len(src.code)}" + (f" ({', '.join(detail)})" if detail else "")
            )
        else:
            found += [f"code span {_code(a)} was altered to {_code(b)}" for a, b in changed]
        changed, lost, added = _differences(src.footnotes, tgt.footnotes)
        found += [f"footnote reference [^{a}] was changed to [^{b}]" for a, b in changed]
        found += [f"footnote reference [^{a}] is missing from the translation" for a in lost]
        found += [f"the translation adds footnote reference [^{b}]" for b in added]
        changed, lost, added = _differences(src.placeables, tgt.placeables)
        found += [f"{a} was altered to {b}; keep it as it is" for a, b in changed]
        found += [f"{a} is missing from the translation; copy it as it is" for a in lost]
        found += [f"the translation adds {b}, which the source does not have" for b in added]
        if context.kind.startswith("heading") and heading_id(target) < len(target):
            # the source's id stays after the heading in the page: it would be there twice
            written = target[heading_id(target) :].strip()
            found.append(
                f"the heading id {written} is kept by transpub: remove it from the translation"
            )
        return found


@register
class TranslatedCodeCheck(Check):
    """A code span holding Chinese (a message, a label) was translated: allowed, worth a look."""

    check_id = "translated-code"
    name = "Translated code"
    description = (
        "A code span with Chinese in it was translated; check that the code still works "
        "(quotes, escapes, names the program looks up)."
    )
    severity = Severity.WARNING

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        src, tgt = parse_inline(source), parse_inline(target)
        if len(src.code) != len(tgt.code):
            return []  # the inline-markup check reports it
        changed, _lost, _added = _differences(src.code, tgt.code)
        return [
            f"code span {_code(a)} was translated to {_code(b)}: check that the code still works"
            for a, b in changed
            if _CJK.search(a)
        ]
