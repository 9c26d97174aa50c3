"""Glossaries written by other tools: their CSV dialects, and how a term-base concept becomes terms.

``import_csv`` picks the dialect from the first row (names compared case-insensitively):

- ``transpub``: columns ``zh``, ``en`` and ``type``: the project's own CSV, read by ``parse_csv``
  (its first problem is raised).
- ``weblate``: columns ``source`` and ``target``: Weblate's CSV download, which is
  translate-toolkit's CSV (``location, source, target, id, fuzzy, context, translator_comments,
  developer_comments``). ``context``, ``explanation``, ``description``, ``notes`` and both comment
  columns go to the note; ``fuzzy`` rows (unfinished) are skipped; Weblate's spreadsheet guard
  (``'=x'`` for a value starting with ``= + - @ | %``) is undone; an optional ``flags`` column with
  ``forbidden`` or ``read-only`` (Weblate's glossary flags) makes the row forbidden or
  do-not-translate.
- ``crowdin``: a ``Term`` column. Either Crowdin's concept layout, ``Term [zh-CN]``, ``Term [en]``
  with ``Description``, ``Part of Speech``, ``Status``, ``Note`` ``[<language>]`` after the term
  they describe (a repeated ``Term [en]`` is another term) and ``Concept Definition`` /
  ``Concept Note``; or the flat ``Term, Description, Part of Speech, Translation``. A ``Status`` of
  ``not recommended`` or ``obsolete`` marks a forbidden rendering.
- ``deepl``: no header, four columns: source term, target term, source and target language (the
  glossary CSV DeepL's website downloads); rows of other language pairs are skipped.
- ``pairs``: two columns of Chinese and English, with a header naming the languages (``zh,en``,
  ``English,中文``…) or without one.

Without language codes (Weblate, flat Crowdin, headerless pairs), the side that holds Han characters
where the other does not, in most rows, is taken as the Chinese one; otherwise the first column.
Language codes ``zh``, ``zh-CN``, ``zh_CN``, ``zh-Hans``, ``zh-SG`` mean Chinese; Traditional codes
(``zh-TW``, ``zh-HK``, ``zh-MO``, ``zh-Hant``) do not, since the sources are Simplified.
Every imported term is of type ``term`` unless the file says forbidden or do-not-translate, and its
note is "imported from <file name>" followed by the descriptions the file gives.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transpub.glossary.model import GlossaryError, parse_csv
from transpub.glossary.term import Term, TermType
from transpub.wording import counted

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$", re.I)
_COLUMN = re.compile(r"^([^\[\]]*?)\s*(?:\[\s*([^\[\]]*?)\s*\])?$")
_TRADITIONAL = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")
_POS = {
    "noun": "noun",
    "propernoun": "proper noun",
    "verb": "verb",
    "adjective": "adjective",
    "adverb": "adverb",
}
_STATUS = {
    "preferred": "preferred",
    "preferredterm": "preferred",
    "admitted": "admitted",
    "admittedterm": "admitted",
    **dict.fromkeys(
        (
            "deprecated",
            "deprecatedterm",
            "superseded",
            "supersededterm",
            "forbidden",
            "forbiddenterm",
            "obsolete",
            "notrecommended",
        ),
        "deprecated",
    ),
}
_HEADER_WORDS = {
    "chinese": "zh",
    "中文": "zh",
    "汉语": "zh",
    "english": "en",
    "英文": "en",
    "英语": "en",
}
_WEBLATE_DETAILS = (
    "explanation",
    "description",
    "notes",
    "developer_comments",
    "translator_comments",
)
_CROWDIN_DETAILS = (
    "description",
    "translationdescription",
    "note",
    "definition",
    "conceptdefinition",
    "conceptnote",
)
_TRUE = frozenset({"true", "yes", "1", "y"})
_DIALECTS_HINT = (
    "expected transpub's columns (zh,en,type,…), Weblate's (source,target,…), Crowdin's "
    "(Term [zh-CN],Term [en],…), DeepL's four columns, or two columns of Chinese and English"
)


class ImportedTerms(list[Term]):
    """Terms read from another tool's file, with its dialect and the lines of entries left out."""

    def __init__(
        self, terms: Iterable[Term] = (), *, dialect: str, skipped_lines: Iterable[int] = ()
    ) -> None:
        super().__init__(terms)
        self.dialect = dialect
        self.skipped_lines = list(skipped_lines)

    @property
    def skipped(self) -> int:
        """How many entries were left out (one language missing, or unfinished)."""
        return len(self.skipped_lines)

    def add(self, concept: Concept, source: str | Path) -> None:
        """Append the concept's terms, or count it as skipped when it yields none."""
        terms = concept_terms(concept, source)
        if terms:
            self.extend(terms)
        else:
            self.skipped_lines.append(concept.line)


