"""What the pages show, built from the library: queue rows and editor entries (no HTML here).

Texts stay plain strings; the templates escape them. Catalogs are read through a cache that
reloads a file when it changes, and check findings are cached per (source, translation, flags).
"""

from __future__ import annotations

import difflib
import json
import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import polib

from transpub import __version__
from transpub.article import Article, Project
from transpub.catalog.queue import (
    Approval,
    ArticleState,
    Counts,
    EntryState,
    active,
    approval,
    article_state,
    counts,
    entry_state,
    get_note,
    state_of,
)
from transpub.checks import Severity
from transpub.checks.base import REGISTRY
from transpub.checks.report import EntryFinding, project_glossary
from transpub.credits.contributions import Contribution, entry_id
from transpub.engines import tm
from transpub.engines.tm import suggestions
from transpub.errors import TranspubError
from transpub.glossary.model import Glossary
from transpub.glossary.term import TermType
from transpub.review import actions, history
from transpub.review import comments as notes
from transpub.review import suggestions as proposals
from transpub.review.actions import Blockers, SaveResult, entry_findings
from transpub.textfile import write_atomic

PAGE_SIZE = 100
BLOCKERS_SHOWN = 20
ENTRY_FILTERS = ("all", "untranslated", "draft", "reviewed", "problems")
QUEUE_FILTERS = ("all", "mine", "review", "approved")
_MAX_CACHED_FINDINGS = 200_000
_T = TypeVar("_T")


@dataclass(frozen=True)
class TermNote:
    """A glossary term found in the source, with what the English must say."""

    zh: str
    en: str
    kind: str
    note: str

    @property
    def label(self) -> str:
        if self.kind == TermType.FORBIDDEN:
            return f"not “{self.en}”"
        if self.kind == TermType.DO_NOT_TRANSLATE:
            return f"{self.en} (keep as written)"
        return self.en


@dataclass(frozen=True)
class Part:
    """A piece of the source: plain text, or a glossary term with its notes."""

    text: str
    terms: tuple[TermNote, ...] = ()

    @property
    def title(self) -> str:
        return "; ".join(f"{t.label} — {t.kind}" for t in self.terms)


@dataclass(frozen=True)
class Suggestion:
    """A translation-memory match (from ``transpub.engines.tm`` when it is installed)."""

    source: str
    target: str
    score: float
    origin: str
    diff: tuple[tuple[str, str], ...] = ()  # from the memory's source to the entry's source

    @property
    def exact(self) -> bool:
        return not any(op != "equal" for op, _ in self.diff)

    @property
    def percent(self) -> int:
        """The score (0–100) rounded, but 100 only for an exact match (99.5 shows as 99)."""
        return 100 if self.exact else min(99, round(self.score))


@dataclass(frozen=True)
class Proposal:
    """A translator's pending suggestion for a reviewed entry, with its difference to the
    entry's current text."""

    id: str
    user: str
    at: str
    text: str
    diff: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HistoryLine:
    """One change of an entry's text, with its difference from the text before."""

    id: str
    user: str
    at: str
    actions: tuple[str, ...]
    before: str
    diff: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EntryView:
    id: str
    number: int
    msgid: str
    msgstr: str
    text: str  # what the text area holds: the msgstr, or the user's text after a conflict
    state: EntryState
    kind: str
    line: str
    origin: str | None
    translator: str | None
    reviewer: str | None
    parts: tuple[Part, ...]
    terms: tuple[TermNote, ...]
    previous: tuple[tuple[str, str], ...]  # (equal|delete|insert, text) from the old source
    findings: tuple[EntryFinding, ...]
    suggestions: tuple[Suggestion, ...] | None  # None: not looked up (see Views.suggestions)
    conflict: bool = False
    pending: tuple[Proposal, ...] = ()  # translators' suggestions waiting for a reviewer
    comments: tuple[notes.Comment, ...] = ()  # the entry's discussion, oldest first
    history: tuple[HistoryLine, ...] = ()  # the entry's changes in the app, newest first

    @property
    def base(self) -> str:
        """The msgstr this form is based on, as JSON (survives the browser's newline rewriting)."""
        return json.dumps(self.msgstr, ensure_ascii=False)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)


