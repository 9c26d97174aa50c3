"""Inline Markdown as tags an engine keeps, and back.

Before a unit goes out, its inline Markdown becomes XLIFF-like tags that DeepL (``tag_handling=
"xml"``) and LLMs preserve: paired ``<g id="N">…</g>`` around text that is translated with its
formatting (emphasis, link text, image alt text), self-closing ``<x id="N"/>`` for what must not
change (code spans, inline HTML, footnote references, autolinks, bare URLs, Hugo shortcodes,
Vue interpolations, hard breaks). Soft line
breaks are joined — without a space between Chinese characters. Afterwards the tags are turned back
into the exact Markdown they stood for; an answer whose tags do not come back intact is reported,
never silently broken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape

from transpub.markdown.segmenter import tag_name, unit_events
from transpub.markdown.syntax import TEMPLATE

_PAIRED = frozenset(
    {"Emphasis", "Strong", "Strikethrough", "Link", "Image", "Superscript", "Subscript"}
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]（）【】「」“”，。、；：！？]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
#: What an engine must return untouched inside text: bare URLs, e-mail addresses, Hugo shortcodes
#: and Vue interpolations (``{{< ref "x" >}}``, ``{{ message }}``).
_KEPT_IN_TEXT = re.compile(f"{TEMPLATE.pattern}|{_URL.pattern}", re.S)
_TAG = re.compile(r'<g id="(\d+)">|</g>|<x id="(\d+)"\s*/>')
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class Protected:
    """A unit ready for an engine: ``text`` with tags, and what each tag stands for."""

    text: str
    #: id → (opening Markdown, closing Markdown) for paired tags.
    paired: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: id → the exact Markdown of a placeholder.
    kept: dict[int, str] = field(default_factory=dict)


class _Builder:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.paired: dict[int, tuple[str, str]] = {}
        self.kept: dict[int, str] = {}
        self.next_id = 1

        self.pending: list[str] = []  # text not yet scanned for placeables (may span events)

    def text(self, raw: str) -> None:
        self.pending.append(raw)

    def flush(self) -> None:
        """Emit the pending text, with URLs, shortcodes and interpolations as placeholders.

        The parser may split ``{{< ref "x" >}}`` over several text events: they are scanned joined.
        """
        raw = "".join(self.pending)
        self.pending.clear()
        pos = 0
        for m in _KEPT_IN_TEXT.finditer(raw):
            self.out.append(escape(raw[pos : m.start()], quote=False))
            self._placeholder(m.group())
            pos = m.end()
        self.out.append(escape(raw[pos:], quote=False))

    def emit(self, markup: str) -> None:
        """Append tag markup (``</g>``, a joined soft break) after the pending text."""
        self.flush()
        self.out.append(markup)

    def keep(self, raw: str) -> None:
        self.flush()
        self._placeholder(raw)

    def _placeholder(self, raw: str) -> None:
        self.kept[self.next_id] = raw
        self.out.append(f'<x id="{self.next_id}"/>')
        self.next_id += 1

    def open(self) -> int:
        self.flush()
        tag_id = self.next_id
        self.next_id += 1
        self.out.append(f'<g id="{tag_id}">')
        return tag_id


def _join(before: str, after: str) -> str:
    """What a soft line break becomes: nothing between Chinese characters, else a space."""
    return "" if _CJK.match(before[-1:] or " ") and _CJK.match(after[:1] or " ") else " "


def protect(text: str) -> Protected:
    """Turn a unit's inline Markdown into tagged text for an engine."""
    data = text.encode("utf-8")

    def raw(start: int, end: int) -> str:
        return data[start:end].decode("utf-8")

    b = _Builder()
    pos = 0  # everything before this offset has been emitted
    # Open containers: [tag id, start offset, offset where its content starts (-1: not yet)].
    stack: list[list[int]] = []
    skip_until = -1  # inside an autolink: its text is part of the placeholder
    labels: dict[int, str] = {}  # tag id → label of a collapsed reference
    for event, rng in unit_events(text):
        start, end = rng["start"], rng["end"]
        if start < skip_until:
            continue
        is_end = isinstance(event, dict) and "End" in event
        if stack and stack[-1][2] < 0 and not is_end:
            stack[-1][2] = pos = start  # the opening delimiter ends where the content starts
        if isinstance(event, str):
            if event in ("SoftBreak", "HardBreak"):
                b.text(raw(pos, start))
                if event == "HardBreak":
                    b.keep(raw(start, end))
                else:
                    b.text(_join(raw(0, start)[-1:], data[end:].decode("utf-8")[:1]))
                pos = end
            continue
        kind, payload = next(iter(event.items()))
        if kind in ("Start", "End") and tag_name(payload) not in _PAIRED:
            continue  # the unit's own paragraph/heading/cell wrapper
        if kind == "Start":
            b.text(raw(pos, start))
            link = payload.get("Link") if isinstance(payload, dict) else None
            if link is not None and link["link_type"] in ("Autolink", "Email"):
                b.keep(raw(start, end))
                pos = skip_until = end
                continue
            tag_id = b.open()
            target = link if link is not None else _image(payload)
            if target is not None and target["link_type"].startswith("Collapsed"):
                # `[仪表板][]` must come back as `[Dashboard][仪表板]`: the label finds the link.
                labels[tag_id] = target["id"]
            stack.append([tag_id, start, -1])
            pos = start
        elif kind == "End":
            tag_id, open_at, content_at = stack.pop()
            if content_at < 0:  # nothing inside (`![](x.png)`): all of it is the opening
                b.paired[tag_id] = (raw(open_at, end), "")
            else:
                closing = f"][{labels[tag_id]}]" if tag_id in labels else raw(pos, end)
                b.paired[tag_id] = (raw(open_at, content_at), closing)
            b.emit("</g>")
            pos = end
        else:
            b.text(raw(pos, start))
            if kind == "Text":
                b.text(raw(start, end))
            else:  # Code, InlineHtml, FootnoteReference, InlineMath…
                b.keep(raw(start, end))
            pos = end
    b.text(raw(pos, len(data)))
    b.flush()
    return Protected("".join(b.out), b.paired, b.kept)


