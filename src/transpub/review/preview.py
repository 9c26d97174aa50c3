"""The English article as it will be published, rendered to safe HTML for the review app.

The page is rebuilt from the catalog exactly as ``build`` does (drafts included unless asked
otherwise; untranslated entries keep their Chinese), then rendered by ``markdown-it-py``
(CommonMark, GFM tables, strikethrough, footnotes) and cleaned by ``nh3`` (the Ammonia
sanitizer): raw HTML in the source or a translation keeps its harmless tags (``<center>``,
``<img>``…) but loses scripts, styles, event handlers, forms, frames and any URL that is not
http(s), mailto or relative. Each rendered block is marked with the state of the entries it
shows (source shown, draft, reviewed) and links back to them. When ``build`` would refuse the
translation, the preview is the list of its reasons, one per entry concerned, instead.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import polib
from markupsafe import Markup

from transpub.article import Article, Project
from transpub.catalog.convert import segment_file, translations
from transpub.catalog.queue import EntryState, active, entry_state
from transpub.catalog.sync import build_differences
from transpub.credits.contributions import entry_id
from transpub.markdown.units import Unit

if TYPE_CHECKING:
    import nh3
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: How a block shows its entries, worst first: the Chinese source, a draft, reviewed text.
SOURCE, DRAFT, REVIEWED = "source", "draft", "reviewed"
_RANK = {SOURCE: 0, DRAFT: 1, REVIEWED: 2}
_MARKED = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "th", "td")
_FOOTNOTE_ID = re.compile(r"fn(ref)?\d+(:\d+)?")


@dataclass(frozen=True)
class Shown:
    """An entry as the preview shows it: its number and id, and what stands in the page."""

    number: int
    id: str
    mark: str  # SOURCE, DRAFT or REVIEWED
    text: str  # the text in the page (the translation, or the source)
    kind: str


@dataclass(frozen=True)
class Refusal:
    """One reason ``build`` would refuse the page, at the entry concerned (if one is)."""

    message: str
    line: int
    entry: Shown | None


@dataclass(frozen=True)
class Preview:
    """The rendered page (``html`` is sanitized), or why ``build`` refuses it (``refusals``)."""

    slug: str
    drafts: bool  # whether drafts are in the page (else only reviewed text is)
    html: Markup
    front: tuple[Shown, ...]  # translatable front-matter values, shown above the page
    refusals: tuple[Refusal, ...]
    marks: dict[str, int]  # entries per mark in the page


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    # Raw HTML is parsed so that <center>, <img> and friends render; the sanitizer decides.
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    return md.enable(["table", "strikethrough"]).use(front_matter_plugin).use(footnote_plugin)


@functools.cache
def _cleaner() -> nh3.Cleaner:
    import nh3

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["a"] = {*attributes.get("a", ()), "title"}
    attributes["img"] = {*attributes.get("img", ()), "title"}
    attributes["*"] = {"lang", "id"}
    classes = {tag: {f"pv-{m}" for m in _RANK} for tag in _MARKED}
    classes["a"] = {"pv-entry"}
    classes["div"] = {"pv-anchors", *(f"pv-{m}" for m in _RANK)}

    def only_footnote_ids(tag: str, name: str, value: str) -> str | None:
        if name == "id":
            return value if _FOOTNOTE_ID.fullmatch(value) else None
        return value

    return nh3.Cleaner(
        tags=set(nh3.ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=attributes,
        attribute_filter=only_footnote_ids,
        url_schemes={"http", "https", "mailto"},
        allowed_classes=classes,
        strip_comments=True,
    )


def sanitize(html: str) -> Markup:
    """HTML with nothing that runs: no script, style, event handler, frame, form or
    ``javascript:``/``data:`` URL (nh3's allow-list, narrowed)."""
    return Markup(_cleaner().clean(html))


def build_preview(
    project: Project, article: Article, po: polib.POFile, *, drafts: bool = True
) -> Preview:
    """The article's English page from ``po``, as safe HTML marked by entry.

    Raises what reading and segmenting the source raise (a TranspubError naming the file).
    """
    text, segmented = segment_file(article.source, project.segment_options)
    done = translations(po, include_drafts=drafts)
    live = active(po)
    shown: dict[str, Shown] = {}
    for number, entry in enumerate(live, 1):
        state = entry_state(entry)
        mark = REVIEWED if state is EntryState.REVIEWED else DRAFT
        if entry.msgid not in done or (state is EntryState.DRAFT and not drafts):
            mark = SOURCE
        kind = (entry.comment or "").split(",")[0].strip()
        shown[entry.msgid] = Shown(number, entry_id(entry.msgid), mark, "", kind)

    # Rebuilt as `build` does, remembering the line each unit starts on in the English page.
    out: list[str] = []
    line = 0
    placed: list[tuple[int, Unit, str]] = []
    for piece in segmented.pieces:
        if isinstance(piece, str):
            out.append(piece)
            line += _line_ends(piece)
            continue
        found = done.get(piece.msgid)
        rendered = piece.render(found) if found else piece.raw
        placed.append((line, piece, rendered))
        out.append(rendered)
        line += _line_ends(rendered)
    english = "".join(out)

    def entry_of(unit: Unit) -> Shown | None:
        known = shown.get(unit.msgid)
        if known is None:
            return None
        text = done[unit.msgid] if known.mark != SOURCE else unit.msgid
        return Shown(known.number, known.id, known.mark, text, known.kind)

    if english != text:
        differences = build_differences(project, text, segmented, done, english)
        if differences:
            refusals = []
            for difference, unit in differences:
                entry = shown.get(unit.msgid) if unit is not None else None
                refusals.append(Refusal(difference, unit.line if unit else 0, entry))
            return Preview(article.slug, drafts, Markup(""), (), tuple(refusals), {})

    tokens = _markdown().parse(english)
    front, marks = _mark(tokens, placed, entry_of, article.slug)
    html = _markdown().renderer.render(tokens, _markdown().options, {})
    return Preview(article.slug, drafts, sanitize(html), tuple(front), (), marks)


def _line_ends(text: str) -> int:
    """Line endings as markdown-it counts lines: LF, CRLF and a lone CR."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _stamp(path: os.PathLike[str]) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class Previews:
    """The last previews made (``limit`` of them), each kept until its article's source or
    catalog file changes: a 2,000-entry page takes about a second to make. Thread-safe."""

    def __init__(self, limit: int = 8) -> None:
        self.limit = limit
        self._kept: OrderedDict[tuple[str, bool], tuple[object, Preview]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        project: Project,
        article: Article,
        catalog: Callable[[], polib.POFile | None],
        drafts: bool = True,
    ) -> Preview | None:
        """The preview of ``article`` (None when ``catalog()`` has none), made again when a
        file changed since the kept one was made."""
        key = (article.slug, drafts)
        # Stamped before reading: a change made meanwhile only makes the next view rebuild.
        stamp = (_stamp(article.source), _stamp(article.catalog))
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        po = catalog()
        if po is None:
            return None
        made = build_preview(project, article, po, drafts=drafts)
        with self._lock:
            self._kept[key] = (stamp, made)
            self._kept.move_to_end(key)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return made


def _entry_url(slug: str, eid: str) -> str:
    return f"/articles/{slug}?entry={eid}#e-{eid}"


def _mark(
    tokens: list[Token],
    placed: Sequence[tuple[int, Unit, str]],
    entry_of: Callable[[Unit], Shown | None],
    slug: str,
) -> tuple[list[Shown], dict[str, int]]:
    """Mark the blocks of ``tokens`` with their entries (class, lang, a link to each entry);
    returns the front-matter entries (shown apart) and the count of entries per mark."""
    from markdown_it.token import Token

    by_line: dict[int, list[int]] = {}
    for i, (at, _unit, _text) in enumerate(placed):
        by_line.setdefault(at, []).append(i)
    claimed: set[int] = set()
    counted: dict[str, str] = {}  # entry id → its mark: an entry shown twice counts once

    def take(start: int, end: int) -> list[Shown]:
        got = []
        for at in range(start, end):
            for i in by_line.get(at, ()):
                if i not in claimed:
                    claimed.add(i)
                    found = entry_of(placed[i][1])
                    if found is not None:
                        got.append(found)
        return got

    def anchors(entries: list[Shown]) -> list[Token]:
        out: list[Token] = []
        for e in entries:
            counted[e.id] = e.mark
            title = f"entry #{e.number}: {_TITLE[e.mark]}"
            link = Token("link_open", "a", 1, attrs={"href": _entry_url(slug, e.id)})
            link.attrSet("class", "pv-entry")
            link.attrSet("title", title)
            out += [
                link,
                Token("text", "", 0, content=f"#{e.number}"),
                Token("link_close", "a", -1),
            ]
            out.append(Token("text", "", 0, content=" "))
        return out

    def dress(token: Token, entries: list[Shown]) -> None:
        worst = min((e.mark for e in entries), key=_RANK.__getitem__)
        token.attrSet("class", f"pv-{worst}")
        if worst == SOURCE:
            token.attrSet("lang", "zh-CN")

    front: list[Shown] = []
    items: list[Token] = []
    inserts: list[tuple[int, Token]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "list_item_open":
            items.append(token)
        elif token.type == "list_item_close":
            items.pop()
        elif token.map is None:
            pass
        elif token.type == "front_matter":
            front = take(*token.map)
            for e in front:
                counted[e.id] = e.mark
        elif token.type in ("paragraph_open", "heading_open"):
            entries = take(*token.map)
            inline = tokens[i + 1]
            if entries and inline.children is not None:
                dress(token if not token.hidden else (items[-1] if items else token), entries)
                inline.children[:0] = anchors(entries)
        elif token.type == "html_block":
            entries = take(*token.map)
            if entries:
                block = Token("html_block", "", 0)
                worst = min((e.mark for e in entries), key=_RANK.__getitem__)
                links = " ".join(
                    f'<a class="pv-entry" href="{escape(_entry_url(slug, e.id))}" '
                    f'title="entry #{e.number}: {_TITLE[e.mark]}">#{e.number}</a>'
                    for e in entries
                )
                for e in entries:
                    counted[e.id] = e.mark
                block.content = f'<div class="pv-anchors pv-{worst}">{links}</div>\n'
                inserts.append((i, block))
        elif token.type == "tr_open":
            row = [placed_i for at in range(*token.map) for placed_i in by_line.get(at, ())]
            j = i + 1
            while j < len(tokens) and tokens[j].type != "tr_close":
                cell = tokens[j]
                if cell.type in ("th_open", "td_open") and j + 1 < len(tokens):
                    inline = tokens[j + 1]
                    content = inline.content.strip()
                    for k in row:
                        if k not in claimed and placed[k][2].strip() == content:
                            claimed.add(k)
                            found = entry_of(placed[k][1])
                            if found is not None and inline.children is not None:
                                dress(cell, [found])
                                inline.children[:0] = anchors([found])
                            break
                j += 1
            i = j
            continue
        i += 1
    for at, block in reversed(inserts):
        tokens.insert(at, block)
    marks = {m: 0 for m in _RANK}
    for mark in counted.values():
        marks[mark] += 1
    return front, marks


_TITLE = {
    SOURCE: "not translated here, the Chinese source is shown",
    DRAFT: "a draft, not reviewed yet",
    REVIEWED: "reviewed",
}