@dataclass(frozen=True)
class QueueItem:
    slug: str
    title: str
    state: ArticleState
    counts: Counts
    contributors: tuple[str, ...]
    approved_by: str | None
    problem: str | None = None  # why its catalog cannot be read, and what to do (one line)

    def mine(self, name: str) -> bool:
        return name in self.contributors or name == self.approved_by


#: An entry's check errors with its number and id, as the header lists them.
_Errors = tuple[int, str, tuple[EntryFinding, ...]]


@dataclass(frozen=True)
class Blocking:
    """A check error that blocks the approval, with the entry it belongs to."""

    number: int
    id: str
    finding: EntryFinding


@dataclass(frozen=True)
class Head:
    """The article's header: its state, the editor's approval and what blocks one."""

    slug: str
    state: ArticleState
    counts: Counts
    approval: Approval | None
    blockers: Blockers  # its errors: the first BLOCKERS_SHOWN only (see error_count)
    blocking: tuple[Blocking, ...]  # the first BLOCKERS_SHOWN check errors, in document order
    error_count: int = 0


@dataclass(frozen=True)
class ArticlePage:
    slug: str
    title: str
    state: ArticleState
    counts: Counts
    approval: Approval | None
    blockers: Blockers
    entries: tuple[EntryView, ...]
    show: str
    page: int
    pages: int
    matching: int
    activity: tuple[Contribution, ...]
    synced: bool = True
    last: int = 0  # the document number of the last entry the filter shows
    head: Head | None = None
    numbers: Mapping[str, int] = field(default_factory=dict)  # entry id → number, for activity


def problem_line(project: Project, exc: TranspubError) -> str:
    """The error as one line for a page: its file relative to the project (not the server's
    folders) with the line, what is wrong and what to do."""
    where = ""
    if exc.path is not None:
        full, root = os.path.abspath(exc.path), os.path.abspath(project.root)
        inside = full.startswith(root.rstrip(os.sep) + os.sep)
        shown = os.path.relpath(full, root) if inside else os.path.basename(full)
        where = f"{shown}:{exc.line}: " if exc.line is not None else f"{shown}: "
    return " ".join(f"{where}{exc.message}{f'; {exc.hint}' if exc.hint else ''}".split())


def percent(part: int, whole: int) -> float:
    """``part`` as a share of ``whole`` in percent, for the progress bars."""
    return 100.0 * part / whole if whole else 0.0


def source_parts(text: str, glossary: Glossary | None, kind: str) -> tuple[Part, ...]:
    """The source cut into plain text and glossary terms, in order."""
    if glossary is None or not len(glossary):
        return (Part(text),)
    parts: list[Part] = []
    at = 0
    for match in glossary.matcher.find(text, markdown=not kind.startswith("front")):
        if match.start < at:
            continue
        if match.start > at:
            parts.append(Part(text[at : match.start]))
        notes = tuple(TermNote(t.zh, t.en, str(t.type), t.note) for t in match.terms)
        parts.append(Part(text[match.start : match.end], notes))
        at = match.end
    if at < len(text):
        parts.append(Part(text[at:]))
    return tuple(parts)


