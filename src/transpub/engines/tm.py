"""The translation memory: every reviewed entry of every article, plus TMX imports.

Kept in a local SQLite index (``.transpub/tm.sqlite``, never committed) that is rebuilt
incrementally: a catalog is re-read only when its size or modification time changed. Exact
matches pre-fill drafts; fuzzy matches (rapidfuzz similarity) are offered to reviewers.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polib

from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, active, entry_state, get_note
from transpub.errors import TranspubError
from transpub.textfile import write_atomic

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    source TEXT NOT NULL, target TEXT NOT NULL, origin TEXT NOT NULL,
    who TEXT NOT NULL DEFAULT '', updated TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, origin)
);
CREATE TABLE IF NOT EXISTS indexed (origin TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
"""
#: Reviewed articles first, then TMX imports, then pairs aligned from published translations.
_TRUST = "CASE WHEN origin LIKE 'aligned:%' THEN 2 WHEN origin LIKE 'tmx:%' THEN 1 ELSE 0 END"


class TMError(TranspubError):
    """A TMX file cannot be read or the memory cannot be opened."""


@dataclass(frozen=True)
class Suggestion:
    """A translation the memory offers for a source text."""

    source: str
    target: str
    score: float  # 0–100; 100 is an exact match
    origin: str  # "articles/<slug>/en.po", "tmx:<file name>" or "aligned:<file name>"


class TranslationMemory:
    """The project's memory. Use as a context manager or call ``close()``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self._sources: list[str] | None = None

    @classmethod
    def for_project(
        cls, project: Project, catalogs: Callable[[Article], polib.POFile | None] | None = None
    ) -> TranslationMemory:
        """The project's memory, refreshed from every catalog that changed since last time
        (read with ``catalogs`` when given: the review app passes the ones it holds)."""
        memory = cls(project.root / ".transpub" / "tm.sqlite")
        memory.refresh(project, catalogs)
        return memory

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def refresh(
        self, project: Project, catalogs: Callable[[Article], polib.POFile | None] | None = None
    ) -> int:
        """Re-index the catalogs whose size or mtime changed; returns how many were re-read
        (with ``catalogs``, if given, rather than from their files)."""
        changed = 0
        seen: set[str] = set()
        for article in project.articles():
            if not article.catalog.is_file():
                continue
            origin = str(article.catalog.relative_to(project.root))
            seen.add(origin)
            stat = article.catalog.stat()
            row = self.db.execute(
                "SELECT size, mtime_ns FROM indexed WHERE origin = ?", (origin,)
            ).fetchone()
            if row == (stat.st_size, stat.st_mtime_ns):
                continue
            po = catalogs(article) if catalogs is not None else pofile.load(article.catalog)
            if po is None:
                continue
            rows = [
                (e.msgid, e.msgstr, origin, get_note(e, "reviewer") or "", "")
                for e in active(po)
                if entry_state(e) is EntryState.REVIEWED
            ]
            with self.db:
                self.db.execute("DELETE FROM segments WHERE origin = ?", (origin,))
                self.db.executemany("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?)", rows)
                self.db.execute(
                    "INSERT OR REPLACE INTO indexed VALUES (?, ?, ?)",
                    (origin, stat.st_size, stat.st_mtime_ns),
                )
            changed += 1
        gone = [o for (o,) in self.db.execute("SELECT origin FROM indexed") if o not in seen]
        with self.db:
            for origin in gone:
                self.db.execute("DELETE FROM segments WHERE origin = ?", (origin,))
                self.db.execute("DELETE FROM indexed WHERE origin = ?", (origin,))
        if changed or gone:
            self._sources = None
        return changed

    def add(self, pairs: Iterable[tuple[str, str]], origin: str, who: str = "") -> int:
        """Store (source, target) pairs under ``origin``; returns how many."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows = [(s, t, origin, who, stamp) for s, t in pairs if s.strip() and t.strip()]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO segments VALUES (?, ?, ?, ?, ?)", rows)
        self._sources = None
        return len(rows)

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0])

    def pairs(self) -> Iterator[tuple[str, str, str]]:
        """Every (source, target, origin), sorted."""
        yield from self.db.execute(
            "SELECT source, target, origin FROM segments ORDER BY source, origin"
        )

    def exact(self, source: str) -> Suggestion | None:
        """The translation of exactly this source (reviewed articles before imports, aligned pairs
        last)."""
        row = self.db.execute(
            "SELECT target, origin FROM segments WHERE source = ? "
            f"ORDER BY {_TRUST}, updated DESC, origin LIMIT 1",
            (source,),
        ).fetchone()
        return Suggestion(source, row[0], 100.0, row[1]) if row else None

    def fuzzy(self, source: str, threshold: float = 75.0, limit: int = 3) -> list[Suggestion]:
        """The closest sources at or above ``threshold`` % similarity, best first."""
        from rapidfuzz import fuzz, process

        if self._sources is None:
            self._sources = [s for (s,) in self.db.execute("SELECT DISTINCT source FROM segments")]
        found = process.extract(
            source, self._sources, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit
        )
        out: list[Suggestion] = []
        for match, score, _ in found:
            row = self.db.execute(
                "SELECT target, origin FROM segments WHERE source = ? "
                f"ORDER BY {_TRUST}, updated DESC LIMIT 1",
                (match,),
            ).fetchone()
            out.append(Suggestion(match, row[0], round(float(score), 1), row[1]))
        return out