@dataclass
class Rendering:
    """One term of a concept in one language, with its status and part of speech (normalised)."""

    text: str
    status: str = ""  # "preferred", "admitted", "deprecated" or ""
    pos: str = ""


@dataclass
class Concept:
    """What a term base says about one concept, in the terms of transpub's glossary."""

    zh: list[Rendering] = field(default_factory=list)
    en: list[Rendering] = field(default_factory=list)
    kind: TermType | None = None  # explicit (transpub's own export); otherwise inferred
    untranslatable: bool = False
    case_sensitive: bool = False
    pos: str = ""  # given for the concept rather than for one of its terms
    notes: list[str] = field(default_factory=list)  # the note, verbatim, when ``kind`` is given
    details: list[str] = field(default_factory=list)  # descriptions, for an imported note
    line: int = 0


def language_of(code: str) -> str | None:
    """``"zh"`` for a Simplified Chinese language code, ``"en"`` for English, else None."""
    c = code.strip().lower().replace("_", "-")
    if c == "en" or c.startswith("en-"):
        return "en"
    if c == "zh" or c.startswith("zh-"):
        return None if c.startswith(_TRADITIONAL) else "zh"
    return None


def part_of_speech(value: str) -> str:
    """The glossary's part of speech for another tool's (``properNoun``, ``Noun``…), or ""."""
    return _POS.get(re.sub(r"[^a-z]", "", value.lower()), "")


def status_of(value: str) -> str:
    """``preferred``, ``admitted`` or ``deprecated`` for a TBX or Crowdin term status, or ""."""
    key = re.sub(r"[^a-z]", "", value.lower()).removesuffix("admnsts")
    return _STATUS.get(key, "")


def clean(text: str | None) -> str:
    """A value as the glossary accepts it: trimmed, with tabs and line breaks made spaces."""
    return _BREAKS.sub(" ", text or "").strip()


def concept_terms(concept: Concept, source: str | Path) -> list[Term]:
    """The glossary terms a concept amounts to; empty when it lacks Chinese or English.

    Accepted English terms give one entry (the first preferred one required, the others variants);
    deprecated ones give a ``forbidden`` entry. Without an explicit kind, a concept marked
    untranslatable is ``do-not-translate`` (``en`` is the Chinese, other English terms are
    variants) and one whose English terms are all deprecated is ``forbidden``.
    """
    zh_texts = list(dict.fromkeys(r.text for r in concept.zh if r.status != "deprecated"))
    accepted = [r for r in concept.en if r.status != "deprecated"]
    rejected = [r for r in concept.en if r.status == "deprecated"]
    kind = concept.kind
    if kind is None:
        if concept.untranslatable:
            kind = TermType.DO_NOT_TRANSLATE
        elif rejected and not accepted:
            kind = TermType.FORBIDDEN
        else:
            kind = TermType.TERM
    if not zh_texts or not (concept.en or kind is TermType.DO_NOT_TRANSLATE):
        return []
    if concept.kind is not None:
        note = "; ".join(concept.notes)
    else:
        note = "; ".join([f"imported from {Path(source).name}", *concept.details])
    fallback_pos = next((r.pos for r in [*concept.en, *concept.zh] if r.pos), concept.pos)

    def term(zh: str, kind: TermType, main: Rendering | None, others: Sequence[str]) -> Term:
        return Term(
            zh=zh,
            en=main.text if main else zh,
            type=kind,
            variants=tuple(others),
            pos=(main.pos if main else "") or fallback_pos,
            case_sensitive=concept.case_sensitive,
            note=note,
            line=concept.line,
        )

    out: list[Term] = []
    for zh in zh_texts:
        if kind is TermType.FORBIDDEN:
            bad = rejected or accepted
            out.append(term(zh, kind, bad[0], [r.text for r in bad[1:]]))
            continue
        first = accepted[0] if accepted else None
        main = next((r for r in accepted if r.status == "preferred"), first)
        if kind is TermType.DO_NOT_TRANSLATE:  # en is zh; an English term that differs is a variant
            same = main if main is not None and main.text == zh else None
            required = term(zh, kind, None, [r.text for r in accepted if r is not same])
        elif main is not None:
            required = term(zh, kind, main, [r.text for r in accepted if r is not main])
        else:
            continue
        out.append(required)
        known = {r.casefold() for r in required.renderings}
        wrong = [r for r in rejected if r.text.casefold() not in known]
        if wrong:
            out.append(term(zh, TermType.FORBIDDEN, wrong[0], [r.text for r in wrong[1:]]))
    return out


