"""Glossary checks: required renderings present, forbidden ones absent, names left untouched."""

from __future__ import annotations

import re
from functools import lru_cache

from transpub.checks.base import Check, CheckContext, Severity, register
from transpub.glossary.term import Term, TermType

_SEPARATORS = re.compile(r"[\s\-‐]+")


def _normal(text: str, case_sensitive: bool) -> str:
    """Spaces and hyphens as one space; folded case unless the term is case-sensitive."""
    text = _SEPARATORS.sub(" ", text)
    return text if case_sensitive else text.casefold()


@lru_cache(maxsize=65536)
def _forms(rendering: str, case_sensitive: bool) -> tuple[str, ...]:
    """The rendering and its plurals (licence → licences, community → communities, LLM → LLMs)."""
    base = _normal(rendering, case_sensitive)
    forms = [base, base + "s"]
    if base[-1:] in ("s", "x", "z") or base.endswith(("ch", "sh")):
        forms.append(base + "es")
    if base.endswith("y") and len(base) > 1 and base[-2] not in "aeiou":
        forms.append(base[:-1] + "ies")
    return tuple(forms)


def _word_at(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


def mentions(target: str, rendering: str, case_sensitive: bool) -> bool:
    """Whether ``target`` contains ``rendering`` as whole words, tolerating case (unless
    ``case_sensitive``), plurals, possessives and space/hyphen variation."""
    return _mentioned(_normal(target, case_sensitive), rendering, case_sensitive)


def _mentioned(text: str, rendering: str, case_sensitive: bool) -> bool:
    """``mentions`` on a target already normalised with ``_normal``."""
    for form in _forms(rendering, case_sensitive):
        start = text.find(form)
        while start >= 0:
            if _word_at(text, start, start + len(form)):
                return True
            start = text.find(form, start + 1)
    return False


class _Target:
    """The translation normalised once, both case-folded and as written."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._normal: dict[bool, str] = {}

    def has(self, term: Term, renderings: tuple[str, ...]) -> bool:
        cs = term.case_sensitive
        if cs not in self._normal:
            self._normal[cs] = _normal(self.text, cs)
        return any(_mentioned(self._normal[cs], r, cs) for r in renderings)


def _terms(source: str, context: CheckContext, *types: TermType) -> list[Term]:
    """The distinct glossary terms of these types found in the source, in order."""
    if context.glossary is None or not len(context.glossary):
        return []
    found: dict[tuple[str, str], Term] = {}
    markdown = not context.kind.startswith("front")
    for match in context.glossary.matcher.find(source, markdown=markdown):
        for term in match.terms:
            if term.type in types:
                found.setdefault((term.zh, term.en), term)
    return list(found.values())


@register
class GlossaryTermCheck(Check):
    """Every glossary term of the source has one of its English renderings in the translation."""

    check_id = "glossary-term"
    name = "Glossary term"
    description = "A glossary term in the source is not rendered as the glossary requires."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        english = _Target(target)
        return [
            f"{term.zh!r} should be translated as {' or '.join(repr(r) for r in term.renderings)}"
            for term in _terms(source, context, TermType.TERM, TermType.NAME)
            if not english.has(term, term.renderings)
        ]


@register
class ForbiddenTermCheck(Check):
    """A rendering the glossary forbids for a term of the source appears in the translation."""

    check_id = "forbidden-term"
    name = "Forbidden rendering"
    description = "The translation uses a rendering the glossary forbids."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        english = _Target(target)
        return [
            f"{term.en!r} must not be used for {term.zh!r}"
            for term in _terms(source, context, TermType.FORBIDDEN)
            if english.has(term, (term.en,))
        ]


@register
class DoNotTranslateCheck(Check):
    """A do-not-translate term of the source is missing or altered in the translation."""

    check_id = "do-not-translate"
    name = "Do-not-translate term"
    description = "A name that must stay as written was changed or dropped."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        return [
            f"{term.zh!r} must appear unchanged"
            for term in _terms(source, context, TermType.DO_NOT_TRANSLATE)
            if not any(
                re.search(r"(?<![\w])" + re.escape(form) + r"(?![\w])", target)
                for form in _as_written(term, source)
            )
        ]


def _as_written(term: Term, source: str) -> set[str]:
    """The term as the glossary spells it and, unless it is case-sensitive, as the source does
    ("Community Over Code" copied from the source satisfies "Community over Code")."""
    forms = {term.zh}
    if not term.case_sensitive:
        forms.update(m.group() for m in re.finditer(re.escape(term.zh), source, re.IGNORECASE))
    return forms
