"""The curated glossary: a CSV that people edit, loaded, validated and indexed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from transpub.errors import TranspubError
from transpub.glossary.matcher import TermMatcher
from transpub.glossary.term import POS, Term, TermType
from transpub.textfile import write_atomic
from transpub.wording import counted

COLUMNS = ("zh", "en", "type", "variants", "pos", "case_sensitive", "note")
REQUIRED = ("zh", "en", "type", "note")


class GlossaryError(TranspubError):
    """The glossary file is malformed or contradicts itself."""


@dataclass
class Glossary:
    """The terms, in file order, with the file they came from."""

    terms: list[Term] = field(default_factory=list)
    path: str | None = None

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    @cached_property
    def matcher(self) -> TermMatcher:
        """An Aho-Corasick matcher over the Chinese terms (built once)."""
        return TermMatcher(self.terms)

    @cached_property
    def do_not_translate(self) -> tuple[Term, ...]:
        """The terms that must stay as written."""
        return tuple(t for t in self.terms if t.type is TermType.DO_NOT_TRANSLATE)

    def save(self, path: str | Path) -> bool:
        """Write the glossary as the project's CSV (atomic); True if the file changed."""
        return write_atomic(path, to_csv(self.terms))


def to_csv(terms: Iterable[Term]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in terms:
        writer.writerow(
            [
                t.zh,
                t.en,
                str(t.type),
                "|".join(t.variants),
                t.pos,
                "yes" if t.case_sensitive else "no",
                t.note,
            ]
        )
    return out.getvalue()


def _field_problem(name: str, value: str) -> str | None:
    if value != value.strip():
        return f"`{name}` has leading or trailing whitespace"
    if "\t" in value or "\n" in value or "\r" in value:
        return f"`{name}` contains a tab or a line break (DeepL glossaries reject them)"
    return None


def parse_csv(
    text: str, path: str | Path = "glossary.csv"
) -> tuple[list[Term], list[GlossaryError]]:
    """Terms and every validation problem (each naming the file and line)."""
    problems: list[GlossaryError] = []

    def problem(line: int, message: str, hint: str | None = None) -> None:
        problems.append(GlossaryError(message, path=path, line=line, hint=hint))

    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problem(1, "the glossary is empty", f"start it with the header {','.join(COLUMNS)}")
        return [], problems
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem(
            1,
            f"the header lacks {', '.join(missing) or 'nothing'} and has unknown "
            f"{', '.join(unknown) or 'nothing'}",
            f"allowed columns: {', '.join(COLUMNS)}",
        )
        return [], problems
    terms: list[Term] = []
    seen: dict[tuple[str, bool], Term] = {}
    forbidden_seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problem(
                line,
                f"the row has {counted(len(row), 'field')}, the header {len(header)}",
                "quote fields that contain commas",
            )
            continue
        cells = dict(zip(header, row, strict=True))
        bad = False
        for name in header:
            issue = _field_problem(name, cells[name])
            if issue:
                problem(line, issue)
                bad = True
        for name in REQUIRED:
            if not cells[name].strip():
                problem(line, f"`{name}` is empty", "every entry needs zh, en, type and a note")
                bad = True
        try:
            kind = TermType(cells["type"])
        except ValueError:
            problem(
                line,
                f"unknown type {cells['type']!r}",
                f"use one of: {', '.join(t.value for t in TermType)}",
            )
            continue
        pos = cells.get("pos", "")
        if pos not in POS:
            problem(
                line,
                f"unknown part of speech {pos!r}",
                f"use one of: {', '.join(sorted(POS - {''}))}",
            )
            bad = True
        flag = cells.get("case_sensitive", "no").lower()
        if flag not in ("yes", "no", ""):
            problem(line, f"case_sensitive must be yes or no, not {flag!r}")
            bad = True
        variants = tuple(v for v in cells.get("variants", "").split("|") if v)
        if any(v != v.strip() or not v for v in variants):
            problem(line, "a variant has leading or trailing whitespace")
            bad = True
        if bad:
            continue
        term = Term(
            zh=cells["zh"],
            en=cells["en"],
            type=kind,
            variants=variants,
            pos=pos,
            case_sensitive=flag == "yes",
            note=cells["note"],
            line=line,
        )
        if kind is TermType.DO_NOT_TRANSLATE and term.en != term.zh:
            problem(
                line,
                f"a do-not-translate term must have en == zh, not {term.en!r}",
                f"set en to {term.zh!r} or change the type",
            )
            continue
        if kind is TermType.FORBIDDEN:
            pair = (term.zh.casefold(), term.en.casefold())
            if pair in forbidden_seen:
                problem(line, f"duplicate forbidden rendering {term.en!r} for {term.zh!r}")
                continue
            forbidden_seen.add(pair)
        else:
            key = (term.zh if term.case_sensitive else term.zh.casefold(), True)
            other = seen.get(key) or seen.get((term.zh.casefold(), True))
            if other is not None:
                verb = "repeats" if other.en == term.en else "conflicts with"
                problem(
                    line,
                    f"{term.zh!r} {verb} line {other.line} ({other.en!r})",
                    "keep one entry per source term; put other renderings in `variants`",
                )
                continue
            seen[key] = term
        terms.append(term)
    for term in terms:
        if term.type is TermType.FORBIDDEN:
            required = seen.get((term.zh.casefold(), True))
            if required is not None and term.en.casefold() in {
                r.casefold() for r in required.renderings
            }:
                problem(
                    term.line, f"{term.en!r} is both required (line {required.line}) and forbidden"
                )
    return terms, problems


def load_glossary(path: str | Path, strict: bool = True) -> Glossary:
    """Read and validate the glossary CSV; with ``strict``, the first problem is raised."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise GlossaryError(
            "no such glossary", path=p, hint="create glossary/glossary.csv"
        ) from exc
    except UnicodeDecodeError as exc:
        raise GlossaryError("the glossary is not UTF-8", path=p, hint="save it as UTF-8") from exc
    terms, problems = parse_csv(text, p)
    if strict and problems:
        raise problems[0]
    return Glossary(terms, str(p))


def validate(path: str | Path) -> list[GlossaryError]:
    """Every problem of a glossary file (empty when it is valid)."""
    p = Path(path)
    try:
        return parse_csv(p.read_text(encoding="utf-8"), p)[1]
    except (OSError, UnicodeDecodeError) as exc:
        return [GlossaryError(f"cannot read the glossary ({exc})", path=p)]


def merged(base: Glossary, incoming: Iterable[Term]) -> tuple[Glossary, int, int]:
    """``base`` plus the incoming terms it lacks: (glossary, added, skipped as already present)."""
    known = {(t.zh.casefold(), t.type is TermType.FORBIDDEN, t.en.casefold()) for t in base}
    sources = {t.zh.casefold() for t in base if t.required}
    out, added, skipped = list(base.terms), 0, 0
    for term in incoming:
        key = (term.zh.casefold(), term.type is TermType.FORBIDDEN, term.en.casefold())
        if key in known or (term.required and term.zh.casefold() in sources):
            skipped += 1
            continue
        known.add(key)
        if term.required:
            sources.add(term.zh.casefold())
        out.append(replace(term, line=0))
        added += 1
    return Glossary(out, base.path), added, skipped
