"""The check family: small declarative classes in a registry, each with one ``check`` method."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, TypeVar

if TYPE_CHECKING:
    from transpub.glossary.model import Glossary


class Severity(StrEnum):
    ERROR = "error"  # blocks publishing
    WARNING = "warning"  # shown to reviewers


@dataclass(frozen=True)
class CheckContext:
    """What a check may need besides the two texts."""

    glossary: Glossary | None = None
    kind: str = ""  # the unit type: "paragraph", "table cell", "front matter: title"…


@dataclass(frozen=True)
class Finding:
    """One problem a check found in one translation."""

    check: str
    severity: Severity
    message: str


class Check:
    """Base of every check. A subclass sets the four class attributes and implements ``check``."""

    check_id: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    #: Whether the check also runs on a blank translation (only `empty` does: the others would
    #: all repeat that nothing is there).
    checks_blank: ClassVar[bool] = False

    def check(self, source: str, target: str, context: CheckContext) -> list[str]:
        """Messages (one sentence each) for every problem; empty when the translation is fine."""
        raise NotImplementedError


C = TypeVar("C", bound=type[Check])
REGISTRY: dict[str, type[Check]] = {}


def register(cls: C) -> C:
    """Add a check to the registry (built-in checks register exactly like a plug-in would)."""
    if cls.check_id in REGISTRY and REGISTRY[cls.check_id] is not cls:
        raise ValueError(f"two checks are named {cls.check_id!r}")
    REGISTRY[cls.check_id] = cls
    return cls


def ignore_flag(check_id: str) -> str:
    """The PO flag with which a reviewer silences one check on one entry (as Weblate does)."""
    return f"ignore-{check_id}"


def run_checks(
    source: str,
    target: str,
    flags: Iterable[str] = (),
    context: CheckContext | None = None,
    only: Callable[[type[Check]], bool] | None = None,
) -> list[Finding]:
    """Run every registered check on one translation, except those silenced by flags."""
    silenced = set(flags)
    ctx = context or CheckContext()
    blank = not target.strip()
    found: list[Finding] = []
    for check_id, cls in REGISTRY.items():
        if ignore_flag(check_id) in silenced or (only is not None and not only(cls)):
            continue
        if blank and not cls.checks_blank:
            continue
        for message in cls().check(source, target, ctx):
            found.append(Finding(check_id, cls.severity, message))
    return found
