"""One glossary entry and its kinds: the data every other glossary module builds on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

POS = frozenset({"", "noun", "proper noun", "verb", "adjective", "adverb"})


class TermType(StrEnum):
    TERM = "term"
    NAME = "name"
    DO_NOT_TRANSLATE = "do-not-translate"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Term:
    """One glossary entry. For ``forbidden`` terms, ``en`` is the rendering that must not appear."""

    zh: str
    en: str
    type: TermType = TermType.TERM
    variants: tuple[str, ...] = ()
    pos: str = ""
    case_sensitive: bool = False
    note: str = ""
    line: int = 0

    @property
    def renderings(self) -> tuple[str, ...]:
        """Every acceptable English rendering (the required one first)."""
        return (self.en, *self.variants)

    @property
    def required(self) -> bool:
        """Whether the English must contain one of this term's renderings."""
        return self.type is not TermType.FORBIDDEN
