"""Filling the review queue with drafts: translation memory first, then a machine engine.

Only entries that need it are touched: untranslated ones, and machine drafts whose source changed.
Every batch's answers go into the engine cache before the next request, and the catalog is saved
every few seconds and at the end: a crash, a kill or a quota stop loses nothing already paid for,
and no text is ever sent to a paid engine twice.
A unit the engine gives no usable translation for is never stored nor cached: it is counted as
failed and the next run sends it again. An engine error (its own retries spent) stops the article
the same way, keeping what was done and what it cost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, get_note, record_draft, set_note
from transpub.credits.contributions import entry_id
from transpub.engines.base import Batch, Engine, Usage
from transpub.engines.markup import Protected, RestoreError, protect, restore, restore_plain
from transpub.engines.tm import TranslationMemory
from transpub.errors import EngineError, QuotaExceeded
from transpub.glossary.model import Glossary
from transpub.glossary.term import Term, TermType
from transpub.textfile import write_atomic

#: Fuzzy memory matches for the entries still open (a cache for reviewers; not committed).
TM_MATCHES_NAME = "tm-matches.json"
#: Seconds between catalog saves during a run (answers are in the engine cache at once, so a
#: crash loses nothing; saving a large catalog after every batch would cost more than the engine).
SAVE_EVERY = 2.0
Progress = Callable[[int, int], None]


@dataclass
class Pretranslation:
    """What pre-translating one article did, and what it cost."""

    slug: str
    tm: int = 0
    glossary: int = 0
    cached: int = 0
    machine: int = 0
    flagged: int = 0
    left: int = 0
    suggestions: int = 0
    usage: Usage = field(default_factory=Usage)
    engine_seconds: float = 0.0
    stopped: str | None = None
    #: Machine drafts that shared another entry's request (identical texts are sent once).
    duplicates: int = 0
    #: Units the engine gave no usable translation for: not drafted, not cached, sent again by
    #: the next run; ``failure`` says why (the engine error that stopped the article, else the
    #: first reason met).
    failed: int = 0
    failure: str | None = None


def needs_translation(entry: polib.POEntry) -> bool:
    """Untranslated, or an unreviewed machine draft whose source changed since it was made."""
    if not entry.msgstr:
        return True
    if get_note(entry, "reviewer"):
        return False  # a person's translation of the old source waits for a person
    origin = get_note(entry, "origin") or ""
    changed = "fuzzy" in entry.flags and entry.previous_msgid is not None
    return changed and (origin.startswith("mt:") or origin == "tm")


class EngineCache:
    """What each engine answered for each source text (``.transpub/mt-cache.sqlite``)."""

    def __init__(self, path: Path, engine: Engine) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.lock = threading.Lock()
        self.key = f"{engine.engine_id}:{engine.fingerprint()}"
        with self.lock, self.db:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS answers (engine TEXT, source TEXT, target TEXT, "
                "problem TEXT, PRIMARY KEY (engine, source))"
            )

    def get(self, source: str) -> tuple[str, str | None] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT target, problem FROM answers WHERE engine = ? AND source = ?",
                (self.key, source),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def put(self, rows: list[tuple[str, str, str | None]]) -> None:
        with self.lock, self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                [(self.key, s, t, p) for s, t, p in rows],
            )

    def close(self) -> None:
        self.db.close()


def glossary_rendering(glossary: Glossary | None, msgid: str) -> str | None:
    """A unit that is exactly one glossary term gets the term's required rendering."""
    if glossary is None:
        return None
    for term in glossary:
        if term.zh == msgid.strip() and term.type in (
            TermType.TERM,
            TermType.NAME,
            TermType.DO_NOT_TRANSLATE,
        ):
            return term.en
    return None


def batch_terms(glossary: Glossary | None, msgids: Iterable[str]) -> list[Term]:
    """The glossary terms found in these source texts, each (zh, en) once, in the order met:
    what a batch sends the engine (a DeepL glossary or the LLM prompt's required terms)."""
    terms: list[Term] = []
    if glossary is None:
        return terms
    seen: set[tuple[str, str]] = set()
    for msgid in msgids:
        for match in glossary.matcher.find(msgid):
            for term in match.terms:
                if (term.zh, term.en) not in seen:
                    seen.add((term.zh, term.en))
                    terms.append(term)
    return terms


def batch_context(entries: Sequence[polib.POEntry], first: int, last: int, span: int) -> str:
    """The sources of the ``span`` entries before ``entries[first]`` and after
    ``entries[last]``, one a line: the engine's context for the entries from first to last."""
    around = [*entries[max(0, first - span) : first], *entries[last + 1 : last + 1 + span]]
    return "\n".join(e.msgid for e in around)


