"""Counts in messages, in good English: ``counted(1, "entry", "entries")`` is ``1 entry``."""

from __future__ import annotations


def counted(n: int, one: str, many: str = "") -> str:
    """``n`` and the noun in its number: ``1 draft``, ``2 drafts``, ``0 entries`` (``many``
    for an irregular plural; default: ``one`` + ``s``)."""
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"
