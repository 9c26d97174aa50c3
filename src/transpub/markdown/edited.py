"""The edited round trip: do translations land inside the boundaries of their units?

The identity rebuild is byte-exact by construction (a unit whose translation equals its msgid
puts back its source span), so it cannot show a unit cut in the wrong place. Here every unit is
translated as ``mark + msgid + mark`` instead; once the marks are removed, the rebuilt document
must be the source again, byte for byte and parse for parse, and every msgid, parsed alone as
checks and engines parse it, must hold the same inline Markdown as its span in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pyromark

from transpub.markdown.segmenter import (
    OPTIONS,
    SegmentOptions,
    parse_events,
    segment,
    tag_name,
    unit_events,
)
from transpub.markdown.units import Segmented, Unit

#: Marks around each pseudo-translation, the first one the document does not hold: punctuation,
#: so emphasis delimiters beside one flank as they do at the edge of a block; no Markdown syntax.
MARKS = ("\u203b", "\u2021", "\u00b6")  # ※ ‡ ¶
_INLINE = frozenset(
    {"Emphasis", "Strong", "Strikethrough", "Link", "Image", "Superscript", "Subscript"}
)
_BLOCK_EVENTS = frozenset({"Rule"})


def problems(text: str, options: SegmentOptions | None = None) -> list[str]:
    """Sentences saying where the edited round trip of ``text`` fails (empty when it holds).

    Raises what :func:`segment` raises for a document it refuses.
    """
    segmented = segment(text, options)
    mark = next((m for m in MARKS if m not in text), None)
    if mark is None:
        return []  # a document that holds every mark cannot be checked this way
    rebuilt = segmented.rebuild(lambda unit: mark + unit.msgid + mark)
    found: list[str] = []
    # A translation shows NUL as U+FFFD, as CommonMark reads it: compare what a reader sees.
    source = text.replace("\x00", "\ufffd")
    unmarked = rebuilt.replace(mark, "").replace("\x00", "\ufffd")
    if unmarked != source:
        where = _first_difference(source, unmarked)
        found.append(f"the marked rebuild differs from the source: {where}")
    want, got = _tree(source, mark), _tree(rebuilt.replace("\x00", "\ufffd"), mark)
    if want != got:
        found.append(f"the marked rebuild parses differently: {_first_difference(want, got)}")
    found += unit_problems(text, segmented)
    return found


def unit_problems(text: str, segmented: Segmented) -> list[str]:
    """Units whose msgid, parsed alone, holds other inline Markdown than their span in place."""
    body = text.removeprefix("\ufeff")
    events = list(parse_events(body))
    definitions = {
        " ".join(label.casefold().split()): (value["dest"], value["title"] or "")
        for label, value in pyromark.reference_definitions(body, options=OPTIONS).items()
    }
    # A msgid alone takes every `[^label]` for a footnote; in place only defined ones are.
    notes = {
        payload["Start"]["FootnoteDefinition"].casefold()
        for payload, _ in events
        if isinstance(payload, dict)
        and isinstance(payload.get("Start"), dict)
        and "FootnoteDefinition" in payload["Start"]
    }
    data = body.encode("utf-8")
    found: list[str] = []
    for start, end, unit in _spans(segmented):
        if unit.mode in ("yaml", "html", "attr"):
            continue  # not Markdown inline content
        in_place = _inline(_within(events, start, end, data))
        alone = _inline(_alone_events(unit.msgid, definitions), notes)
        if in_place != alone:
            found.append(
                f"line {unit.line}: msgid {unit.msgid!r} parses alone as "
                f"{_first_difference(in_place, alone)}"
            )
    return found


def _within(
    events: list[tuple[Any, Any]], start: int, end: int, data: bytes
) -> Iterator[tuple[Any, Any]]:
    """The events inside the span ``start``…``end`` of ``data``, with a text that runs over one
    of its edges cut there (a container's title in its fence line, a heading before its id)."""
    for event, rng in events:
        if rng["start"] >= start and rng["end"] <= end:
            yield event, rng
        elif rng["start"] < end and rng["end"] > start and isinstance(event, dict):
            text = event.get("Text")
            if text is not None and data[rng["start"] : rng["end"]] == text.encode("utf-8"):
                lo, hi = max(rng["start"], start), min(rng["end"], end)
                yield {"Text": data[lo:hi].decode("utf-8")}, {"start": lo, "end": hi}


def _spans(segmented: Segmented) -> Iterator[tuple[int, int, Unit]]:
    """(start, end, unit): UTF-8 byte offsets of each unit in the document without its BOM."""
    pieces = segmented.pieces
    if pieces and pieces[0] == "\ufeff":
        pieces = pieces[1:]
    pos = 0
    for piece in pieces:
        size = len((piece if isinstance(piece, str) else piece.raw).encode("utf-8"))
        if isinstance(piece, Unit):
            yield pos, pos + size, piece
        pos += size


def _alone_events(msgid: str, definitions: dict[str, tuple[str, str]]) -> list[tuple[Any, Any]]:
    """``unit_events`` of the msgid, references resolved as the document resolves them (alone,
    checks take any `[text][label]` for a link)."""

    def resolve(link: Any) -> tuple[str, str] | None:
        return definitions.get(" ".join(link["reference"].casefold().split()))

    return unit_events(msgid, resolve)


def _inline(
    events: Iterator[tuple[Any, Any]] | list[tuple[Any, Any]], notes: set[str] | None = None
) -> list[Any]:
    """Inline events as comparable values: adjacent text merged, block wrappers dropped;
    references to footnotes not in ``notes`` (when given) read as the text they are."""
    out: list[Any] = []
    for event, _rng in events:
        if isinstance(event, dict) and notes is not None and "FootnoteReference" in event:
            label = event["FootnoteReference"]
            if label.casefold() not in notes:
                event = {"Text": f"[^{label}]"}
        if isinstance(event, str):
            if event not in _BLOCK_EVENTS:
                out.append(event)
            continue
        kind, payload = next(iter(event.items()))
        if isinstance(payload, str):
            payload = payload.replace("\x00", "\ufffd")
        if kind in ("Start", "End"):
            name = tag_name(payload)
            if name not in _INLINE:
                continue
            if kind == "Start" and name in ("Link", "Image"):
                link = payload[name]
                out.append((kind, name, link["dest_url"], link["title"]))
            else:
                out.append((kind, name))
        elif kind == "Text" and out and isinstance(out[-1], tuple) and out[-1][0] == "Text":
            out[-1] = ("Text", out[-1][1] + payload)
        elif kind == "Code":  # pulldown-cmark makes two spaces of a CRLF in a code span
            out.append((kind, re.sub(" {2,}", " ", payload)))
        elif kind in ("InlineMath", "DisplayMath"):  # a msgid's lines end in LF
            out.append((kind, payload.replace("\r\n", "\n").replace("\r", "\n")))
        else:
            out.append((kind, payload if isinstance(payload, str) else repr(payload)))
    return out


def _tree(text: str, mark: str) -> list[Any]:
    """The whole parse of a document, marks removed from every text, adjacent text merged."""
    out: list[Any] = []
    for event, _rng in parse_events(text.removeprefix("\ufeff")):
        if isinstance(event, dict):
            kind, payload = next(iter(event.items()))
            if isinstance(payload, str):
                payload = payload.replace(mark, "")
                if kind == "Text" and out and isinstance(out[-1], tuple) and out[-1][0] == "Text":
                    out[-1] = ("Text", out[-1][1] + payload)
                    continue
                if kind == "Text" and not payload:
                    continue
            # A link's title may be a unit of its own (a reference definition's): marks too.
            out.append(
                (kind, payload if isinstance(payload, str) else repr(payload).replace(mark, ""))
            )
        else:
            out.append(event)
    return out


def _first_difference(a: Any, b: Any) -> str:
    """Where two strings or event lists first differ, short enough for one line."""
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    if isinstance(a, str):
        lo = max(0, i - 20)
        return f"at character {i}: {a[lo : i + 20]!r} became {b[lo : i + 20]!r}"
    return f"{b[i : i + 3]!r} where {a[i : i + 3]!r} was expected"[:400]
