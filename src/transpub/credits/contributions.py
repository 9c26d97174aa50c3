"""The credit records: who did what to which entry, when — append-only JSON Lines, in git.

One line per action, in ``<project>/credits/<YYYY-MM>.jsonl`` (the month of the action, UTC):
translate (a first translation), edit (a changed one, with how much of the text it changed),
review (an entry approved), approve-article. The files live in the content repository, so the
credits survive the machine and come with every clone; a file is only ever extended (rewritten
whole and atomically, under a lock), and ``credits/.gitattributes`` merges two branches' additions
with git's ``union`` driver. The old machine-local log (``.transpub/contributions.jsonl``) is
migrated on the first write. Edits made outside transpub (Poedit, Weblate, by hand) are credited
to the catalog's ``Last-Translator``, or to the git author of the commit that changed it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import polib
from rapidfuzz.distance import Levenshtein

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, active, approval, entry_state, get_note
from transpub.errors import TranspubError
from transpub.textfile import write_atomic

LOG_DIR = ".transpub"
LOG_NAME = "contributions.jsonl"  # the old machine-local log, migrated into the credit files
MIGRATED_SUFFIX = ".migrated"
LOCK_NAME = "credits.lock"
#: Two branches that both added credits merge by keeping both sides' lines.
GITATTRIBUTES = "*.jsonl merge=union\n"
SEEN_DIR = "seen"  # <project>/.transpub/seen/<slug>.po: each catalog as transpub last left it
#: Who is credited for an outside edit when the catalog names no Last-Translator.
UNKNOWN = "unknown"
#: What ``transpub credits`` says when some records are credited to ``unknown``.
UNKNOWN_HINT = (
    "entries credited to `unknown` were edited outside transpub (Poedit, by hand) with no "
    "Last-Translator and no git author: to credit the next ones, set your name in the PO editor "
    "(Poedit: Preferences → Name) or keep the articles in a git repository with "
    '`git config user.name`; if one person made these, add "unknown" to their `aliases` in '
    "contributors.toml"
)
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
    #: "app" (the review app or the library), "catalog" (an outside edit) or "import" (the
    #: notes of a catalog transpub had no record of: ``credit_catalog_notes``).
    via: str = "app"
    #: For an edit: how much of the previous text it changed, 0–100 (normalised edit distance).
    change: int | None = None
    #: For an outside edit credited from git: the commit that changed the catalog.
    commit: str | None = None

    @property
    def month(self) -> str:
        """``YYYY-MM``: the period file the record belongs to."""
        return self.at[:7]

    def to_json(self) -> str:
        data = {k: v for k, v in vars(self).items() if v is not None or k == "entry"}
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


def change_between(before: str, after: str) -> int:
    """How much of ``before`` an edit to ``after`` changed: 0 (same) to 100 (all of it)."""
    return round(100 * Levenshtein.normalized_distance(before, after))


def log_path(project: Project) -> Path:
    """The old machine-local log (read until it is migrated)."""
    return project.root / LOG_DIR / LOG_NAME


def credits_dir(project: Project) -> Path:
    """The folder of the credit files, in the content repository."""
    return project.root / project.config.credits.dir


def period_path(project: Project, month: str) -> Path:
    """The credit file of one month (``YYYY-MM``)."""
    return credits_dir(project) / f"{month}.jsonl"


def credit_files(project: Project) -> list[Path]:
    """The credit files, oldest month first."""
    folder = credits_dir(project)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if _MONTH.fullmatch(p.stem))


_MONTH = re.compile(r"\d{4}-\d{2}")


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
    previous: str | None = None,
    commit: str | None = None,
) -> Contribution:
    """A contribution for an action on one entry (or, with ``msgid`` None, on an article);
    for an edit, ``previous`` is the text it replaced (to record how much it changed)."""
    change = None
    if action is Action.EDIT and previous is not None:
        change = change_between(previous, msgstr)
    return Contribution(
        at=at,
        user=user,
        action=action,
        article=article,
        entry=entry_id(msgid) if msgid is not None else None,
        source_chars=source_chars(msgid or ""),
        english_words=english_words(msgstr),
        via=via,
        change=change,
        commit=commit,
    )


@contextmanager
def _locked(project: Project) -> Iterator[None]:
    """Exclusive use of the credit files (threads and processes)."""
    lock = project.root / LOG_DIR / LOCK_NAME
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _extend(project: Project, records: Iterable[Contribution]) -> int:
    """Add records to their month files (lock held); lines already there are not repeated."""
    by_month: dict[str, list[str]] = {}
    for r in records:
        by_month.setdefault(r.month, []).append(r.to_json())
    added = 0
    folder = credits_dir(project)
    if by_month and not (folder / ".gitattributes").exists():
        write_atomic(folder / ".gitattributes", GITATTRIBUTES)
    for month, lines in sorted(by_month.items()):
        path = period_path(project, month)
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            old = b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        text = "".join(line + "\n" for line in lines).encode("utf-8")
        write_atomic(path, old + text)
        added += len(lines)
    return added


def append(project: Project, records: Iterable[Contribution]) -> None:
    """Add records at the end of their month's credit file; existing lines are never touched.

    Each file is rewritten whole and atomically under the credits lock, so a crash leaves the
    old file or the new one, never half a line. The old local log is migrated first.
    """
    batch = list(records)
    if not batch:
        return
    with _locked(project):
        _migrate(project)
        _extend(project, batch)


def migrate(project: Project) -> int:
    """Move the old ``.transpub/contributions.jsonl`` into the credit files; how many records.

    Safe to repeat after a crash: records already in their month's file are not added twice.
    The old log is kept as ``contributions.jsonl.migrated``.
    """
    with _locked(project):
        return _migrate(project)


def _migrate(project: Project) -> int:
    old = log_path(project)
    if not old.is_file():
        return 0
    records = _parse(old.read_bytes(), old, tolerate_torn=True)
    present: set[str] = set()
    for month in {r.month for r in records}:
        path = period_path(project, month)
        if path.is_file():
            present.update(path.read_text(encoding="utf-8").splitlines())
    added = _extend(project, [r for r in records if r.to_json() not in present])
    os.replace(old, old.with_name(old.name + MIGRATED_SUFFIX))
    return added


def _parse(raw: bytes, path: Path, tolerate_torn: bool = False) -> list[Contribution]:
    """The records of one file, a line repeated (by a merge) counted once. A line that is not
    JSON is an error naming it (in the old log: a write cut short by a crash, skipped); so is a
    JSON line that is not a contribution."""
    lines = list(dict.fromkeys(line for line in raw.split(b"\n") if line.strip()))
    try:  # the fast path: the whole file in one call of the JSON parser
        return [_record(data) for data in json.loads(b"[" + b",".join(lines) + b"]")]
    except (ValueError, TypeError, KeyError):
        pass  # find the bad line below
    out: list[Contribution] = []
    seen: set[bytes] = set()
    for number, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip() or line in seen:
            continue
        seen.add(line)
        try:
            data = json.loads(line)
        except ValueError as exc:
            if tolerate_torn:
                continue  # torn: never completed, never counted
            raise LogError(
                "this line is not a credit record (a merge conflict or a hand edit?)",
                path=path,
                line=number,
                hint="keep both sides' lines of a conflict and remove the markers",
            ) from exc
        try:
            out.append(_record(data))
        except (ValueError, TypeError, KeyError) as exc:
            raise LogError(
                f"line {number} is not a contribution ({exc})",
                path=path,
                line=number,
                hint="the credits are append-only: move the broken line out by hand",
            ) from exc
    return out


def _record(data: Any) -> Contribution:
    if not isinstance(data, dict) or not _FIELDS.issuperset(data):
        raise ValueError("unexpected keys")
    data["action"] = _ACTIONS[data["action"]]
    return Contribution(**data)


_FIELDS = frozenset(f.name for f in fields(Contribution))
_ACTIONS = {str(a): a for a in Action}


def read(
    project: Project, article: str | None = None, user: str | None = None
) -> list[Contribution]:
    """Every credited contribution, oldest month first (in file order within a month),
    optionally of one article or one person. Includes a not yet migrated old log; a line
    repeated by a merge is counted once.
    """
    out: list[Contribution] = []
    for path in credit_files(project):
        out.extend(_parse(path.read_bytes(), path))
    old = log_path(project)
    if old.is_file():  # not migrated yet: its records, less those already in the credit files
        present = set(out)
        out.extend(r for r in _parse(old.read_bytes(), old, True) if r not in present)
        out.sort(key=lambda r: r.at)
    if article is None and user is None:
        return out
    return [
        r
        for r in out
        if (article is None or r.article == article) and (user is None or r.user == user)
    ]


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


def _git(root: Path, *args: str) -> str | None:
    """The output of ``git -C root ARGS``; None when git fails or is not installed."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None  # no git on this machine
    return done.stdout if done.returncode == 0 else None


