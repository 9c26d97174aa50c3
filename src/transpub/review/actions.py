"""Review actions on an article's catalog: what the CLI and the review app call."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import polib

from transpub.article import Article, Project
from transpub.catalog import journal, pofile
from transpub.catalog.pofile import PO_DATE, TextCache
from transpub.catalog.queue import (
    Approval,
    Counts,
    EntryState,
    active,
    approve,
    counts,
    entry_state,
    record_draft,
    record_review,
    set_note,
    translation_hash,
)
from transpub.checks.report import (
    ArticleReport,
    EntryFinding,
    check_catalog,
    check_entries,
    project_glossary,
    save_report,
)
from transpub.credits import contributions
from transpub.credits.contributions import Action, Contribution, entry_id
from transpub.errors import ApprovalError, ArticleError, TranspubError
from transpub.events import APPROVED, emit_article_event
from transpub.glossary.model import Glossary
from transpub.review import store
from transpub.wording import counted


def approve_article(article: Article, editor: str, now: datetime | None = None) -> Approval:
    """Record an editor's approval in the catalog header, bound to the current translation
    (without running the checks: see ``approve_checked`` for the review app's and CLI's rule)."""
    with article_lock(article):
        po = pofile.load(article.catalog)
        try:
            given = approve(po, editor, now or datetime.now(UTC))
        except TranspubError as exc:
            raise exc.at(article.catalog) from None
        pofile.save(po, article.catalog)
    return given


# --- Saving one entry from the review app: no lost update, every action credited ------------


class ConflictError(TranspubError):
    """Someone saved the entry after the edit began; ``current`` is the text now in the catalog.

    ``entry`` is a copy of the entry as it now is and ``counts`` the article's entries by state,
    so that the newer version can be shown without reading the catalog again.
    """

    def __init__(
        self,
        message: str,
        *,
        current: str,
        state: EntryState,
        entry: polib.POEntry | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.current = current
        self.state = state
        self.entry = entry
        self.counts: Counts | None = None


class ReviewedEntryError(TranspubError):
    """Someone who may not review tried to change a reviewed entry (it becomes a suggestion)."""


@dataclass(frozen=True)
class SaveResult:
    """What one save did to one entry, with the check findings on its new text."""

    slug: str
    entry: str  # the entry id (contributions.entry_id)
    msgid: str
    text: str
    state: EntryState
    actions: tuple[Action, ...]  # empty: nothing changed, nothing written
    findings: tuple[EntryFinding, ...]
    written: polib.POEntry  # a copy of the entry as it now is in the catalog
    counts: Counts  # the article's entries by state, right after the save


@dataclass(frozen=True)
class Blockers:
    """What stops an article from being approved: counts and the check errors."""

    untranslated: int
    drafts: int
    errors: tuple[EntryFinding, ...]

    def __bool__(self) -> bool:
        return bool(self.untranslated or self.drafts or self.errors)

    def __str__(self) -> str:
        parts = []
        if self.untranslated:
            parts.append(f"{self.untranslated} untranslated")
        if self.drafts:
            parts.append(f"{counted(self.drafts, 'unreviewed draft')}")
        if self.errors:
            n = len(self.errors)
            parts.append(f"{n} check error{'' if n == 1 else 's'} (first: {self.errors[0]})")
        return ", ".join(parts) or "nothing"


@dataclass
class _Save:
    """One pending save, filled in by whichever thread writes the batch it is part of."""

    msgid: str
    base: str
    text: str
    user: str
    approve: bool
    may_change_reviewed: bool = True
    author: str | None = None  # who wrote the text, when not ``user`` (an accepted suggestion)
    done: bool = False
    error: BaseException | None = None
    actions: tuple[Action, ...] = ()
    state: EntryState = EntryState.UNTRANSLATED
    result: polib.POEntry | None = None  # a copy of the entry as written
    counts: Counts | None = None


class _Writer:
    """Per catalog: the pending saves, and the catalog as this process holds it."""

    def __init__(self) -> None:
        self.pending: list[_Save] = []
        self.guard = threading.Lock()  # protects `pending`
        #: The catalog as the saves left it, and the identity of the file it was read from or
        #: last written to: reused while the file is still that one (an atomic replace always
        #: makes a new file). With journaling on (``store.journaled``), it is ahead of the file
        #: by the journal's records. Changed only under the article's lock.
        self.po: polib.POFile | None = None
        self.ident: tuple[int, ...] | None = None
        self.texts = TextCache()
        self.entries: dict[str, polib.POEntry] = {}  # po's live entries by msgid
        self.tally = Counts()  # po's entries by state, kept up to date by each save


_WRITERS: dict[str, _Writer] = {}
_WRITERS_GUARD = threading.Lock()
#: TermMatcher.find remembers its last answer in an unguarded attribute, so checks run one thread
#: at a time (they hold the GIL anyway).
_CHECKS = threading.Lock()


def entry_findings(
    entry: polib.POEntry, glossary: Glossary | None, source_file: str
) -> tuple[EntryFinding, ...]:
    """The check findings of one entry (none while it is untranslated); safe from any thread."""
    with _CHECKS:
        return tuple(check_entries([entry], glossary, source_file))


def _writer(article: Article) -> _Writer:
    key = os.path.abspath(article.catalog)  # no realpath: each system call waits for the GIL
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, _Writer())


def lock_path(article: Article) -> Path:
    """The lock file beside the catalog (``.en.po.lock``)."""
    return journal.lock_path(article.catalog)


@contextmanager
def article_lock(article: Article) -> Iterator[None]:
    """Exclusive use of an article's catalog and journal: a thread lock, then ``flock`` for
    other processes; re-entrant."""
    with journal.catalog_lock(article.catalog):
        yield


def find_entry(po: polib.POFile, eid: str) -> polib.POEntry | None:
    """The live entry whose id (``entry_id(msgid)``) is ``eid``."""
    for entry in active(po):
        if entry_id(entry.msgid) == eid:
            return entry
    return None


def save_entry(
    project: Project,
    article: Article,
    msgid: str,
    base_text: str,
    new_text: str,
    user: str,
    approve: bool = False,
    *,
    now: datetime | None = None,
    glossary: Glossary | Literal["project"] | None = "project",
    may_change_reviewed: bool = True,
    author: str | None = None,
) -> SaveResult:
    """Save one entry's translation as ``user``'s draft, or with ``approve`` as reviewed by them.

    ``base_text`` is the msgstr the edit started from: if the catalog holds anything else now,
    nothing is written and ``ConflictError`` carries the current text. Saves of one article
    arriving together are applied in order and written in one atomic write, under the article's
    lock; each is logged in the contribution log. The entry's checks run on the result, with
    ``glossary`` (by default the project's; None: no glossary checks).

    Without ``may_change_reviewed`` (a translator), changing a reviewed entry is refused with
    ``ReviewedEntryError``. ``author`` is who wrote the text when it is not ``user`` (a reviewer
    accepting someone's suggestion): the author is its translator and credited for the edit.
    """
    request = _Save(
        msgid,
        base_text,
        new_text,
        " ".join(user.split()),
        approve,
        may_change_reviewed,
        " ".join(author.split()) if author else None,
    )
    if not request.user:
        raise ApprovalError("a save needs the name of who makes it")
    writer = _writer(article)
    with writer.guard:
        writer.pending.append(request)
    with article_lock(article):
        if not request.done:  # nobody wrote our batch while we waited: write it ourselves
            with writer.guard:
                batch, writer.pending = writer.pending, []
            _write_batch(project, article, writer, batch, now or datetime.now(UTC))
    if request.error is not None:
        error = request.error
        if isinstance(error, TranspubError):
            error.at(article.catalog)
        raise error
    if glossary == "project":
        glossary = project_glossary(project)
    source = str(article.source.relative_to(project.root))
    written, tally = request.result, request.counts
    assert written is not None and tally is not None  # set for every save without an error
    return SaveResult(
        article.slug,
        entry_id(msgid),
        msgid,
        new_text,
        request.state,
        request.actions,
        entry_findings(written, glossary, source),
        written,
        tally,
    )


def _identity(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _write_batch(
    project: Project, article: Article, writer: _Writer, batch: list[_Save], now: datetime
) -> None:
    """Apply the batch to the catalog in order, log the contributions, and make it durable:
    one journal append (journaling on) or one atomic write of the catalog (off)."""
    journaled = store.journaled(os.path.abspath(article.catalog))
    try:
        po = _current(project, article, writer)
        writer.po = None  # until this batch is durable
        entries = writer.entries
        at = contributions.now_stamp(now)
        records: list[Contribution] = []
        lines: list[str] = []
        for save in batch:
            entry = entries.get(save.msgid)
            try:
                if entry is None:
                    raise ArticleError(
                        "the entry is no longer in the catalog (its source changed)",
                        hint="reload the article and translate the new entry",
                    )
                was = entry_state(entry)
                save.actions = _apply(entry, save)
            except TranspubError as exc:
                save.error = exc
                continue
            save.state = entry_state(entry)
            writer.tally = _moved(writer.tally, was, save.state)
            save.result = _copy(entry)
            credited = [
                contributions.credit(
                    save.user if a is Action.REVIEW else save.author or save.user,
                    a,
                    article.slug,
                    save.msgid,
                    entry.msgstr,
                    at,
                    previous=save.base,
                )
                for a in save.actions
            ]
            if credited:
                meta = {
                    "PO-Revision-Date": now.strftime(PO_DATE),
                    "Last-Translator": credited[-1].user,  # as a PO editor records it
                }
                po.metadata.update(meta)
                records.extend(credited)
                lines.append(
                    journal.record(entry, save.base, meta, [c.to_json() for c in credited])
                )
        if records and journaled:
            journal.append(article.catalog, lines)
            write = partial(flush, project, article)
            journal.own(article.catalog, write)
            store.mark(os.path.abspath(article.catalog), write)
        elif records:
            pofile.save(po, article.catalog)
            contributions.remember(project, article)
            contributions.append(project, records)
            writer.ident = _identity(article.catalog)
        writer.po = po
        tally = writer.tally
        for save in batch:
            save.counts = tally
            if isinstance(save.error, ConflictError):
                save.error.counts = tally
    except BaseException as exc:
        for save in batch:
            if save.error is None:
                save.error, save.actions = exc, ()
        raise
    finally:
        for save in batch:
            save.done = True


def _current(project: Project, article: Article, writer: _Writer) -> polib.POFile:
    """The catalog with every acknowledged save (the article's lock is held): the one in
    memory while its file is unchanged, else the file (its journal replayed onto it first)."""
    try:
        ident = _identity(article.catalog)
    except FileNotFoundError:
        ident = None
    if writer.po is not None and ident is not None and ident == writer.ident:
        return writer.po
    wrap = project.config.catalog.wrap_width
    journal.settle(article.catalog, wrap)  # the file changed under journaled saves: merge them
    po = pofile.parse(article.catalog, wrap)
    writer.po, writer.ident, writer.texts = po, _identity(article.catalog), TextCache()
    writer.entries, writer.tally = {e.msgid: e for e in active(po)}, counts(po)
    return po


def _moved(tally: Counts, before: EntryState, after: EntryState) -> Counts:
    """``tally`` after one entry went from state ``before`` to ``after``."""
    if before is after:
        return tally
    by = {str(s): getattr(tally, str(s)) for s in EntryState}
    by[str(before)] -= 1
    by[str(after)] += 1
    return Counts(**by)


def catalog(project: Project, article: Article) -> polib.POFile | None:
    """The article's catalog with every acknowledged save, None when it is not synced yet.

    Read-only: never change what this returns. With journaling on, it is the catalog this
    process keeps in memory (saves change its entries in place, under the article's lock).
    """
    writer = _writer(article)
    po, known = writer.po, writer.ident
    try:
        ident = _identity(article.catalog)
    except FileNotFoundError:
        return None
    if po is not None and ident == known:
        return po
    with article_lock(article):
        if not article.catalog.is_file():
            return None
        return _current(project, article, writer)


def recent_contributions(project: Project, article: Article, limit: int) -> list[Contribution]:
    """The article's last ``limit`` contributions, those still in its journal included."""
    journaled = [  # read first: a flush meanwhile moves them into the credit files
        contributions.Contribution(**{**data, "action": Action(data["action"])})
        for record in journal.read(article.catalog)
        for data in map(json.loads, record.get("credits", ()))
    ]
    logged = contributions.read(project, article=article.slug)
    return list(dict.fromkeys([*logged, *journaled]))[-limit:]


def flush(project: Project, article: Article) -> None:
    """Write the journaled saves of the article into its catalog file and empty the journal
    (from memory when the file is unchanged since it was read, else by replaying the journal
    onto the file as it is now: see ``transpub.catalog.journal.replay``)."""
    writer = _writer(article)
    wrap = project.config.catalog.wrap_width
    with article_lock(article):
        if not journal.pending(article.catalog):
            return
        po = writer.po
        if po is not None and writer.ident == _identity(article.catalog):
            journal.replay(article.catalog, wrap, writer.texts.dumps(po), project)
            writer.ident = _identity(article.catalog)
        else:
            journal.replay(article.catalog, wrap, project=project)
            writer.po = None


def _copy(entry: polib.POEntry) -> polib.POEntry:
    """A detached copy of what the review app shows of an entry."""
    return polib.POEntry(
        msgid=entry.msgid,
        msgstr=entry.msgstr,
        flags=list(entry.flags),
        comment=entry.comment,
        tcomment=entry.tcomment,
        occurrences=list(entry.occurrences),
        previous_msgid=entry.previous_msgid,
    )


def _apply(entry: polib.POEntry, save: _Save) -> tuple[Action, ...]:
    """Change one entry as the save asks; the actions to credit (none if nothing changed).

    Everything that can refuse the save is checked before the entry is touched.
    """
    if entry.msgstr != save.base:
        raise ConflictError(
            "someone else saved this entry after you opened it",
            current=entry.msgstr,
            state=entry_state(entry),
            entry=_copy(entry),
            hint="compare their text with yours and save again",
        )
    if save.approve and not save.text:
        raise ApprovalError("an untranslated entry cannot be approved", hint="translate it")
    before = entry_state(entry)
    changed = save.text != entry.msgstr
    if changed and before is EntryState.REVIEWED and not save.may_change_reviewed:
        raise ReviewedEntryError(
            "this entry is reviewed: only a reviewer changes it",
            hint="your text can be kept as a suggestion for a reviewer",
        )
    actions: list[Action] = []
    if changed:
        actions.append(Action.TRANSLATE if before is EntryState.UNTRANSLATED else Action.EDIT)
        if save.text:
            record_draft(entry, save.text, "human", save.author or save.user)
        else:
            _clear(entry)
    if save.approve and (changed or before is not EntryState.REVIEWED):
        record_review(entry, save.user)
        actions.append(Action.REVIEW)
    return tuple(actions)


def _clear(entry: polib.POEntry) -> None:
    entry.msgstr = ""
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    for key in ("origin", "translator", "reviewer"):
        set_note(entry, key, None)


def article_blockers(po: polib.POFile, errors: Iterable[EntryFinding]) -> Blockers:
    """What stands between this catalog and an editor's approval, given its check errors."""
    tally = counts(po)
    return Blockers(tally.untranslated, tally.draft, tuple(errors))


def approve_checked(
    project: Project, article: Article, editor: str, now: datetime | None = None
) -> Approval:
    """An editor's approval as the review app gives it: every entry reviewed, no check error.

    Refused with ``ApprovalError`` saying what blocks; bound to the exact translation; the
    findings (with the project's glossary, read now) are kept in ``checks.json`` and the
    approval is credited in the contribution log. With a Prefect API configured, the event
    ``transpub.article.approved`` is sent (see ``transpub.events``).
    """
    glossary = project_glossary(project)
    stamp = now or datetime.now(UTC)
    with article_lock(article):
        po = pofile.load(article.catalog, project.config.catalog.wrap_width)
        with _CHECKS:
            findings = check_catalog(project, article, po, glossary)
        report = ArticleReport(article.slug, translation_hash(po), findings)
        save_report(article, report)
        blockers = article_blockers(po, report.errors)
        if blockers:
            raise ApprovalError(
                f"the article cannot be approved yet: {blockers}",
                path=article.catalog,
                hint="review every entry and fix the check errors first",
            )
        try:
            given = approve(po, editor, stamp)
        except TranspubError as exc:
            raise exc.at(article.catalog) from None
        pofile.save(po, article.catalog)
        contributions.remember(project, article)
        live = active(po)
        contributions.append(
            project,
            [
                Contribution(
                    at=contributions.now_stamp(stamp),
                    user=given.editor,
                    action=Action.APPROVE_ARTICLE,
                    article=article.slug,
                    entry=None,
                    source_chars=sum(contributions.source_chars(e.msgid) for e in live),
                    english_words=sum(contributions.english_words(e.msgstr) for e in live),
                )
            ],
        )
    emit_article_event(  # for the approval → publish automation; never fails the approval
        APPROVED,
        article.slug,
        {"editor": given.editor, "translation-hash": given.digest},
        {"editor": given.editor, "translation_hash": given.digest, "approved_at": given.at},
    )
    return given


def catch_up_outside_edits(
    project: Project, article: Article, now: datetime | None = None
) -> list[Contribution]:
    """Credit what changed in the catalog since transpub last left it (Poedit, Weblate, a hand
    edit) to its ``Last-Translator``, and remember the catalog as it is now.

    Call it before anything transpub itself writes (sync: before merging). The first time an
    article is seen nothing is credited: its history predates the log.
    """
    with article_lock(article):
        if not article.catalog.is_file():
            return []
        after = pofile.load(article.catalog, project.config.catalog.wrap_width)  # named first
        before = contributions.last_seen(project, article)
        logged: list[Contribution] = []
        if before is not None:
            logged = contributions.attribute_outside_edits(project, article, before, after, now)
        contributions.remember(project, article)
        return logged


def apply_drafts(project: Project, article: Article, drafts: Mapping[str, tuple[str, str]]) -> int:
    """Store machine or memory drafts ``{msgid: (text, origin)}`` where entries are still
    untranslated, under the article's lock: a long pre-translation run never overwrites what
    reviewers saved meanwhile. Returns how many entries were filled.
    """
    with article_lock(article):
        po = pofile.load(article.catalog, project.config.catalog.wrap_width)
        filled = 0
        for entry in active(po):
            draft = drafts.get(entry.msgid)
            if draft is not None and draft[0] and not entry.msgstr:
                record_draft(entry, draft[0], draft[1], None)
                filled += 1
        if filled:
            pofile.save(po, article.catalog)
            contributions.remember(project, article)
        return filled