def read_file(path: Path) -> bytes:
    """The bytes of a glossary file, or a GlossaryError that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise GlossaryError("no such file", path=path, hint="check the path") from exc
    except IsADirectoryError as exc:
        raise GlossaryError("is a directory, not a glossary file", path=path) from exc
    except OSError as exc:
        raise GlossaryError(f"cannot read the file ({exc.strerror})", path=path) from exc


def import_csv(path: str | Path) -> ImportedTerms:
    """Terms from a CSV glossary of transpub, Weblate, Crowdin or DeepL, or of zh/en pairs."""
    p = Path(path)
    text = _decode(read_file(p), p)
    head = text.split("\n", 1)[0]
    tabs = p.suffix.lower() == ".tsv" or ("\t" in head and "," not in head)
    rows = _rows(text, p, "\t" if tabs else ",")
    if not rows:
        raise GlossaryError("the CSV file is empty", path=p, line=1, hint=_DIALECTS_HINT)
    header = [clean(c) for c in rows[0][1]]
    names = [c.lower() for c in header]
    if {"zh", "en", "type"} <= set(header):
        terms, problems = parse_csv(text, p)
        if problems:
            raise problems[0]
        return ImportedTerms(terms, dialect="transpub")
    if "source" in names and "target" in names:
        return _weblate(names, rows[1:], p)
    columns = [_column(c) for c in header]
    if any(name == "term" for name, _ in columns):
        return _crowdin(columns, rows[1:], p)
    return _pairs(rows, p)


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # spreadsheets' "Unicode text"
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            path=path,
            line=data.count(b"\n", 0, exc.start) + 1,
            hint="export the glossary as UTF-8 CSV",
        ) from exc


def _rows(text: str, path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise GlossaryError(f"malformed CSV ({exc})", path=path, line=reader.line_num) from exc
    return rows


def _column(name: str) -> tuple[str, str]:
    """A header cell as (field, language): ``Part of Speech [en]`` → ``("partofspeech", "en")``."""
    match = _COLUMN.match(name)
    label, lang = (match[1], match[2] or "") if match else (name, "")
    return re.sub(r"[^a-z]", "", label.lower()), lang


def _chinese_first(pairs: Iterable[tuple[str, str]]) -> bool:
    """Whether the first of each pair is the Chinese side, judged by where Han characters are."""
    forward = backward = 0
    for a, b in pairs:
        han_a, han_b = bool(_HAN.search(a)), bool(_HAN.search(b))
        forward += han_a and not han_b
        backward += han_b and not han_a
    return forward >= backward


def _pair_concept(zh: str, en: str, line: int, *, en_status: str = "") -> Concept:
    return Concept(
        zh=[Rendering(zh)] if zh else [],
        en=[Rendering(en, en_status)] if en else [],
        line=line,
    )


def _unexcel(value: str) -> str:
    """Undo Weblate's guard against spreadsheet formulas (``=x`` is exported as ``'=x'``)."""
    if len(value) >= 3 and value[0] == value[-1] == "'" and value[1] in "=+-@|%":
        return value[1:-1].replace("\\|", "|")
    return value


def _getter(names: Sequence[str], unescape: bool = False) -> Callable[[list[str], str], str]:
    """A function reading a row's cell by column name (the first such column), cleaned."""
    index = {name: i for i, name in reversed(list(enumerate(names)))}

    def get(row: list[str], name: str) -> str:
        i = index.get(name)
        value = row[i] if i is not None and i < len(row) else ""
        return clean(_unexcel(value) if unescape else value)

    return get


