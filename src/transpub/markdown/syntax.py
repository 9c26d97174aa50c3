"""Syntax of documentation sites that CommonMark reads as text: what is never offered.

VitePress/Docusaurus containers (``::: tip 提示`` … ``:::``), Hugo shortcodes (``{{< … >}}``,
``{{% … %}}``), Vue interpolations (``{{ message }}``), d2l directives (``:label:`sec_intro```),
MDX/JSX and Vue component tags (``<Note>``, ``<my-chart>``), MDX comments (``{/* … */}``) and
heading ids (``{#basics}``). A line made only of such syntax stays in the skeleton; inside a unit,
shortcodes and interpolations are placeables a translation must keep as they are.
"""

from __future__ import annotations

import re

#: Hugo shortcodes and Vue interpolations: placeables, never words to translate.
TEMPLATE = re.compile(r"\{\{[<%].*?[%>]\}\}|\{\{.*?\}\}", re.S)
#: The same, in UTF-8 bytes (units are cut by byte offsets).
TEMPLATE_BYTES = re.compile(TEMPLATE.pattern.encode("ascii"), re.S)
#: A component tag: capitalised (MDX/JSX, Vue: ``<Note>``, ``<Tabs.Item>``; ``<SUB>`` is HTML)
#: or hyphenated (Vue, web components: ``<my-chart>``); group 1 is its name.
_COMPONENT = r"</?\s*([A-Z](?=[\w.:-]*[a-z])[\w.:-]*|[a-z]\w*-[\w.:-]*)(?:\s[^<>]*?)?/?>"
COMPONENT_TAG = re.compile(_COMPONENT)
#: A line made only of syntax: component tags, shortcodes, d2l directives, MDX comments.
_SYNTAX_LINE = re.compile(
    r"(?:[ \t]*(?:"
    + _COMPONENT
    + r"|\{\{[<%].*?[%>]\}\}|:[a-z][a-z_]*:(?:`[^`\n]*`)?|\{/\*.*?\*/\})[ \t]*)+"
)
#: A container fence line: ``::: tip 提示``, ``:::note[标题]``, ``::: {.note}``, ``:::``.
#: Groups: the title (plain), the title in brackets (Docusaurus).
_FENCE = re.compile(
    r":{3,}[ \t]*(?:\{[^{}\n]*\}|[A-Za-z][\w-]*)?"
    r"(?:\[([^\]\n]*)\]|[ \t]*(.*?))[ \t]*(?:\{[^{}\n]*\})?[ \t]*"
)
#: A heading id after the heading's text: ``{#basics}``, ``{#id .class}``, ``{/* #id */}``.
_HEADING_ID = re.compile(r"[ \t]+(?:\{#[^\s{}]+(?:[ \t][^{}]*)?\}|\{/\*[^{}]*?\*/\})[ \t]*$")
#: A d2l directive or an emoji short code (``:label:``, ``:smile:``): not a word.
DIRECTIVE = re.compile(r":[a-z][a-z_]*:")


def is_syntax_line(line: str) -> bool:
    """Whether a line of a paragraph is only syntax a reader never sees as text."""
    return _SYNTAX_LINE.fullmatch(line) is not None


def fence_title(line: str) -> tuple[int, int] | None:
    """For a container fence line, the (start, end) of its title in ``line`` ((0, 0) without
    one); None for any other line."""
    if not line.startswith(":::"):
        return None
    match = _FENCE.fullmatch(line)
    if match is None:
        return (0, 0)  # a fence with something unusual after it: the whole line is syntax
    group = 1 if match.group(1) is not None else 2
    start, end = match.span(group)
    return (start, end) if end > start else (0, 0)


def heading_id(text: str) -> int:
    """Where a heading's id (``{#basics}``) starts in its text, with the blanks before it;
    ``len(text)`` when it has none."""
    match = _HEADING_ID.search(text)
    return match.start() if match else len(text)
