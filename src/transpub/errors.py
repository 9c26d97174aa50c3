"""The exceptions transpub raises: one root, subclasses that say what went wrong for the user."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


class TranspubError(Exception):
    """Root of every error transpub reports to a person; ``str()`` is a one-line sentence."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    def at(self, path: str | Path) -> TranspubError:
        """Attach the file the error belongs to (when the raiser did not know it)."""
        if self.path is None:
            self.path = str(path)
        return self

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return text


class ConfigError(TranspubError):
    """transpub.toml is missing, malformed or has unknown keys."""


class SourceError(TranspubError):
    """A source document cannot be read or segmented (encoding, front matter, binary…)."""


class ArticleError(TranspubError):
    """An article is missing, badly named or lacks required metadata."""


class CatalogError(TranspubError):
    """A PO catalog cannot be read or does not belong to its source."""


class StructureError(TranspubError):
    """A rebuilt document does not have the same Markdown structure as its source."""


class ApprovalError(TranspubError):
    """An approval cannot be given (entries untranslated, drafts left…)."""


class EngineError(TranspubError):
    """A machine translation engine failed (the message says which and what to do)."""

    #: What the failed call may have cost: requests sent, characters possibly billed.
    requests: int = 0
    billed_characters: int = 0


class EngineAuthError(EngineError):
    """The engine refused the credentials (wrong or missing key)."""


class QuotaExceeded(EngineError):
    """The engine's quota is used up: stop cleanly, keep what is done."""


class EngineTransientError(EngineError):
    """A temporary failure (rate limit, server error, timeout) outlasting the client's retries."""


class RunLocked(EngineError):
    """Another translate run holds the engine account's lock for this project."""


def typed_path(path: str | Path) -> str:
    """``path`` as a person types it where they run transpub: relative to the current folder
    when it is inside it, else absolute; quoted for the shell when it needs to be."""
    import os
    import shlex

    full = os.path.abspath(path)
    here = os.getcwd()
    inside = full == here or full.startswith(here.rstrip(os.sep) + os.sep)
    return shlex.quote(os.path.relpath(full, here) if inside else full)


def restore_hint(path: str | Path) -> str:
    """A runnable command that restores ``path`` from git, from wherever the user is."""
    import os

    folder, name = os.path.split(os.path.abspath(path))
    return f"`git -C {typed_path(folder)} checkout -- {name}`"
