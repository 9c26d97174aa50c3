"""Translatable units and the skeleton that surrounds them."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The command line imports this module: keep `typing` and `dataclasses` out of its start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Literal

    Mode = Literal["block", "line", "cell", "html", "attr", "yaml"]

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
#: A hard line break of trailing spaces at the start of a separator, and a backslash one.
_SPACE_BREAK = re.compile(r"[ \t]* {2,}(?=\r|\n)")
_BACKSLASH_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\$")
_UNQUOTED_VALUE = re.compile(r"[^\s\"'=<>`]+")
_PLAIN_YAML = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\n#:]*(?<!\s)")


class Unit:
    """One translatable span of the source.

    ``msgid`` is what translators see; ``raw`` is the exact source text of the span. Between the
    lines of a multi-line ``msgid`` the source had ``seps`` (line ending plus container prefix such
    as ``> `` or list indentation); lines a translation adds get ``cont``. A hard line break made
    of trailing spaces, which editors trim, is a backslash at the end of the msgid's line; its
    spaces start the separator and come back where the translation keeps the backslash. The
    value of an HTML attribute (mode ``attr``) has its quote character in ``cont`` (none: the
    value was unquoted, and a translation that needs them gets double quotes).
    """

    __slots__ = ("cont", "kind", "line", "mode", "msgid", "raw", "seps")

    def __init__(
        self,
        msgid: str,
        kind: str,
        line: int,
        raw: str,
        mode: Mode = "block",
        seps: tuple[str, ...] = (),
        cont: str = "\n",
    ) -> None:
        self.msgid = msgid
        self.kind = kind
        self.line = line
        self.raw = raw
        self.mode: Mode = mode
        self.seps = seps
        self.cont = cont

    def __repr__(self) -> str:
        return f"Unit({self.kind!r}, line {self.line}, {self.msgid!r})"

    def render(self, text: str) -> str:
        """The source text that puts ``text`` in this unit's place."""
        if text == self.msgid:
            return self.raw
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self.mode == "yaml":
            return _yaml_scalar(text, self.raw[:1])
        lines = text.split("\n")
        if self.mode == "attr":  # an HTML attribute value in ``cont`` quotes: one line
            joined = " ".join(part.strip() for part in lines if part.strip())
            if not self.cont:  # an unquoted value: quoted when the translation needs it
                if _UNQUOTED_VALUE.fullmatch(joined):
                    return joined
                return '"' + joined.replace('"', "&quot;") + '"'
            return joined.replace(self.cont, "&quot;" if self.cont == '"' else "&#39;")
        if self.mode == "line":
            return " ".join(part.strip() for part in lines if part.strip())
        if self.mode == "cell":
            joined = " ".join(part.strip() for part in lines if part.strip())
            return _UNESCAPED_PIPE.sub(r"\\|", joined)
        if self.mode == "block":
            lines = self._inline_lines(lines)
        elif self.mode == "html":  # a blank line would end the HTML block
            lines = [part.strip(" \t") for part in lines if part.strip(" \t")] or [""]
        out = [lines[0]]
        for i, part in enumerate(lines[1:]):
            sep = self.seps[i] if i < len(self.seps) else self.cont
            spaces = _SPACE_BREAK.match(sep) if self.mode == "block" else None
            if spaces:  # the source broke this line with trailing spaces, the msgid with `\`
                if _BACKSLASH_BREAK.search(out[-1]):
                    out[-1] = out[-1][:-1]
                else:
                    sep = sep[spaces.end() :]  # the translation has no hard break here
            out.append(sep)
            out.append(part)
        return "".join(out)

    def _inline_lines(self, lines: list[str]) -> list[str]:
        """The lines of a translation as text of this unit's block, never blocks of their own:
        a line that would open a block (`1. Overall goals` for `一、总体目标`, `- `, `> `,
        `# `, a `---` underline…) where the msgid's line does not is escaped (`1\\. Overall
        goals`, which reads the same); indentation and blank lines, which would start code or
        a new paragraph, are dropped."""
        source = self.msgid.split("\n")
        out: list[str] = []
        for line in lines:
            line = line.lstrip(" \t")
            if not line:
                continue
            i = len(out)
            if _BLOCK_START.match(line) and not (i < len(source) and _BLOCK_START.match(source[i])):
                digits = len(line) - len(line.lstrip("0123456789"))
                line = line[:digits] + "\\" + line[digits:]
            out.append(line)
        return out or [""]


#: The start of a line that opens a block where it would continue a paragraph (or start one).
_BLOCK_START = re.compile(
    r"""\#{1,6}(?:[ \t]|$)        # ATX heading
    | [-+*](?:[ \t]|$)             # bullet list item
    | \d{1,9}[.)](?:[ \t]|$)       # ordered list item
    | >                             # block quote
    | `{3,} | ~{3,}                 # code fence
    | :{3,}                         # container fence (VitePress, Docusaurus)
    | (?:[-*_][ \t]*){3,}$          # thematic break, setext underline
    | =+[ \t]*$                     # setext underline
    | <[A-Za-z/!?]                  # HTML block
    | \[[^\]]+\]:                   # link reference or footnote definition
    """,
    re.X,
)


def _yaml_scalar(text: str, quote: str = "") -> str:
    """A YAML scalar for ``text`` on one line, quoted as the source was (``quote``: the source
    value's first character) where that can hold it: plain when unambiguous, else
    double-quoted."""
    if quote == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if (
        quote != '"'
        and _PLAIN_YAML.fullmatch(text)
        and text.lower()
        not in {
            "true",
            "false",
            "null",
            "yes",
            "no",
            "on",
            "off",
            "~",
        }
    ):
        try:
            float(text)
        except ValueError:
            return text
    import json

    return json.dumps(text, ensure_ascii=False)


class Segmented:
    """A document cut into skeleton strings and units, in source order."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: list[str | Unit] | None = None) -> None:
        self.pieces: list[str | Unit] = pieces if pieces is not None else []

    @property
    def units(self) -> list[Unit]:
        return [p for p in self.pieces if isinstance(p, Unit)]

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def rebuild(self, translation: Mapping[str, str] | Callable[[Unit], str | None]) -> str:
        """Rebuild the document; units without a translation keep their source text."""
        lookup = translation.get if isinstance(translation, Mapping) else None
        out: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            found = lookup(piece.msgid) if lookup else translation(piece)  # type: ignore[operator]
            out.append(piece.render(found) if found else piece.raw)
        return "".join(out)

    def identity(self) -> str:
        """The source rebuilt from its own units: must equal the source byte for byte."""
        return "".join(p if isinstance(p, str) else p.raw for p in self.pieces)
