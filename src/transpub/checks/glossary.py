"""Glossary checks: required renderings present, forbidden ones absent, names left untouched."""

from __future__ import annotations

import re
from functools import lru_cache

from transpub.checks.base import Check, CheckContext, Severity, register
from transpub.glossary import Term, TermType
from transpub.terms import TermMatch


@lru_cache(maxsize=65536)
def rendering_pattern(rendering: str, case_sensitive: bool) -> re.Pattern[str]:
    """A rendering as a pattern tolerant of case, plurals, possessives and space/hyphen."""
    words = rendering.split()
    parts = [re.escape(w) for w in words[:-1]]
    last = words[-1] if words else rendering
    if last[-1:].isalpha() and last[-1:].islower():
        if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
            tail = re.escape(last[:-1]) + "(?:y|ies)"
        else:
            tail = re.escape(last) + "(?:s|es)?"
    else:
        tail = re.escape(last) + "s?"  # acronyms: OSIs, LLMs
    parts.append(tail + "(?:['’]s)?")
    body = r"[\s\-‐]+".join(parts)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<![\w])" + body + r"(?![\w])", flags)


def _present(term: Term, renderings: tuple[str, ...], target: str) -> bool:
    return any(rendering_pattern(r, term.case_sensitive).search(target) for r in renderings)


def _matches(source: str, context: CheckContext) -> list[TermMatch]:
    if context.glossary is None or not len(context.glossary):
        return []
    return context.glossary.matcher.find(source, markdown=not context.kind.startswith("front"))


@register
class GlossaryTermCheck(Check):
    """Every glossary term of the source has one of its English renderings in the translation."""

    check_id = "glossary-term"
    name = "Glossary term"
    description = "A glossary term in the source is not rendered as the glossary requires."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        messages: list[str] = []
        seen: set[str] = set()
        for match in _matches(source, context):
            for term in match.terms:
                if term.type not in (TermType.TERM, TermType.NAME) or term.zh in seen:
                    continue
                seen.add(term.zh)
                if not _present(term, term.renderings, target):
                    wanted = " or ".join(repr(r) for r in term.renderings)
                    messages.append(f"{term.zh!r} should be translated as {wanted}")
        return messages


@register
class ForbiddenTermCheck(Check):
    """A rendering the glossary forbids for a term of the source appears in the translation."""

    check_id = "forbidden-term"
    name = "Forbidden rendering"
    description = "The translation uses a rendering the glossary forbids."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        messages: list[str] = []
        for match in _matches(source, context):
            for term in match.terms:
                if term.type is TermType.FORBIDDEN and _present(term, (term.en,), target):
                    message = f"{term.en!r} must not be used for {term.zh!r}"
                    if message not in messages:
                        messages.append(message)
        return messages


@register
class DoNotTranslateCheck(Check):
    """A do-not-translate term of the source is missing or altered in the translation."""

    check_id = "do-not-translate"
    name = "Do-not-translate term"
    description = "A name that must stay as written was changed or dropped."
    severity = Severity.ERROR

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        messages: list[str] = []
        for match in _matches(source, context):
            for term in match.terms:
                if term.type is not TermType.DO_NOT_TRANSLATE:
                    continue
                exact = re.compile(r"(?<![\w])" + re.escape(term.zh) + r"(?![\w])")
                if not exact.search(target):
                    message = f"{term.zh!r} must appear unchanged"
                    if message not in messages:
                        messages.append(message)
        return messages
