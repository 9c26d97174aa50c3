"""The contribution log: who did what to which entry, when — append-only JSON Lines.

One line per action at ``<project>/.transpub/contributions.jsonl``: translate (a first
translation), edit (a changed one), review (an entry approved), approve-article. Lines are appended
in one ``O_APPEND`` write under an exclusive lock and never rewritten; recognition reports read
them back. Edits made outside transpub (Poedit, Weblate, by hand) are credited to the catalog's
``Last-Translator`` when sync notices them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, active, entry_state
from transpub.errors import TranspubError

LOG_DIR = ".transpub"
LOG_NAME = "contributions.jsonl"
SEEN_DIR = "seen"  # <project>/.transpub/seen/<slug>.po: each catalog as transpub last left it
#: Who is credited for an outside edit when the catalog names no Last-Translator.
UNKNOWN = "unknown"
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_PLACEHOLDER = "FULL NAME"  # gettext's template value of Last-Translator


class Action(StrEnum):
    TRANSLATE = "translate"
    EDIT = "edit"
    REVIEW = "review"
    APPROVE_ARTICLE = "approve-article"


class LogError(TranspubError):
    """The contribution log has a line that is not a contribution."""


@dataclass(frozen=True)
class Contribution:
    """One credited action. ``entry`` is the entry id (``entry_id(msgid)``), None for articles."""

    at: str
    user: str
    action: Action
    article: str
    entry: str | None
    source_chars: int
    english_words: int
    via: str = "app"  # "app" (the review app or the library) or "catalog" (an outside edit)

    def to_json(self) -> str:
        data = asdict(self)
        data["action"] = str(self.action)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def entry_id(msgid: str) -> str:
    """The id of an entry in URLs and in the log: the first 16 hex digits of sha256(msgid)."""
    return hashlib.sha256(msgid.encode("utf-8")).hexdigest()[:16]


def source_chars(text: str) -> int:
    """Characters of the source, whitespace not counted."""
    return sum(1 for ch in text if not ch.isspace())


def english_words(text: str) -> int:
    """Words of the English (``open-source`` and ``don't`` count once)."""
    return len(_WORD.findall(text))


def log_path(project: Project) -> Path:
    return project.root / LOG_DIR / LOG_NAME


def now_stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credit(
    user: str,
    action: Action,
    article: str,
    msgid: str | None,
    msgstr: str,
    at: str,
    via: str = "app",
) -> Contribution:
    """A contribution for an action on one entry (or, with ``msgid`` None, on an article)."""
    return Contribution(
        at=at,
        user=user,
        action=action,
        article=article,
        entry=entry_id(msgid) if msgid is not None else None,
        source_chars=source_chars(msgid or ""),
        english_words=english_words(msgstr),
        via=via,
    )


def append(project: Project, records: Iterable[Contribution]) -> None:
    """Add records at the end of the log in one write; existing lines are never touched."""
    data = "".join(r.to_json() + "\n" for r in records).encode("utf-8")
    if not data:
        return
    path = log_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # a torn last line (a crash mid-write) stays on its own line
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read(
    project: Project, article: str | None = None, user: str | None = None
) -> list[Contribution]:
    """The logged contributions, oldest first, optionally of one article or one person.

    A line that is not JSON at all is a write cut short by a crash and is skipped; a JSON line
    that is not a contribution is an error naming the line.
    """
    path = log_path(project)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    out: list[Contribution] = []
    names = {f.name for f in fields(Contribution)}
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue  # torn: never completed, never counted
        try:
            if not isinstance(data, dict) or not names.issuperset(data):
                raise ValueError("unexpected keys")
            record = Contribution(**{**data, "action": Action(data["action"])})
        except (ValueError, TypeError, KeyError) as exc:
            raise LogError(
                f"line {number} is not a contribution ({exc})",
                path=path,
                line=number,
                hint="the log is append-only: move the broken line out by hand",
            ) from exc
        if (article is None or record.article == article) and (user is None or record.user == user):
            out.append(record)
    return out


def seen_path(project: Project, article: Article) -> Path:
    return project.root / LOG_DIR / SEEN_DIR / f"{article.slug}.po"


def remember(project: Project, article: Article) -> None:
    """Keep a copy of the catalog as transpub leaves it, to tell later edits made outside from
    its own. A copy, not a hard link: an editor that writes the file in place would change both.
    """
    target = seen_path(project, article)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    shutil.copyfile(article.catalog, tmp)
    os.replace(tmp, target)


def last_seen(project: Project, article: Article) -> polib.POFile | None:
    """The catalog as transpub last left it, if it remembered one."""
    path = seen_path(project, article)
    return pofile.load(path) if path.is_file() else None


def catalog_author(po: polib.POFile) -> str:
    """The person a catalog credits (``Last-Translator`` without the e-mail), or ``unknown``."""
    value = " ".join(str(po.metadata.get("Last-Translator", "")).split())
    name = value.split("<", 1)[0].strip()
    if not name or name.upper() == _PLACEHOLDER:
        return UNKNOWN
    return name


def attribute_outside_edits(
    project: Project,
    article: Article,
    before: polib.POFile | None,
    after: polib.POFile,
    now: datetime | None = None,
) -> list[Contribution]:
    """Log what changed between two versions of a catalog, credited to its ``Last-Translator``.

    A msgstr that appeared is a ``translate``, one that changed (or was emptied) an ``edit``;
    an entry left reviewed (not fuzzy) that was not, or whose text changed, is also a
    ``review``. Returns what was logged.
    """
    old = {e.msgid: e for e in active(before)} if before is not None else {}
    who = catalog_author(after)
    at = now_stamp(now)
    records: list[Contribution] = []
    for entry in active(after):
        prev = old.get(entry.msgid)
        prev_text = prev.msgstr if prev is not None else ""
        changed = entry.msgstr != prev_text
        if changed:
            action = Action.TRANSLATE if not prev_text else Action.EDIT
            records.append(
                credit(who, action, article.slug, entry.msgid, entry.msgstr, at, "catalog")
            )
        was_reviewed = prev is not None and entry_state(prev) is EntryState.REVIEWED
        if entry_state(entry) is EntryState.REVIEWED and (changed or not was_reviewed):
            records.append(
                credit(who, Action.REVIEW, article.slug, entry.msgid, entry.msgstr, at, "catalog")
            )
    append(project, records)
    return records