def _changed_in_git(root: Path, path: Path) -> bool | None:
    """Whether ``path`` differs from the last commit; None outside a git work tree."""
    try:
        where = str(path.relative_to(root))
    except ValueError:
        return None
    status = _git(root, "status", "--porcelain", "--", where)
    return None if status is None else bool(status.strip())


def git_author(root: Path, path: Path) -> tuple[str, str] | None:
    """``(author name, commit)`` of the last commit that changed ``path``, when the file is
    exactly as committed (no uncommitted change); None outside git or for a changed file."""
    if _changed_in_git(root, path) is not False:
        return None
    log = _git(root, "log", "-1", "--format=%an%x00%H", "--", str(path.relative_to(root)))
    name, _, sha = (log or "").strip().partition("\0")
    if not name or not sha:
        return None
    return " ".join(name.split()), sha


def pending_git_author(root: Path, path: Path) -> str | None:
    """The git author of a change not committed yet: who ``git commit`` would name
    (``GIT_AUTHOR_NAME``, else ``user.name``), when ``path`` is in a git work tree whose
    copy of it differs from the last commit; None otherwise."""
    if not _changed_in_git(root, path):
        return None
    name = os.environ.get("GIT_AUTHOR_NAME", "").strip() or _git(root, "config", "user.name")
    return " ".join((name or "").split()) or None


