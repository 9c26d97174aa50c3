"""Quality checks: a registry of small declarative classes, run on every translated entry.

Built-in checks register on import, exactly like a third-party module would.
"""

from transpub.checks import content, glossary, markup
from transpub.checks.base import (
    REGISTRY,
    Check,
    CheckContext,
    Finding,
    Severity,
    ignore_flag,
    register,
    run_checks,
)

__all__ = [
    "REGISTRY",
    "Check",
    "CheckContext",
    "Finding",
    "Severity",
    "content",
    "glossary",
    "ignore_flag",
    "markup",
    "register",
    "run_checks",
]
