"""Flushing the review app's in-memory catalogs: when saves are journaled (see
``transpub.catalog.journal``), a background thread writes each changed catalog file from memory
a little after its last save, and every one at shutdown.

``start(root)`` turns journaling on for the catalogs of one project in this process (the review
app does; the CLI and the library write catalogs directly); ``stop()`` flushes everything and
turns it off.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger("transpub.review")

#: Seconds without a save after which a catalog is written, and the longest a save waits.
QUIET = 0.2
LONGEST = 1.0


class Flusher:
    """A thread that runs each catalog's flush once its saves pause (or ``longest`` after the
    first unflushed one)."""

    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self.quiet, self.longest = quiet, longest
        self._due: dict[str, tuple[float, float, Callable[[], None]]] = {}  # first, last, flush
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="transpub-flusher", daemon=True)
        self._thread.start()

    def mark(self, key: str, flush: Callable[[], None]) -> None:
        """``key``'s catalog has journaled saves; ``flush`` writes them into its file."""
        now = time.monotonic()
        with self._wake:
            first = self._due[key][0] if key in self._due else now
            self._due[key] = (first, now, flush)
            self._wake.notify()

    def flush_all(self) -> None:
        """Write every catalog with journaled saves now."""
        with self._wake:
            due, self._due = self._due, {}
        for _, _, flush in due.values():
            self._flush(flush)

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout=30)
        self.flush_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                now = time.monotonic()
                ready = {
                    k: v
                    for k, v in self._due.items()
                    if now - v[1] >= self.quiet or now - v[0] >= self.longest
                }
                for key in ready:
                    del self._due[key]
                if not ready:
                    waits = [
                        min(v[1] + self.quiet, v[0] + self.longest) - now
                        for v in self._due.values()
                    ]
                    self._wake.wait(timeout=max(0.01, min(waits)) if waits else None)
                    continue
            for _, _, flush in ready.values():
                self._flush(flush)

    @staticmethod
    def _flush(flush: Callable[[], None]) -> None:
        try:
            flush()
        except Exception:  # the journal keeps the saves: the next reader replays them
            log.exception("could not write a catalog from memory; its journal keeps the saves")


_FLUSHER: Flusher | None = None
_ROOTS: tuple[str, ...] = ()  # each with a trailing separator
_GUARD = threading.Lock()


def start(root: str | os.PathLike[str], quiet: float = QUIET, longest: float = LONGEST) -> None:
    """Journal the saves of the catalogs under ``root`` in this process from now on
    (idempotent); they are flushed at exit too."""
    global _FLUSHER, _ROOTS
    folder = os.path.join(os.path.abspath(root), "")
    with _GUARD:
        if _FLUSHER is None:
            _FLUSHER = Flusher(quiet, longest)
            atexit.register(stop)
        if folder not in _ROOTS:
            _ROOTS = (*_ROOTS, folder)


def journaled(path: str) -> bool:
    """Whether saves of the catalog at ``path`` (absolute) are journaled in this process."""
    return _FLUSHER is not None and any(path.startswith(root) for root in _ROOTS)


def mark(key: str, flush: Callable[[], None]) -> None:
    """Have ``flush`` run soon (see ``Flusher.mark``); it runs now when journaling is off."""
    flusher = _FLUSHER
    if flusher is None:
        flush()
    else:
        flusher.mark(key, flush)


def flush_all() -> None:
    """Write every catalog with journaled saves now (e.g. before reading its files directly)."""
    flusher = _FLUSHER
    if flusher is not None:
        flusher.flush_all()


def stop() -> None:
    """Flush everything and stop journaling."""
    global _FLUSHER, _ROOTS
    with _GUARD:
        flusher, _FLUSHER, _ROOTS = _FLUSHER, None, ()
    if flusher is not None:
        flusher.stop()