def restore_answer(answer: str, guard: Protected, problem: str | None) -> tuple[str, str | None]:
    """The engine's answer with the unit's Markdown back in place of its tags, and the reason
    the draft is doubtful (``problem``, or the markup the engine did not keep)."""
    try:
        return restore(answer, guard), problem
    except RestoreError as exc:
        flag = f"the engine did not keep the markup ({exc}); fix links and formatting"
        return restore_plain(answer, guard), flag


def _draft(entry: polib.POEntry, text: str, origin: str, problem: str | None) -> None:
    record_draft(entry, text, origin, None)
    set_note(entry, "warning", problem)


class _Pending:
    """Drafts made in memory, stored under the article's lock only where nobody changed the
    entry meanwhile: a long run never overwrites what a reviewer saved in the review app."""

    def __init__(self, project: Project, article: Article) -> None:
        self.project, self.article = project, article
        self.drafts: dict[str, tuple[str, str, str, str | None]] = {}

    def add(self, entry: polib.POEntry, text: str, origin: str, problem: str | None) -> None:
        base = self.drafts[entry.msgid][0] if entry.msgid in self.drafts else entry.msgstr
        self.drafts[entry.msgid] = (base, text, origin, problem)
        _draft(entry, text, origin, problem)

    def store(self) -> None:
        from transpub.credits import contributions
        from transpub.review.actions import article_lock

        if not self.drafts:
            return
        with article_lock(self.article):
            wrap = self.project.config.catalog.wrap_width
            po = pofile.load(self.article.catalog, wrap)
            for entry in active(po):
                pending = self.drafts.get(entry.msgid)
                if pending is not None and entry.msgstr == pending[0]:
                    _draft(entry, *pending[1:])
            pofile.save(po, self.article.catalog)
            contributions.remember(self.project, self.article)  # drafts are nobody's edits
        self.drafts.clear()


def pretranslate(
    project: Project,
    article: Article,
    *,
    memory: TranslationMemory | None,
    glossary: Glossary | None,
    engine: Engine | None = None,
    cache: EngineCache | None = None,
    limiter: threading.Semaphore | None = None,
    progress: Progress | None = None,
    shared: RunTexts | None = None,
    usage: Usage | None = None,
) -> Pretranslation:
    """Pre-fill an article's catalog from memory and glossary, then the engine, batch by batch.

    Each distinct protected text is sent once: within the article, and across the articles of a
    run that pass the same ``shared``. ``usage`` accumulates what the engine calls cost, failed
    ones included; a retried article passes the same one, so nothing billed goes unreported.
    """
    wrap = project.config.catalog.wrap_width
    po = pofile.load(article.catalog, wrap)
    entries = active(po)
    result = Pretranslation(article.slug)
    if usage is not None:
        result.usage = usage
    pending = _Pending(project, article)
    todo = [e for e in entries if needs_translation(e)]

    rest: list[polib.POEntry] = []
    for entry in todo:
        exact = memory.exact(entry.msgid) if memory is not None else None
        rendering = glossary_rendering(glossary, entry.msgid)
        if exact is not None:
            pending.add(entry, exact.target, "tm", None)
            result.tm += 1
        elif rendering is not None:
            pending.add(entry, rendering, "glossary", None)
            result.glossary += 1
        else:
            rest.append(entry)
    if memory is not None:
        result.suggestions = _save_suggestions(project, article, memory, rest)

    if engine is not None and cache is not None:
        unsent: list[polib.POEntry] = []
        for entry in rest:
            hit = cache.get(entry.msgid)
            if hit is None:
                unsent.append(entry)
                continue
            pending.add(entry, hit[0], engine.origin(), hit[1])
            result.cached += 1
            result.flagged += hit[1] is not None
        rest = unsent
    pending.store()
    if engine is None or cache is None or not rest:
        result.left = len(rest) if engine is None else 0
        return result

    machine, store = engine, cache
    order = {id(e): i for i, e in enumerate(entries)}
    protected = [protect(e.msgid) for e in rest]
    # Entries whose protected texts are identical (39 "![image](…)" alt texts) share one request.
    groups: dict[str, list[int]] = {}
    for i, guard in enumerate(protected):
        groups.setdefault(guard.text, []).append(i)
    shared = shared if shared is not None else RunTexts()
    span = project.config.translate.context_paragraphs
    done = 0
    saved_at = time.perf_counter()
    if progress:
        progress(0, len(rest))

    def apply(text: str, answer: str, problem: str | None, sent: bool) -> None:
        """One answer to every entry of a group, each with its own markup restored."""
        nonlocal done, saved_at
        rows: list[tuple[str, str, str | None]] = []
        for i in groups[text]:
            entry = rest[i]
            translated, flag = restore_answer(answer, protected[i], problem)
            pending.add(entry, translated, machine.origin(), flag)
            rows.append((entry.msgid, translated, flag))
            result.flagged += flag is not None
        store.put(rows)  # every answer is kept (committed) before the next request
        result.machine += len(rows)
        result.duplicates += len(rows) - 1 if sent else len(rows)
        done += len(rows)
        if time.perf_counter() - saved_at > SAVE_EVERY:
            pending.store()
            saved_at = time.perf_counter()
        if progress:
            progress(done, len(rest))

    todo_texts = list(groups)
    unusable = 0  # entries whose text got an answer without a usable translation
    error: str | None = None  # the engine error that stopped the article
    while todo_texts and result.stopped is None and error is None:
        mine = [t for t in todo_texts if shared.claim(t)]
        theirs = [t for t in todo_texts if t not in set(mine)]
        answered: set[str] = set()
        try:
            reps = [rest[groups[t][0]] for t in mine]
            ids = [entry_id(e.msgid) for e in reps]
            for start, end in engine.batches(ids, mine):
                first, last = order[id(reps[start])], order[id(reps[end - 1])]
                context = batch_context(entries, first, last, span)
                terms = batch_terms(glossary, (e.msgid for e in reps[start:end]))
                batch = Batch(ids[start:end], mine[start:end], context, terms)
                try:
                    with limiter or nullcontext():
                        sent_at = time.perf_counter()
                        try:
                            answer = engine.call(batch)
                        finally:
                            result.engine_seconds += time.perf_counter() - sent_at
                except EngineError as exc:
                    result.usage.add_failed(exc)  # a failed request may still have been billed
                    if isinstance(exc, QuotaExceeded):
                        result.stopped = str(exc)
                    else:
                        # The engine's own retries are spent (Prefect does not retry on top:
                        # a persistent timeout would be re-sent again and again); what is left
                        # of the article waits for the next run, nothing failed is stored.
                        error = str(exc)
                    break
                result.usage.add(answer, len(answer.texts))
                for k, text in enumerate(answer.texts):
                    failure = answer.failed[k] if k < len(answer.failed) else None
                    if failure is not None:  # released below: not stored, not cached
                        unusable += len(groups[mine[start + k]])
                        result.failure = result.failure or failure
                        continue
                    problem = answer.problems[k] if k < len(answer.problems) else None
                    shared.answer(mine[start + k], text, problem)
                    answered.add(mine[start + k])
                    apply(mine[start + k], text, problem, sent=True)
        finally:
            shared.release([t for t in mine if t not in answered])
        todo_texts = []
        for text in theirs:  # sent by another article of this run: wait for its answer
            got = shared.wait(text)
            if got is not None:
                apply(text, got[0], got[1], sent=False)
            else:
                todo_texts.append(text)  # its sender failed: ours to send
    result.failed = unusable
    if error is not None:
        result.failure = error  # the reason of most failures: it comes first
        result.failed = len(rest) - done  # stopped by an engine error: the rest failed too
    result.left = len(rest) - done - result.failed
    pending.store()
    return result


