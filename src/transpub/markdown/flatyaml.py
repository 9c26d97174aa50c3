"""Front matter in its simplest form, read without PyYAML (whose import costs ~30 ms per call).

Most articles' front matter is flat: ``key: value`` lines with plain or simply quoted scalars and
one-line ``[a, b]`` lists. For those, the translatable values are located here; anything else —
nesting, block scalars, escapes, comments after values, values YAML would read as numbers, dates or
booleans — returns None and PyYAML reads the whole front matter (and reports what is malformed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from transpub.markdown.units import Unit

_LINE = re.compile(r"(?P<key>[A-Za-z_][\w-]*): [ \t]*(?P<value>\S(?:.*\S)?)[ \t]*")
_FLOW_LIST = re.compile(r"\[[^\[\]{}\"'#&*!|>%@`]*\]")
_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")
#: Plain values YAML 1.1 would not read as strings (numbers, booleans, null, dates): PyYAML decides.
_TYPED = re.compile(
    r"[-+]?[0-9_.,:]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|nan)|0x[0-9a-fA-F_]+|0o?[0-7_]+"
    r"|y|n|yes|no|true|false|on|off|null|~|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?",
    re.IGNORECASE,
)


def _scalar(value: str) -> str | None:
    """The string a simple scalar stands for, or None when PyYAML must decide."""
    if value[0] == '"':
        inner = value[1:-1]
        ok = len(value) > 1 and value[-1] == '"' and '"' not in inner and "\\" not in inner
        return inner if ok else None
    if value[0] == "'":
        inner = value[1:-1]
        return inner if len(value) > 1 and value[-1] == "'" and "'" not in inner else None
    if value[0] in _PLAIN_START or ": " in value or " #" in value or value.endswith(":"):
        return None
    return None if _TYPED.fullmatch(value) else value


def simple_units(
    yaml_text: str, first_line: int, keys: Sequence[str]
) -> list[tuple[int, int, Unit]] | None:
    """The values of ``keys`` in flat front matter as (start, end, unit), or None if not flat."""
    if any("." in key or "*" in key for key in keys):
        return None
    wanted = set(keys)
    found: list[tuple[int, int, Unit]] = []
    offset = 0
    for number, line in enumerate(yaml_text.splitlines(keepends=True)):
        body = line.rstrip("\r\n")
        start_of_line = offset
        offset += len(line)
        if not body.strip() or body.startswith("#"):
            continue
        match = _LINE.fullmatch(body)
        if match is None:
            return None
        value = match["value"]
        text = _scalar(value)
        if text is None:
            if _FLOW_LIST.fullmatch(value) and match["key"] not in wanted:
                continue
            return None
        if match["key"] in wanted and any(ch.isalpha() for ch in text):
            start = start_of_line + match.start("value")
            unit = Unit(
                msgid=text.strip(),
                kind=f"front matter: {match['key']}",
                line=first_line + number,
                raw=value,
                mode="yaml",
            )
            found.append((start, start + len(value), unit))
    return found