def _weblate(names: list[str], body: list[tuple[int, list[str]]], path: Path) -> ImportedTerms:
    get = _getter(names, unescape=True)
    forward = _chinese_first((get(row, "source"), get(row, "target")) for _, row in body)
    out = ImportedTerms(dialect="weblate")
    for line, row in body:
        if get(row, "fuzzy").lower() in _TRUE:
            out.skipped_lines.append(line)
            continue
        source, target = get(row, "source"), get(row, "target")
        zh, en = (source, target) if forward else (target, source)
        flags = {f.strip().lower() for f in get(row, "flags").split(",")}
        concept = _pair_concept(
            zh, en, line, en_status="deprecated" if "forbidden" in flags else ""
        )
        concept.untranslatable = "read-only" in flags
        context = get(row, "context")
        details = [f"context: {context}" if context else ""]
        details += [get(row, name) for name in _WEBLATE_DETAILS]
        concept.details = list(dict.fromkeys(d for d in details if d))
        out.add(concept, path)
    return out


def _crowdin(
    columns: list[tuple[str, str]], body: list[tuple[int, list[str]]], path: Path
) -> ImportedTerms:
    if not any(name in ("term", "translation") and lang for name, lang in columns):
        return _crowdin_flat([name for name, _ in columns], body, path)
    out = ImportedTerms(dialect="crowdin")
    for line, row in body:
        concept = Concept(line=line)
        described: dict[str, Rendering | None] = {}  # per language, the term later columns describe
        for (name, lang), cell in zip(columns, row, strict=False):
            value, side = clean(cell), language_of(lang) if lang else None
            if name in ("term", "translation") and lang:
                described[lang] = Rendering(value) if value and side else None
                rendering = described[lang]
                if rendering is not None:
                    (concept.zh if side == "zh" else concept.en).append(rendering)
            elif not value or (lang and side is None):
                continue
            elif name == "partofspeech" and (rendering := described.get(lang)):
                rendering.pos = part_of_speech(value)
            elif name == "status" and (rendering := described.get(lang)):
                rendering.status = status_of(value)
            elif name in _CROWDIN_DETAILS:
                concept.details.append(value)
        out.add(concept, path)
    return out


def _crowdin_flat(names: list[str], body: list[tuple[int, list[str]]], path: Path) -> ImportedTerms:
    """Crowdin's flat layout: ``Term, Description, Part of Speech, Translation``."""
    get = _getter(names)
    forward = _chinese_first((get(row, "term"), get(row, "translation")) for _, row in body)
    out = ImportedTerms(dialect="crowdin")
    for line, row in body:
        term, translation = get(row, "term"), get(row, "translation")
        concept = _pair_concept(*((term, translation) if forward else (translation, term)), line)
        concept.pos = part_of_speech(get(row, "partofspeech"))
        concept.details = [d for d in (get(row, name) for name in _CROWDIN_DETAILS) if d]
        out.add(concept, path)
    return out


def _header_side(cell: str) -> str | None:
    return _HEADER_WORDS.get(cell.lower()) or language_of(cell)


def _pairs(rows: list[tuple[int, list[str]]], path: Path) -> ImportedTerms:
    first_line, first = rows[0][0], [clean(c) for c in rows[0][1]]
    width = len(first)
    deepl = width == 4 and all(_LANGUAGE_CODE.match(c) for c in first[2:])
    if width != 2 and not deepl:
        raise GlossaryError(
            f"unrecognised CSV columns ({', '.join(first[:6])})",
            path=path,
            line=first_line,
            hint=_DIALECTS_HINT,
        )
    sides = [_header_side(c) for c in first[:2]]
    has_header = not deepl and set(sides) == {"zh", "en"}
    body = rows[1:] if has_header else rows
    if has_header:
        forward = sides[0] == "zh"
    else:
        forward = _chinese_first((clean(r[0]), clean(r[1]) if len(r) > 1 else "") for _, r in body)
    out = ImportedTerms(dialect="deepl" if deepl else "pairs")
    for line, row in body:
        cells = [clean(c) for c in row]
        if len(cells) != width:
            raise GlossaryError(
                f"the row has {counted(len(cells), 'field')}, the first row {width}",
                path=path,
                line=line,
                hint="quote fields that contain commas",
            )
        a, b = cells[0], cells[1]
        if deepl:
            langs = (language_of(cells[2]), language_of(cells[3]))
            if langs not in (("zh", "en"), ("en", "zh")):
                out.skipped_lines.append(line)
                continue
            forward = langs[0] == "zh"
        out.add(_pair_concept(*((a, b) if forward else (b, a)), line), path)
    return out
