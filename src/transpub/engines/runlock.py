"""One translate run at a time per engine account and project: the second waits, then pays nothing.

A run that sends texts to a paid engine holds an exclusive ``flock`` on
``.transpub/locks/translate-<account>.lock`` (the account is a hash of the engine's address and
key, never the key). CLI runs, deployment runs and any number of workers on one machine honour it:
a second run waits for the first to finish, then finds the first run's answers in the engine
cache and sends only what is still missing. The lock goes with its process, even after
``kill -9``. It does not reach other machines (each has its own checkout); a Prefect global
concurrency limit of 1 named after the account does that where all runs share one Prefect server.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from transpub.article import Project

LOCKS_DIR = ".transpub/locks"


def lock_path(project: Project, account: str) -> Path:
    """The lock file of an engine account in a project."""
    return project.root / LOCKS_DIR / f"translate-{account}.lock"


@contextlib.contextmanager
def run_lock(
    project: Project,
    account: str,
    *,
    on_wait: Callable[[str], None] | None = None,
    wait: bool = True,
) -> Iterator[float]:
    """Hold the account's run lock for the body; yields the seconds spent waiting for it.

    With ``wait=False`` a held lock raises ``RunLocked`` (with who holds it) instead of waiting.
    ``on_wait`` receives one sentence when the run has to wait.
    """
    from transpub.errors import RunLocked

    path = lock_path(project, account)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = 0.0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            message = (
                f"another translate run ({holder}) is using this engine account for "
                f"{project.root}; this run waits for it to finish, then sends only what that "
                "run left untranslated"
            )
            if not wait:
                raise RunLocked(
                    f"another translate run ({holder}) is using this engine account",
                    path=path,
                    hint="wait for it to finish; this run sent nothing",
                ) from None
            if on_wait is not None:
                on_wait(message)
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            waited = time.monotonic() - started
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_me()).encode("utf-8"), 0)
        yield waited
    finally:
        os.close(fd)  # releases the lock


def _me() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _holder(fd: int) -> str:
    """Who holds the lock, as the holder wrote it: ``pid 123 on host, since …``."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {data['pid']} on {data['host']}, since {data['since']}"
    except (ValueError, KeyError, TypeError, OSError):
        return "pid unknown"


__all__ = ["LOCKS_DIR", "lock_path", "run_lock"]
