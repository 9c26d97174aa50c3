"""The write-ahead journal of a catalog: saves acknowledged before the catalog file is rewritten.

A long-running process (the review app) keeps an article's catalog in memory. Each save is
appended to ``.en.po.journal`` beside the catalog (one JSON line per changed entry, fsynced)
before it is acknowledged; the catalog file itself is rewritten later, from memory, and the
journal emptied. Whoever opens a catalog whose journal is not empty (the app after ``kill -9``,
``transpub sync``, publishing, any ``pofile.load``) replays it onto the file first, under the
catalog's lock, so no acknowledged save is lost and every reader sees it.

A record carries the text it replaced (``before``): replayed onto an entry that was changed
meanwhile by someone else (Poedit, Weblate, a ``git pull``), it is not applied but kept in
``.en.po.rej`` and named in the log, never silently lost or silently overwriting.

Record (one line): ``{"msgid", "before", "msgstr", "flags", "tcomment", "meta": {header: value},
"credits": [contribution JSON lines]}``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polib

from transpub.errors import CatalogError, TranspubError
from transpub.textfile import read_json_lines, write_atomic

TYPE_CHECKING = False
if TYPE_CHECKING:
    from transpub.article import Project

log = logging.getLogger("transpub.journal")


def journal_path(catalog: str | Path) -> Path:
    """``.en.po.journal`` beside ``en.po``."""
    p = Path(catalog)
    return p.with_name(f".{p.name}.journal")


def rejects_path(catalog: str | Path) -> Path:
    """``.en.po.rej``: journal records that could not be replayed, one JSON line each."""
    p = Path(catalog)
    return p.with_name(f".{p.name}.rej")


def lock_path(catalog: str | Path) -> Path:
    """``.en.po.lock``: the lock file of the catalog (``flock``)."""
    p = Path(catalog)
    return p.with_name(f".{p.name}.lock")


class _Lock:
    """A catalog's lock in this process: a re-entrant thread lock, and ``flock`` for others."""

    def __init__(self) -> None:
        self.thread = threading.RLock()
        self.depth = 0  # how deep the holding thread is; the file lock is taken at depth 1
        self.fd = -1