def outside_author(
    root: Path, catalog: Path, before: polib.POFile | None, after: polib.POFile
) -> tuple[str, str | None]:
    """Who made the outside edits to a catalog, and the commit that brought them (if any).

    A ``Last-Translator`` that changed was set by the PO editor (Poedit, Weblate) that made
    the edit: that person. One left as it was is stale (a hand edit keeps it): then the git
    author of the commit that changed the catalog, when the file is committed, or of the change
    still to be committed (``user.name``) when it is not; else the header's name, else
    ``unknown``.
    """
    named = catalog_author(after)
    previous = catalog_author(before) if before is not None else UNKNOWN
    if named != UNKNOWN and named != previous:
        return named, None
    found = git_author(root, catalog)
    if found is not None:
        return found
    pending = pending_git_author(root, catalog)
    if pending is not None:
        return pending, None
    return named, None


def attribute_outside_edits(
    project: Project,
    article: Article,
    before: polib.POFile | None,
    after: polib.POFile,
    now: datetime | None = None,
) -> list[Contribution]:
    """Log what changed between two versions of a catalog, credited to ``outside_author``.

    A msgstr that appeared is a ``translate``, one that changed (or was emptied) an ``edit``;
    an entry left reviewed (not fuzzy) that was not, or whose text changed, is also a
    ``review``. Returns what was logged.
    """
    old = {e.msgid: e for e in active(before)} if before is not None else {}
    records: list[Contribution] = []
    entries = active(after)
    who: tuple[str, str | None] | None = None
    at = now_stamp(now)
    for entry in entries:
        prev = old.get(entry.msgid)
        prev_text = prev.msgstr if prev is not None else ""
        changed = entry.msgstr != prev_text
        was_reviewed = prev is not None and entry_state(prev) is EntryState.REVIEWED
        reviewed = entry_state(entry) is EntryState.REVIEWED and (changed or not was_reviewed)
        if (changed or reviewed) and who is None:
            who = outside_author(project.root, article.catalog, before, after)
        if changed:
            assert who is not None
            action = Action.TRANSLATE if not prev_text else Action.EDIT
            records.append(
                credit(
                    who[0],
                    action,
                    article.slug,
                    entry.msgid,
                    entry.msgstr,
                    at,
                    "catalog",
                    previous=prev_text,
                    commit=who[1],
                )
            )
        if reviewed:
            assert who is not None
            records.append(
                credit(
                    who[0],
                    Action.REVIEW,
                    article.slug,
                    entry.msgid,
                    entry.msgstr,
                    at,
                    "catalog",
                    commit=who[1],
                )
            )
    append(project, records)
    return records


def _po_stamp(value: str) -> str | None:
    """A PO header date (``2026-11-21 05:16+0000``) as a record's UTC stamp, None if unreadable."""
    try:
        return now_stamp(datetime.strptime(value.strip(), "%Y-%m-%d %H:%M%z"))
    except ValueError:
        return None


def credit_catalog_notes(
    project: Project, article: Article, now: datetime | None = None
) -> list[Contribution]:
    """Credit what a catalog itself says, once: for an article with no credit record yet (a
    catalog shipped with the project, imported from Weblate or Crowdin, or made before the
    credit files), each reviewed entry's ``# translator:`` and ``# reviewer:`` note and the
    editor's approval become records (``via="import"``), so the tallies name the people its
    published page names. Dated by the catalog's ``PO-Revision-Date`` (the approval: its time).
    Returns what was logged; nothing for an article already credited or without notes.
    """
    if not article.catalog.is_file() or read(project, article=article.slug):
        return []
    po = pofile.load(article.catalog, project.config.catalog.wrap_width)
    fallback = now_stamp(now)
    at = _po_stamp(str(po.metadata.get("PO-Revision-Date", ""))) or fallback
    records: list[Contribution] = []
    for entry in active(po):
        if entry_state(entry) is not EntryState.REVIEWED:
            continue
        for key, action in (("translator", Action.TRANSLATE), ("reviewer", Action.REVIEW)):
            name = " ".join((get_note(entry, key) or "").split())
            if name:
                records.append(
                    credit(name, action, article.slug, entry.msgid, entry.msgstr, at, "import")
                )
    given = approval(po)
    if given is not None:
        live = active(po)
        records.append(
            Contribution(
                at=_po_stamp(given.at) or at,
                user=given.editor,
                action=Action.APPROVE_ARTICLE,
                article=article.slug,
                entry=None,
                source_chars=sum(source_chars(e.msgid) for e in live),
                english_words=sum(english_words(e.msgstr) for e in live),
                via="import",
            )
        )
    append(project, records)
    return records