def diff_parts(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """A character-level difference from ``old`` to ``new``: (equal|delete|insert, text)."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", old[a1:a2]))
        if op in ("delete", "replace"):
            out.append(("delete", old[a1:a2]))
        if op in ("insert", "replace"):
            out.append(("insert", new[b1:b2]))
    return tuple(out)


def tm_suggestions(project: Project, msgid: str) -> tuple[Suggestion, ...]:
    """Up to three translation-memory matches for a source text."""
    try:
        found = suggestions(project, msgid, limit=3)
    except TranspubError:
        return ()  # a broken memory must not take the editor down; the CLI reports it
    return tuple(
        Suggestion(s.source, s.target, s.score, s.origin, diff_parts(s.source, msgid))
        for s in found
    )


def _finding_key(entry: polib.POEntry) -> tuple[str, ...]:
    """What an entry's findings depend on (with the glossary)."""
    return (entry.msgid, entry.msgstr, entry.comment or "", *sorted(entry.flags))


class Views:
    """The project as the pages see it, with caches that follow the files."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._index: dict[str, dict[str, tuple[str, int]]] = {}
        self._glossary: tuple[tuple[int, int] | None, Glossary | None] | None = None
        self._findings: dict[tuple[str, ...], tuple[EntryFinding, ...]] = {}
        self._sides: dict[Path, tuple[tuple[int, int, int] | None, Any]] = {}
        #: How many entries this instance ran the checks on (the others came from its caches).
        self.checks_run = 0
        self._findings_read: set[str] = set()  # articles whose findings file was read
        #: Findings read from those files, as stored: [line, check, severity, message] by key.
        self._stored: dict[tuple[str, ...], list[list[Any]]] = {}
        self._sources: dict[str, str] = {}
        self._histories: dict[str, history.Reader] = {}
        self._unsaved: set[str] = set()  # articles with findings not in their findings file
        self._tm: tm.TranslationMemory | None = None
        self._tm_marks: tuple[tuple[str, int, int, int], ...] = ()
        self._tm_refreshing = False
        self._tm_lock = threading.Lock()
        self._lock = threading.Lock()
        self.glossary_problem: str | None = None
        #: Per catalog, as the last page showed it: the check errors by msgid and the approval,
        #: so that a save can update the header without reading the catalog again.
        self._heads: dict[str, tuple[dict[str, _Errors], Approval | None]] = {}

    # -- the files ---------------------------------------------------------------------------

    def catalog(self, article: Article) -> polib.POFile | None:
        """The article's catalog with every acknowledged save (read-only: never change what
        this returns), None if unsynced; see ``actions.catalog``."""
        return actions.catalog(self.project, article)

    def readable(
        self, problems: dict[str, str] | None = None
    ) -> Callable[[Article], polib.POFile | None]:
        """``catalog`` for pages over every article: an unreadable catalog answers None, and
        its one-line error (file, line, what to do) goes into ``problems`` by slug."""

        def read(article: Article) -> polib.POFile | None:
            try:
                return self.catalog(article)
            except TranspubError as exc:
                if problems is not None:
                    problems[article.slug] = problem_line(self.project, exc)
                return None

        return read

    def glossary(self) -> Glossary | None:
        """The project's glossary, reloaded when its file changes.

        A glossary that does not load is left out (``glossary_problem`` says why) rather than
        stopping every save; the editor's approval still refuses it (it loads the file itself).
        """
        path = Path(self.project.root / self.project.config.glossary.path)
        try:
            st = path.stat()
            ident: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            ident = None
        with self._lock:
            if self._glossary is None or self._glossary[0] != ident:
                try:
                    loaded, self.glossary_problem = project_glossary(self.project), None
                except TranspubError as exc:
                    loaded, self.glossary_problem = None, str(exc)
                self._glossary = (ident, loaded)
                self._findings.clear()
            return self._glossary[1]

    def saved(self, result: SaveResult, glossary: Glossary | None) -> None:
        """Remember the findings a save computed (with ``glossary``, the current one)."""
        entry = result.written
        if glossary is self._glossary_now() and entry.msgstr:
            self._findings[_finding_key(entry)] = result.findings
            self._unsaved.add(result.slug)

    def keep_findings(self) -> None:
        """Write the findings files of the articles saved into since their last page (the
        review app does it at shutdown, for the first page after a restart)."""
        for slug in sorted(self._unsaved):
            try:
                article = self.project.article(slug)
                po = self.catalog(article)
            except TranspubError:
                continue
            if po is not None:
                self._save_findings(article, active(po))
        self._unsaved.clear()

    def _side(self, path: Path, read: Callable[[], _T]) -> _T:
        """What ``read`` makes of the file at ``path``, read again only when the file changes
        (the files beside a catalog are appended to, or replaced whole: either changes this)."""
        try:
            st = os.stat(path)
            ident: tuple[int, int, int] | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            ident = None
        cached = self._sides.get(path)
        if cached is not None and cached[0] == ident:
            value: _T = cached[1]
            return value
        value = read()
        self._sides[path] = (ident, value)
        return value

    def _pending(self, article: Article) -> dict[str, list[proposals.Suggestion]]:
        return self._side(proposals.path(article), lambda: proposals.pending(article))

    def _comments(self, article: Article) -> dict[str, list[notes.Comment]]:
        return self._side(notes.path(article), lambda: notes.by_entry(article))

    def _history(self, article: Article) -> dict[str, list[history.Change]]:
        reader = self._histories.get(article.slug)
        if reader is None:
            reader = self._histories[article.slug] = history.Reader(article)
        return reader.by_entry()

    def warm(self) -> None:
        """Read what the first pages need (the glossary, each catalog and its stored findings)
        before anyone asks; the review app does it in the background at start-up."""
        try:
            self.glossary()
            for article in self.project.articles():
                if self.readable()(article) is not None:
                    self._load_findings(article)
        except TranspubError:
            pass  # the page that needs it reports the problem

    # -- the findings of every entry, kept on disk for the first page after a restart ---------

    def _findings_file(self, article: Article) -> Path:
        return self.project.root / ".transpub" / "findings" / f"{article.slug}.json"

    def _findings_stamp(self) -> str:
        """What the cached findings were computed with: the checks and the glossary file."""
        glossary = self._glossary[0] if self._glossary is not None else None
        return json.dumps([__version__, sorted(REGISTRY), glossary])

    def _load_findings(self, article: Article) -> None:
        """Take the article's findings from the cache file, once (if made with the same checks
        and glossary): the first page after a restart runs no check on unchanged entries."""
        if article.slug in self._findings_read:
            return
        self._findings_read.add(article.slug)
        try:
            data = json.loads(self._findings_file(article).read_bytes())
            if data["stamp"] != self._findings_stamp():
                return
            for key, found in data["entries"]:
                self._stored.setdefault(tuple(key), found)
        except (OSError, ValueError, KeyError, TypeError):
            return  # no cache, or not one this version reads: the checks run

    def _save_findings(self, article: Article, entries: list[polib.POEntry]) -> None:
        """Keep the findings of the article's entries in ``.transpub/findings/<slug>.json``."""
        rows = []
        for entry in entries:
            key = _finding_key(entry)
            found = self._findings.get(key)
            if found is not None:
                rows.append([list(key), [[f.line, f.check, f.severity, f.message] for f in found]])
        data = {"stamp": self._findings_stamp(), "entries": rows}
        write_atomic(self._findings_file(article), json.dumps(data, ensure_ascii=False))

    def _glossary_now(self) -> Glossary | None:
        return self._glossary[1] if self._glossary is not None else None

    def findings(
        self, article: Article, entry: polib.POEntry, glossary: Glossary | None
    ) -> tuple[EntryFinding, ...]:
        """The entry's findings with ``glossary`` (the current one: see ``glossary()``)."""
        if not entry.msgstr:
            return ()
        key = _finding_key(entry)
        found = self._findings.get(key)
        if found is None:
            source = self._source(article)
            stored = self._stored.pop(key, None)
            if stored is not None:  # from the findings file (see _load_findings)
                found = tuple(EntryFinding(source, n, entry.msgid, *rest) for n, *rest in stored)
            else:
                found = entry_findings(entry, glossary, source)
                self.checks_run += 1
            if len(self._findings) > _MAX_CACHED_FINDINGS:
                self._findings.clear()
            self._findings[key] = found
        return found

    # -- the queue ---------------------------------------------------------------------------

    def queue(self) -> list[QueueItem]:
        items = []
        problems: dict[str, str] = {}
        read = self.readable(problems)
        for article in self.project.articles():
            po = read(article)
            if po is None:
                items.append(
                    QueueItem(
                        article.slug,
                        article.slug,
                        ArticleState.NEW,
                        Counts(),
                        (),
                        None,
                        problems.get(article.slug),
                    )
                )
                continue
            names: set[str] = set()
            for entry in active(po):
                for key in ("translator", "reviewer"):
                    name = get_note(entry, key)
                    if name:
                        names.add(name)
            given = approval(po)
            items.append(
                QueueItem(
                    article.slug,
                    str(po.metadata.get("Project-Id-Version") or article.slug),
                    article_state(po),
                    counts(po),
                    tuple(sorted(names)),
                    given.editor if given else None,
                )
            )
        return items

    @staticmethod
    def filter_queue(items: list[QueueItem], show: str, user: str) -> list[QueueItem]:
        if show == "mine":
            return [i for i in items if i.mine(user)]
        if show == "review":
            return [i for i in items if i.counts.draft]
        if show == "approved":
            return [i for i in items if i.state in (ArticleState.APPROVED, ArticleState.PUBLISHED)]
        return items

    # -- one article -------------------------------------------------------------------------

    def entry(
        self,
        article: Article,
        entry: polib.POEntry,
        number: int,
        typed: str | None = None,
        glossary: Glossary | Literal[False] | None = False,
        with_tm: bool = False,
        pending: tuple[proposals.Suggestion, ...] | None = None,
        comments: tuple[notes.Comment, ...] | None = None,
        changes: tuple[history.Change, ...] | None = None,
    ) -> EntryView:
        """The view of one entry; ``typed`` is the user's own text kept after a conflict.

        ``glossary`` saves a look at the glossary file when the caller has just made one
        (under load, every system call waits for the GIL).
        """
        kind = (entry.comment or "").split(",")[0].strip()
        if glossary is False:
            glossary = self.glossary()
        parts = source_parts(entry.msgid, glossary, kind)
        terms: dict[tuple[str, str, str], TermNote] = {}
        for part in parts:
            for note in part.terms:
                terms.setdefault((note.zh, note.en, note.kind), note)
        state = entry_state(entry)
        return EntryView(
            id=entry_id(entry.msgid),
            number=number,
            msgid=entry.msgid,
            msgstr=entry.msgstr,
            text=entry.msgstr if typed is None else typed,
            state=state,
            kind=kind,
            line=entry.occurrences[0][1] if entry.occurrences else "",
            origin=get_note(entry, "origin"),
            translator=get_note(entry, "translator"),
            reviewer=get_note(entry, "reviewer"),
            parts=parts,
            terms=tuple(terms.values()),
            previous=diff_parts(entry.previous_msgid, entry.msgid) if entry.previous_msgid else (),
            findings=self.findings(article, entry, glossary),
            suggestions=self.suggestions(entry) if with_tm else None,
            conflict=typed is not None,
            pending=tuple(
                Proposal(p.id, p.user, p.at, p.text, diff_parts(entry.msgstr, p.text))
                for p in (
                    pending
                    if pending is not None
                    else self._pending(article).get(entry_id(entry.msgid), ())
                )
            ),
            comments=(
                comments
                if comments is not None
                else tuple(self._comments(article).get(entry_id(entry.msgid), ()))
            ),
            history=tuple(
                HistoryLine(c.id, c.user, c.at, c.actions, c.before, diff_parts(c.before, c.after))
                for c in (
                    changes
                    if changes is not None
                    else self._history(article).get(entry_id(entry.msgid), ())
                )
            ),
        )

    def suggestions(self, entry: polib.POEntry) -> tuple[Suggestion, ...]:
        """Translation-memory matches for an entry that is not reviewed yet.

        Looked up one entry at a time, when someone works on it: each lookup refreshes the
        memory from the catalogs, too slow for every entry of a page.
        """
        if entry_state(entry) is EntryState.REVIEWED:
            return ()
        try:
            with self._memory() as memory:
                threshold = self.project.config.translate.tm_threshold
                found = [s for s in memory.fuzzy(entry.msgid, threshold, 4) if s.target][:3]
        except TranspubError:
            return ()  # a broken memory must not take the editor down; the CLI reports it
        return tuple(
            Suggestion(s.source, s.target, s.score, s.origin, diff_parts(s.source, entry.msgid))
            for s in found
        )

    @contextmanager
    def _memory(self) -> Iterator[tm.TranslationMemory]:
        """The translation memory, for one thread at a time: built on first use; when a
        catalog changed since, refreshed in the background (a lookup meanwhile answers from
        the index as it was, never waiting for a catalog to be read)."""
        marks = self._catalog_marks()
        with self._tm_lock:
            if self._tm is None:
                self._tm = tm.TranslationMemory.for_project(self.project, self.readable())
                self._tm_marks = marks
            elif marks != self._tm_marks and not self._tm_refreshing:
                self._tm_refreshing = True
                threading.Thread(target=self._refresh_memory, args=(marks,), daemon=True).start()
            yield self._tm

    def _refresh_memory(self, marks: tuple[tuple[str, int, int, int], ...]) -> None:
        fresh: tm.TranslationMemory | None = None
        try:
            fresh = tm.TranslationMemory.for_project(self.project, self.readable())
            fresh.fuzzy("", 100.0, 1)  # load its list of sources here, not in a lookup
        except TranspubError:
            pass  # the lookups keep the index they have
        finally:
            with self._tm_lock:
                self._tm_refreshing = False
                if fresh is not None:
                    old, self._tm, self._tm_marks = self._tm, fresh, marks
                    if old is not None:
                        old.close()

    def _catalog_marks(self) -> tuple[tuple[str, int, int, int], ...]:
        """The identity of every catalog file (what the memory is built from)."""
        marks = []
        for article in self.project.articles():
            try:
                st = os.stat(article.catalog)
            except FileNotFoundError:
                continue
            marks.append((article.slug, st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(marks)

    def locate(self, article: Article, eid: str) -> tuple[str, int] | None:
        """The msgid of the live entry with this id, and its number in the document.

        Answered from the last catalog read when it knows the id (sources change only on sync,
        and a save of a vanished entry is refused anyway), else from the file as it is now.
        """
        key = os.fspath(article.catalog)
        found = self._index.get(key, {}).get(eid)
        if found is not None:
            return found
        po = self.catalog(article)
        if po is None:
            return None
        index = {entry_id(e.msgid): (e.msgid, n) for n, e in enumerate(active(po), 1)}
        self._index[key] = index
        return index.get(eid)

    def article_page(
        self,
        article: Article,
        show: str = "all",
        page: int = 1,
        focus: str | None = None,
        tm: str | None = None,
        after: str | None = None,
    ) -> ArticlePage:
        """One page of an article's entries (``focus``: the page holding that entry; ``tm``:
        the entry to show translation-memory matches for; ``after``: the page starting with
        the first shown entry after that one in the document, so that moving on within a
        filter skips nothing even when the entries just saved left the filter)."""
        po = self.catalog(article)
        if po is None:
            return ArticlePage(
                article.slug,
                article.slug,
                ArticleState.NEW,
                Counts(),
                None,
                Blockers(0, 0, ()),
                (),
                show,
                1,
                1,
                0,
                (),
                synced=False,
            )
        live = list(enumerate(active(po), 1))
        glossary = self.glossary()
        self._load_findings(article)
        ran = self.checks_run
        by_msgid: dict[str, _Errors] = {}
        for number, entry in live:
            found = self._errors(article, entry, glossary)
            if found:
                by_msgid[entry.msgid] = (number, entry_id(entry.msgid), found)
        if self.checks_run != ran or article.slug in self._unsaved:
            self._save_findings(article, [e for _, e in live])
            self._unsaved.discard(article.slug)
        given = approval(po)
        self._heads[os.fspath(article.catalog)] = (by_msgid, given)
        head = self._head(article, counts(po), given, by_msgid)
        chosen = [(n, e) for n, e in live if self._shown(article, e, show, glossary)]
        pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
        if focus is not None:
            at = next((i for i, (_, e) in enumerate(chosen) if entry_id(e.msgid) == focus), None)
            if at is not None:
                page = at // PAGE_SIZE + 1
        page = min(max(page, 1), pages)
        start = (page - 1) * PAGE_SIZE
        if after is not None and focus is None:
            spot = self.locate(article, after)
            if spot is not None:
                start = next((i for i, (n, _) in enumerate(chosen) if n > spot[1]), len(chosen))
                page = min(start // PAGE_SIZE + 1, pages)
        window = chosen[start : start + PAGE_SIZE]
        recent = actions.recent_contributions(self.project, article, 10)
        waiting = self._pending(article)
        discussed = self._comments(article)
        changed = self._history(article)
        return ArticlePage(
            slug=article.slug,
            title=str(po.metadata.get("Project-Id-Version") or article.slug),
            state=head.state,
            counts=head.counts,
            approval=given,
            blockers=head.blockers,
            entries=tuple(
                self.entry(
                    article,
                    e,
                    n,
                    glossary=glossary,
                    with_tm=entry_id(e.msgid) == tm,
                    pending=tuple(waiting.get(entry_id(e.msgid), ())),
                    comments=tuple(discussed.get(entry_id(e.msgid), ())),
                    changes=tuple(changed.get(entry_id(e.msgid), ())),
                )
                for n, e in window
            ),
            show=show,
            page=page,
            pages=pages,
            matching=len(chosen),
            activity=tuple(reversed(recent)),
            last=chosen[-1][0] if chosen else 0,
            head=head,
            numbers={
                c.entry: spot[1]
                for c in recent
                if c.entry and (spot := self.locate(article, c.entry)) is not None
            },
        )

    def _errors(
        self, article: Article, entry: polib.POEntry, glossary: Glossary | None
    ) -> tuple[EntryFinding, ...]:
        key = _finding_key(entry)
        stored = self._stored.get(key) if entry.msgstr and key not in self._findings else None
        if stored is not None:  # only the errors: the rest when the entry is shown
            source = self._source(article)
            error = str(Severity.ERROR)
            return tuple(
                EntryFinding(source, n, entry.msgid, check, severity, message)
                for n, check, severity, message in stored
                if severity == error
            )
        return tuple(
            f for f in self.findings(article, entry, glossary) if f.severity == Severity.ERROR
        )

    def _source(self, article: Article) -> str:
        """The article's source file as findings name it (relative to the project)."""
        found = self._sources.get(article.slug)
        if found is None:
            found = self._sources[article.slug] = str(article.source.relative_to(self.project.root))
        return found

    def _head(
        self,
        article: Article,
        tally: Counts,
        given: Approval | None,
        errors: Mapping[str, _Errors],
    ) -> Head:
        # ``errors`` is in document order; the header needs the first few and the count.
        shown: list[Blocking] = []
        count = 0
        for number, eid, found in errors.values():
            count += len(found)
            if len(shown) < BLOCKERS_SHOWN:
                shown.extend(Blocking(number, eid, f) for f in found[: BLOCKERS_SHOWN - len(shown)])
        return Head(
            article.slug,
            state_of(tally, given is not None),
            tally,
            given,
            Blockers(tally.untranslated, tally.draft, tuple(b.finding for b in shown)),
            tuple(shown),
            count,
        )

    def head_after_save(
        self, article: Article, written: polib.POEntry, changed: bool, tally: Counts
    ) -> Head | None:
        """The header after a save of ``written`` (None if no page of the article was shown
        since the app started): any change voids the approval; the other errors are as the
        last page showed them."""
        key = os.fspath(article.catalog)
        known = self._heads.get(key)
        if known is None:
            return None
        errors, given = dict(known[0]), known[1]
        found = self._errors(article, written, self.glossary())
        if found:
            eid = entry_id(written.msgid)
            located = self.locate(article, eid)
            fresh = written.msgid not in errors
            errors[written.msgid] = (located[1] if located else 0, eid, found)
            if fresh:  # keep document order (a known entry keeps its place)
                errors = dict(sorted(errors.items(), key=lambda item: item[1][0]))
        else:
            errors.pop(written.msgid, None)
        if changed:
            given = None
        self._heads[key] = (errors, given)
        return self._head(article, tally, given, errors)

    def _shown(
        self, article: Article, entry: polib.POEntry, show: str, glossary: Glossary | None
    ) -> bool:
        if show == "all":
            return True
        if show == "problems":
            return bool(self.findings(article, entry, glossary))
        return str(entry_state(entry)) == show