def suggestions(project: Project, msgid: str, limit: int = 3) -> list[Suggestion]:
    """Memory matches for one source text (what the review app shows beside an entry)."""
    with TranslationMemory.for_project(project) as memory:
        threshold = project.config.translate.tm_threshold
        return [s for s in memory.fuzzy(msgid, threshold, limit + 1) if s.target][:limit]


def _lang(tuv: ET.Element) -> str:
    return (tuv.get(XML_LANG) or tuv.get("lang") or "").lower().replace("_", "-")


@dataclass(frozen=True)
class TmxUnit:
    """One Chinese–English unit of a TMX file; ``confidence`` (0–1) when an aligner scored it."""

    source: str
    target: str
    confidence: float | None = None


def _confidence(tu: ET.Element) -> float | None:
    for prop in tu.findall("prop"):
        if prop.get("type") == "x-confidence":
            try:
                return float((prop.text or "").strip())
            except ValueError:
                return None
    return None


def read_tmx_units(path: str | Path) -> list[TmxUnit]:
    """The Chinese–English units of a TMX file (any zh-* and en-* variants), with the
    ``x-confidence`` property that ``transpub align`` writes."""
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise TMError(f"not a valid TMX file ({exc.msg})", path=p, line=line) from exc
    except OSError as exc:
        raise TMError(f"cannot read the file ({exc.strerror})", path=p) from exc
    if root.tag != "tmx":
        raise TMError("not a TMX file (the root element is not <tmx>)", path=p)
    units: list[TmxUnit] = []
    for tu in root.iter("tu"):
        texts: dict[str, str] = {}
        for tuv in tu.findall("tuv"):
            seg = tuv.find("seg")
            if seg is None:
                continue
            text = "".join(seg.itertext()).strip()
            lang = _lang(tuv)
            if lang.startswith("zh") and not lang.startswith(("zh-tw", "zh-hk", "zh-hant")):
                texts.setdefault("zh", text)
            elif lang.startswith("en"):
                texts.setdefault("en", text)
        if texts.get("zh") and texts.get("en"):
            units.append(TmxUnit(texts["zh"], texts["en"], _confidence(tu)))
    return units


def read_tmx(path: str | Path) -> list[tuple[str, str]]:
    """(Chinese, English) pairs of a TMX file (any zh-* and en-* variants)."""
    return [(u.source, u.target) for u in read_tmx_units(path)]


def import_tmx(project: Project, path: str | Path, min_confidence: float | None = None) -> int:
    """Add a TMX file's Chinese–English pairs to the project's memory.

    A file of scored pairs (``transpub align`` output: ``x-confidence`` on its units) is stored
    under the origin ``aligned:<file name>``, apart from reviewed memory, keeping only the pairs
    at or above ``min_confidence`` (default ``[align] min_confidence``).
    """
    units = read_tmx_units(path)
    name = Path(path).name
    if any(u.confidence is not None for u in units):
        limit = project.config.align.min_confidence if min_confidence is None else min_confidence
        pairs = [(u.source, u.target) for u in units if (u.confidence or 0.0) >= limit]
        origin = f"aligned:{name}"
    else:
        pairs = [(u.source, u.target) for u in units]
        origin = f"tmx:{name}"
    with TranslationMemory.for_project(project) as memory:
        return memory.add(pairs, origin)


def tmx_text(units: Iterable[tuple[str, str, dict[str, str]]], tool: str = "transpub") -> str:
    """TMX 1.4 (zh-CN → en) for (source, target, properties) units; each property becomes a
    ``<prop type="…">`` of its ``<tu>``."""
    tmx = ET.Element("tmx", version="1.4")
    header = {
        "creationtool": tool,
        "creationtoolversion": "0.1.0",
        "datatype": "markdown",
        "segtype": "paragraph",
        "adminlang": "en",
        "srclang": "zh-CN",
        "o-tmf": "PO",
    }
    ET.SubElement(tmx, "header", header)
    body = ET.SubElement(tmx, "body")
    for source, target, props in units:
        tu = ET.SubElement(body, "tu")
        for kind, value in props.items():
            ET.SubElement(tu, "prop", type=kind).text = value
        for lang, text in (("zh-CN", source), ("en", target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = text
    ET.indent(tmx)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tmx, encoding="unicode") + "\n"


def export_tmx(project: Project, path: str | Path | None = None) -> str:
    """The memory as TMX 1.4 (zh-CN → en); written atomically when ``path`` is given."""
    with TranslationMemory.for_project(project) as memory:
        text = tmx_text((s, t, {"x-origin": o}) for s, t, o in memory.pairs())
    if path is not None:
        write_atomic(path, text)
    return text