class RunTexts:
    """The protected texts of one run and engine, across its articles: each is sent once.

    The first article to claim a text sends it; the others wait for its answer, or claim it
    themselves when that request failed. Thread-safe (articles run in parallel).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._answers: dict[str, tuple[str, str | None]] = {}
        self._sending: set[str] = set()

    def claim(self, text: str) -> bool:
        """True when the caller is to send ``text`` (nobody sent or is sending it)."""
        with self._cond:
            if text in self._answers or text in self._sending:
                return False
            self._sending.add(text)
            return True

    def answer(self, text: str, answer: str, problem: str | None) -> None:
        """The engine's answer (tags still in) to a claimed text."""
        with self._cond:
            self._answers[text] = (answer, problem)
            self._sending.discard(text)
            self._cond.notify_all()

    def release(self, texts: list[str]) -> None:
        """Claimed texts that got no answer (the request failed): others may send them."""
        with self._cond:
            self._sending.difference_update(texts)
            self._cond.notify_all()

    def wait(self, text: str) -> tuple[str, str | None] | None:
        """The answer to ``text`` once its sender is done; None when its request failed."""
        with self._cond:
            while text in self._sending:
                self._cond.wait()
            return self._answers.get(text)


def _save_suggestions(
    project: Project, article: Article, memory: TranslationMemory, entries: list[polib.POEntry]
) -> int:
    """Fuzzy memory matches for the entries still open, kept beside the catalog for reviewers."""
    threshold = project.config.translate.tm_threshold
    found = {}
    for entry in entries:
        matches = memory.fuzzy(entry.msgid, threshold, 3)
        if matches:
            found[entry_id(entry.msgid)] = [
                {"source": m.source, "target": m.target, "score": m.score, "origin": m.origin}
                for m in matches
            ]
    path = article.folder / TM_MATCHES_NAME
    if found or path.exists():
        write_atomic(path, json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return len(found)