_LOCKS: dict[str, _Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def catalog_lock(catalog: str | Path) -> Iterator[None]:
    """Exclusive use of a catalog and its journal (threads, then processes); re-entrant."""
    key = os.path.abspath(catalog)  # no realpath: under load each system call waits for the GIL
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, _Lock())
    with lock.thread:
        lock.depth += 1
        try:
            if lock.depth == 1:
                lock.fd = os.open(lock_path(key), os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(lock.fd, fcntl.LOCK_EX)
            yield
        finally:
            lock.depth -= 1
            if lock.depth == 0 and lock.fd >= 0:
                os.close(lock.fd)  # closing releases the flock
                lock.fd = -1


def record(entry: polib.POEntry, before: str, meta: dict[str, str], credits: list[str]) -> str:
    """The journal line of one changed entry (as it is now; ``before``: the text it replaced)."""
    data = {
        "msgid": entry.msgid,
        "before": before,
        "msgstr": entry.msgstr,
        "flags": list(entry.flags),
        "tcomment": entry.tcomment or "",
        "meta": meta,
        "credits": credits,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def append(catalog: str | Path, lines: list[str]) -> None:
    """Add records to the journal in one write and one fsync (caller holds ``catalog_lock``).

    Durable when this returns: acknowledge the saves only then.
    """
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    fd = os.open(journal_path(catalog), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # A record torn by a crash mid-write was never acknowledged: cut it off.
            whole = os.pread(fd, size, 0)
            os.ftruncate(fd, whole.rfind(b"\n") + 1)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def pending(catalog: str | Path) -> bool:
    """Whether the catalog has journal records not yet in its file (one ``stat``)."""
    try:
        return os.stat(journal_path(catalog)).st_size > 0
    except FileNotFoundError:
        return False


def read(catalog: str | Path) -> list[dict[str, Any]]:
    """The journal's records, oldest first; a torn last line (never acknowledged) is skipped."""
    path = journal_path(catalog)
    return read_json_lines(
        path,
        lambda number: CatalogError(
            f"line {number} of the journal is not a saved entry",
            path=path,
            hint="repair or remove that line, then open the article again",
        ),
        valid=lambda record: isinstance(record.get("msgid"), str),
    )


def apply(po: polib.POFile, records: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Replay records onto ``po`` in order; the records refused, each with the reason.

    A record whose text is already there changes nothing (it was written before a crash).
    """
    live = {e.msgid: e for e in po if not e.obsolete}
    refused: list[tuple[dict[str, Any], str]] = []
    for data in records:
        entry = live.get(data["msgid"])
        if entry is None:
            refused.append((data, "the entry is no longer in the catalog"))
            continue
        now = (entry.msgstr, list(entry.flags), entry.tcomment or "")
        if now == (data["msgstr"], data["flags"], data["tcomment"]):
            continue
        if entry.msgstr != data["before"]:
            refused.append((data, f"the entry was changed meanwhile to {entry.msgstr!r}"))
            continue
        entry.msgstr = data["msgstr"]
        entry.flags = list(data["flags"])
        entry.tcomment = data["tcomment"]
        for key, value in data.get("meta", {}).items():
            po.metadata[key] = value
    return refused


_OWNERS: dict[str, Callable[[], None]] = {}


def own(catalog: str | Path, flush: Callable[[], None]) -> None:
    """In this process, ``flush`` writes the catalog's journaled saves (from memory, faster
    than replaying them): ``settle`` calls it instead of ``replay``."""
    _OWNERS[os.path.abspath(catalog)] = flush


def settle(catalog: str | Path, wrap_width: int = 78) -> bool:
    """Put the journal's records into the catalog file if it has any; True if it had."""
    if not pending(catalog):
        return False
    owner = _OWNERS.get(os.path.abspath(catalog))
    if owner is not None:
        owner()
    else:
        replay(catalog, wrap_width)
    return True


def replay(
    catalog: str | Path,
    wrap_width: int = 78,
    text: str | None = None,
    project: Project | None = None,
) -> None:
    """Write the journal's records into the catalog file, credit them, and empty the journal.

    With ``text`` (the catalog as the records left it, kept in memory by the app, whose file is
    unchanged since), that is written instead of re-reading the file and applying the records.
    Records refused (see ``apply``) are kept in ``.en.po.rej`` and logged.
    """
    from transpub.catalog import pofile  # imports this module

    with catalog_lock(catalog):
        records = read(catalog)
        if not records:
            _clear(catalog)
            return
        refused: list[tuple[dict[str, Any], str]] = []
        if text is None:
            po = pofile.parse(catalog, wrap_width)
            refused = apply(po, records)
            pofile.save(po, catalog)
        else:
            write_atomic(catalog, text)
        if refused:
            _reject(catalog, refused)
        _credit(Path(catalog), [line for r in records for line in r.get("credits", ())], project)
        _clear(catalog)


def _reject(catalog: str | Path, refused: list[tuple[dict[str, Any], str]]) -> None:
    path = rejects_path(catalog)
    with open(path, "a", encoding="utf-8") as fh:
        for data, reason in refused:
            fh.write(json.dumps({**data, "reason": reason}, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    for data, reason in refused:
        log.warning(
            "%s: a saved translation of %r was not replayed (%s); it is kept in %s",
            catalog,
            data["msgid"][:40],
            reason,
            path,
        )


def _credit(catalog: Path, lines: list[str], project: Project | None) -> None:
    """Add the records' contributions to the credit files and remember the catalog as
    transpub left it (see ``contributions.remember``). A contribution written twice (a crash
    between here and emptying the journal) is counted once when read."""
    from transpub import article as articles
    from transpub.credits import contributions
    from transpub.credits.contributions import Action, Contribution

    if project is None:
        try:
            project = articles.Project.open(catalog.parent)
        except TranspubError as exc:  # not in a project: nothing to credit
            log.warning("%s: no project to credit the journal's saves in (%s)", catalog, exc)
            return
    records = []
    for line in lines:
        data = json.loads(line)
        records.append(Contribution(**{**data, "action": Action(data["action"])}))
    contributions.append(project, records)
    contributions.remember(project, articles.Article(catalog.parent.name, catalog.parent))


def _clear(catalog: str | Path) -> None:
    fd = os.open(journal_path(catalog), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