def _image(payload: object) -> dict[str, str] | None:
    image = payload.get("Image") if isinstance(payload, dict) else None
    return image if isinstance(image, dict) else None


def _wrap(opening: str, closing: str) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        return f"{m.group(1)}{opening}{m.group(2)}{closing}{m.group(3)}"

    return replace


class RestoreError(ValueError):
    """The engine's answer lost, duplicated or broke tags."""


def restore(answer: str, protected: Protected) -> str:
    """The Markdown of an engine's tagged answer; raises RestoreError if the tags are not intact."""
    out: list[str] = []
    open_tags: list[int] = []
    seen: set[int] = set()
    pos = 0
    for m in _TAG.finditer(answer):
        out.append(unescape(answer[pos : m.start()]))
        pos = m.end()
        paired, kept = m.group(1), m.group(2)
        if paired is not None or kept is not None:
            tag_id = int(paired or kept)
            known = protected.paired if paired is not None else protected.kept
            if tag_id not in known or tag_id in seen:
                raise RestoreError(f"the answer has an unexpected or repeated tag {m.group()}")
            seen.add(tag_id)
            if kept is not None:
                out.append(protected.kept[tag_id])
            else:
                open_tags.append(tag_id)
                out.append(f"\x00open{tag_id}\x00")
        else:
            if not open_tags:
                raise RestoreError("the answer closes a tag it never opened")
            tag_id = open_tags.pop()
            out.append(f"\x00close{tag_id}\x00")
    out.append(unescape(answer[pos:]))
    if open_tags:
        raise RestoreError(f"the answer leaves tag {open_tags[-1]} open")
    missing = (set(protected.paired) | set(protected.kept)) - seen
    if missing:
        raise RestoreError(f"the answer lost {len(missing)} of the unit's markup tags")
    text = "".join(out)
    for tag_id, (opening, closing) in protected.paired.items():
        # Spaces just inside emphasis delimiters would end the emphasis: move them outside.
        pattern = f"\x00open{tag_id}\x00(\\s*)(.*?)(\\s*)\x00close{tag_id}\x00"
        text = re.sub(pattern, _wrap(opening, closing), text, flags=re.S)
    return text.strip()


def restore_plain(answer: str, protected: Protected) -> str:
    """An answer whose paired tags broke, as text: the formatting tags dropped, every intact
    placeholder (code, URL, e-mail address, inline HTML) put back as the Markdown it stood for."""

    def replace(m: re.Match[str]) -> str:
        kept = m.group(2)
        if kept is not None and int(kept) in protected.kept:
            return f"\x00{kept}\x00"  # restored after unescaping: its Markdown is literal
        return ""

    text = unescape(_TAG.sub(replace, answer))
    return re.sub(r"\x00(\d+)\x00", lambda m: protected.kept[int(m.group(1))], text).strip()
