"""Front matter: where the translatable values sit inside the YAML, to the character."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from transpub.errors import SourceError
from transpub.markdown.flatyaml import simple_units
from transpub.markdown.units import Unit

if TYPE_CHECKING:
    import yaml


def yaml_error(exc: yaml.YAMLError, first_line: int) -> SourceError:
    """A located, one-line error for malformed front matter starting at ``first_line``."""
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if mark is None or (context is not None and _at_end(mark)):
        mark = context or mark  # an unclosed bracket or quote: point where it opened
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = first_line + mark.line if mark is not None else first_line
    return SourceError(
        f"the front matter is not valid YAML ({problem})",
        line=line,
        hint="fix the YAML between the --- lines",
    )


def _at_end(mark: Any) -> bool:
    """Whether a YAML error mark sits at the end of the text (the parser ran out of input)."""
    buffer = mark.buffer or ""
    return not buffer[mark.index :].strip("\x00 \t\r\n")


def front_matter_units(
    yaml_text: str, first_line: int, keys: Sequence[str]
) -> list[tuple[int, int, Unit]]:
    """Translatable values of ``keys`` (dotted paths, ``*`` for list items) as (start, end, unit).

    Offsets are character offsets into ``yaml_text``; ``first_line`` is the file line of its
    first line.
    """
    flat = simple_units(yaml_text, first_line, keys)
    if flat is not None:
        return flat
    return yaml_units(yaml_text, first_line, keys)


def yaml_units(yaml_text: str, first_line: int, keys: Sequence[str]) -> list[tuple[int, int, Unit]]:
    """``front_matter_units`` read by PyYAML: any front matter, malformed YAML reported."""
    import yaml  # only for front matter that is not flat (its import is slow)

    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, first_line) from exc
    if not isinstance(root, yaml.MappingNode):
        return []  # empty or a bare value: nothing to translate (articles require a title anyway)
    found: list[tuple[int, int, Unit]] = []
    for key in keys:
        for path, node in _select(root, key.split("."), []):
            if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
                continue
            value = node.value.strip()
            if not any(ch.isalpha() for ch in value):
                continue
            start, end = node.start_mark.index, node.end_mark.index
            raw = yaml_text[start:end]
            if node.style in ("|", ">"):
                raw = raw.rstrip("\r\n")
                end = start + len(raw)
            unit = Unit(
                msgid=value,
                kind=f"front matter: {'.'.join(path)}",
                line=first_line + node.start_mark.line,
                raw=raw,
                mode="yaml",
            )
            found.append((start, end, unit))
    found.sort(key=lambda item: item[0])
    return found


def _select(
    node: yaml.Node, parts: list[str], path: list[str]
) -> Iterator[tuple[list[str], yaml.Node]]:
    import yaml

    if not parts:
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                yield [*path, str(i)], item
        else:
            yield path, node
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == head:
                yield from _select(value_node, rest, [*path, head])
    elif isinstance(node, yaml.SequenceNode) and head == "*":
        for i, item in enumerate(node.value):
            yield from _select(item, rest, [*path, str(i)])
