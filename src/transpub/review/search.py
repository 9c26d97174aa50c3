"""Search across articles: source, translation, context, by check, by person, by state.

What the review app's search page and "next untranslated / next to review" call. Catalogs and
findings come through the caller's functions, so the app answers from its caches and the CLI or
a test from the files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, active, entry_state, get_note
from transpub.checks.report import EntryFinding
from transpub.credits.contributions import entry_id

FIELDS = ("source", "translation", "context")
Catalogs = Callable[[Article], "polib.POFile | None"]
Findings = Callable[[Article, polib.POEntry], tuple[EntryFinding, ...]]


@dataclass(frozen=True)
class Query:
    """What to look for; empty parts match everything. ``text`` is matched case-insensitively
    in the chosen ``fields``; ``check`` is a check id; ``person`` a translator or reviewer."""

    text: str = ""
    fields: tuple[str, ...] = FIELDS
    check: str = ""
    person: str = ""
    state: str = ""  # "", or an EntryState value

    def __bool__(self) -> bool:
        return bool(self.text.strip() or self.check or self.person or self.state)


@dataclass(frozen=True)
class Hit:
    """One matching entry: its article, number in the document and id."""

    slug: str
    number: int
    id: str
    msgid: str
    msgstr: str
    state: EntryState
    context: str  # the unit type and the source line, e.g. "paragraph · zh.md:12"
    checks: tuple[str, ...]


def _loaded(article: Article) -> polib.POFile | None:
    return pofile.load(article.catalog) if article.catalog.is_file() else None


def _context(entry: polib.POEntry) -> str:
    kind = (entry.comment or "").split(",")[0].strip()
    where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences)
    return " · ".join(p for p in (kind, entry.msgctxt or "", where) if p)


def _matches(query: Query, entry: polib.POEntry, needle: str) -> bool:
    if query.state and str(entry_state(entry)) != query.state:
        return False
    if query.person:
        who = {get_note(entry, "translator"), get_note(entry, "reviewer")}
        if query.person not in who:
            return False
    if not needle:
        return True
    texts = {
        "source": entry.msgid,
        "translation": entry.msgstr,
        "context": _context(entry),
    }
    return any(needle in texts[f].casefold() for f in query.fields if f in texts)


def search(
    project: Project,
    query: Query,
    *,
    catalogs: Catalogs = _loaded,
    findings: Findings | None = None,
    articles: Iterable[Article] | None = None,
    limit: int = 200,
) -> tuple[list[Hit], bool]:
    """The entries matching ``query`` in document order, article by article, at most ``limit``
    (and whether more matched). ``findings`` is needed to search by check."""
    hits: list[Hit] = []
    needle = query.text.strip().casefold()
    for article, number, entry in _entries(project, catalogs, articles):
        if not _matches(query, entry, needle):
            continue
        checks: tuple[str, ...] = ()
        if findings is not None and (query.check or entry.msgstr):
            checks = tuple(sorted({f.check for f in findings(article, entry)}))
        if query.check and query.check not in checks:
            continue
        if len(hits) == limit:
            return hits, True
        hits.append(
            Hit(
                article.slug,
                number,
                entry_id(entry.msgid),
                entry.msgid,
                entry.msgstr,
                entry_state(entry),
                _context(entry),
                checks,
            )
        )
    return hits, False


def _entries(
    project: Project, catalogs: Catalogs, articles: Iterable[Article] | None
) -> Iterator[tuple[Article, int, polib.POEntry]]:
    for article in project.articles() if articles is None else articles:
        po = catalogs(article)
        if po is None:
            continue
        for number, entry in enumerate(active(po), 1):
            yield article, number, entry


def next_entry(
    project: Project,
    state: EntryState,
    after: tuple[str, str] | None = None,
    *,
    catalogs: Catalogs = _loaded,
) -> tuple[str, str] | None:
    """The (slug, entry id) of the next entry in ``state`` after ``after`` = (slug, entry id):
    later in that article, then in the articles after it, then from the first article on."""
    found: list[tuple[str, str]] = []
    passed = after is None
    for article, _, entry in _entries(project, catalogs, None):
        if entry_state(entry) is not state:
            if after is not None and (article.slug, entry_id(entry.msgid)) == after:
                passed = True
            continue
        spot = (article.slug, entry_id(entry.msgid))
        if passed and spot != after:
            return spot
        if spot == after:
            passed = True
        if not found:
            found.append(spot)  # the first one of all: where to wrap around to
    return found[0] if found and found[0] != after else None
