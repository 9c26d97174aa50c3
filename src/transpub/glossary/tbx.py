"""TBX (ISO 30042) interchange: export the glossary, import other tools' term bases.

``export_tbx`` writes TBX v3, TBX-Basic dialect, DCA style: one ``conceptEntry`` per glossary row,
``langSec xml:lang="zh"`` with the Chinese term and ``langSec xml:lang="en"`` with one ``termSec``
per rendering (``en`` first, then the variants). The glossary's fields map to:

- ``type``: ``<descrip type="transpubType">`` on the concept (``term``, ``name``,
  ``do-not-translate``, ``forbidden``), plus the standard markers other tools read:
  ``administrativeStatus`` ``preferredTerm-admn-sts`` for ``en``, ``admittedTerm-admn-sts`` for a
  variant, ``deprecatedTerm-admn-sts`` for every rendering of a ``forbidden`` row; and
  ``<descrip type="Translation needed">no</descrip>`` on a ``do-not-translate`` concept (the
  marker Weblate and translate-toolkit read for untranslatable terms).
- ``pos``: ``<termNote type="partOfSpeech">`` on ``en`` (``noun``, ``properNoun``, ``verb``,
  ``adjective``, ``adverb``).
- ``case_sensitive``: ``<descrip type="caseSensitive">yes</descrip>`` on the concept (absent: no).
- ``note``: ``<note>`` in the ``termSec`` of ``en``.

``import_tbx`` reads TBX v3 (``<tbx>``, any namespace, DCA or DCT style) and TBX 2 / TBX-Basic
(``<martif>`` with ``termEntry``/``langSet``/``tig`` or ``ntig``/``termGrp``), as Weblate, Crowdin
and Pontoon export them. A concept carrying ``transpubType`` is read back exactly; any other
becomes terms as ``glossary_io.concept_terms`` describes, with the note "imported from <file>"
plus its definitions, contexts and notes. Concepts lacking Chinese or English are skipped.

The XML is read with expat directly so that entity declarations (the billion-laughs bomb, external
entities) and references to entities defined outside the file are refused before anything is
expanded or fetched; an external DTD named by ``<!DOCTYPE>`` (as Weblate writes) is never read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from xml.parsers import expat

from transpub.glossary.dialects import (
    Concept,
    ImportedTerms,
    Rendering,
    clean,
    import_csv,
    language_of,
    part_of_speech,
    read_file,
    status_of,
)
from transpub.glossary.model import Glossary, GlossaryError, _field_problem
from transpub.glossary.term import POS, Term, TermType
from transpub.textfile import write_atomic

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TBX_POS = {
    "noun": "noun",
    "proper noun": "properNoun",
    "verb": "verb",
    "adjective": "adjective",
    "adverb": "adverb",
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEADER = (
    "transpub glossary, Chinese to English. Besides TBX-Basic, each conceptEntry has a descrip of "
    'type "transpubType" (term, name, do-not-translate or forbidden), one of type "caseSensitive" '
    'saying "yes" when case matters, and one of type "Translation needed" saying "no" for '
    "do-not-translate terms."
)


class _Refused(Exception):
    """The document uses an XML feature that is never processed (entities)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def export_tbx(terms: Iterable[Term], path: str | Path | None = None) -> str:
    """The terms as a TBX v3 document; written atomically to ``path`` when one is given.

    Refuses (GlossaryError) terms that TBX could not carry faithfully, and checks that the
    document reads back as the same terms before writing it.
    """
    origin = terms.path if isinstance(terms, Glossary) else None
    items = list(terms)
    for term in items:
        _check_exportable(term, origin)
    text = _serialize(items)
    back = [replace(t, line=0) for t in _read(text.encode("utf-8"), Path(path or "export.tbx"))]
    for index, ours in enumerate(items):
        theirs = back[index] if index < len(back) else None
        if replace(ours, line=0) != theirs:
            raise GlossaryError(
                f"{ours.zh!r} ({ours.en!r}) would not read back the same from TBX "
                f"(read {theirs!r})",
                path=origin,
                line=ours.line or None,
            )
    if len(back) != len(items):
        raise GlossaryError(f"the TBX export would read back {len(back)} terms, not {len(items)}")
    if path is not None:
        write_atomic(path, text)
    return text


def import_tbx(path: str | Path) -> ImportedTerms:
    """The terms of a TBX file (v3 or TBX 2 / TBX-Basic); ``.skipped`` counts entries left out."""
    p = Path(path)
    return _read(read_file(p), p)


def import_file(path: str | Path) -> ImportedTerms:
    """The terms of a TBX or CSV glossary file, told apart by suffix or else by content."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".tbx", ".xml"):
        return import_tbx(p)
    if suffix not in (".csv", ".tsv"):
        head = read_file(p)[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            return import_tbx(p)
    return import_csv(p)


def _check_exportable(term: Term, origin: str | None) -> None:
    def refuse(problem: str, hint: str | None = None) -> None:
        raise GlossaryError(
            f"cannot export {term.zh!r} to TBX: {problem}",
            path=origin,
            line=term.line or None,
            hint=hint,
        )

    values = [("zh", term.zh), ("en", term.en), ("note", term.note)]
    values += [("variants", v) for v in term.variants]
    for name, value in values:
        if not value and name != "note":
            refuse(f"`{name}` has an empty value")
        issue = _field_problem(name, value)
        if issue:
            refuse(issue)
        bad = _XML_INVALID.search(value)
        if bad:
            refuse(f"`{name}` contains U+{ord(bad[0]):04X}, which XML cannot hold")
    if term.pos not in POS:
        refuse(f"unknown part of speech {term.pos!r}", f"use one of: {', '.join(sorted(_TBX_POS))}")
    if term.type is TermType.DO_NOT_TRANSLATE and term.en != term.zh:
        refuse(f"a do-not-translate term must have en == zh, not {term.en!r}")


def _serialize(terms: list[Term]) -> str:
    root = ET.Element(
        "tbx", {"type": "TBX-Basic", "style": "dca", _XML_LANG: "zh", "xmlns": TBX_NAMESPACE}
    )
    header = ET.SubElement(ET.SubElement(root, "tbxHeader"), "fileDesc")
    ET.SubElement(ET.SubElement(header, "titleStmt"), "title").text = "transpub glossary"
    ET.SubElement(ET.SubElement(header, "sourceDesc"), "p").text = _HEADER
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    for number, term in enumerate(terms, 1):
        _concept_entry(body, term, f"c{number}")
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _concept_entry(body: ET.Element, term: Term, ident: str) -> None:
    entry = ET.SubElement(body, "conceptEntry", id=ident)
    ET.SubElement(entry, "descrip", type="transpubType").text = term.type.value
    if term.case_sensitive:
        ET.SubElement(entry, "descrip", type="caseSensitive").text = "yes"
    if term.type is TermType.DO_NOT_TRANSLATE:
        ET.SubElement(entry, "descrip", type="Translation needed").text = "no"
    zh = ET.SubElement(entry, "langSec", {_XML_LANG: "zh"})
    ET.SubElement(ET.SubElement(zh, "termSec"), "term").text = term.zh
    en = ET.SubElement(entry, "langSec", {_XML_LANG: "en"})
    forbidden = term.type is TermType.FORBIDDEN
    for index, text in enumerate(term.renderings):
        sec = ET.SubElement(en, "termSec")
        ET.SubElement(sec, "term").text = text
        if index == 0 and term.pos:
            ET.SubElement(sec, "termNote", type="partOfSpeech").text = _TBX_POS[term.pos]
        status = "deprecated" if forbidden else "preferred" if index == 0 else "admitted"
        note = ET.SubElement(sec, "termNote", type="administrativeStatus")
        note.text = f"{status}Term-admn-sts"
        if index == 0 and term.note:
            ET.SubElement(sec, "note").text = term.note


def _read(data: bytes, path: Path) -> ImportedTerms:
    root, lines = _parse(data, path)
    kind = _local(root.tag)
    if kind not in ("tbx", "martif"):
        raise GlossaryError(
            f"not a TBX file: the root element is <{kind}>, not <tbx> or <martif>",
            path=path,
            line=lines.get(root),
            hint="export the term base as TBX, or give a CSV file",
        )
    out = ImportedTerms(dialect="tbx3" if kind == "tbx" else "tbx2")
    for entry in (e for e in root.iter() if _local(e.tag) in ("conceptEntry", "termEntry")):
        concept = Concept(line=lines.get(entry, 0))
        _absorb_entry(entry, concept, path)
        out.add(concept, path)
    return out


def _parse(data: bytes, path: Path) -> tuple[ET.Element, dict[ET.Element, int]]:
    """The document's root and the line of each element, refusing entity declarations."""
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def start(name: str, attributes: dict[str, str]) -> None:
        element = builder.start(_qname(name), {_qname(k): v for k, v in attributes.items()})
        lines[element] = parser.CurrentLineNumber

    def declared(name: str, *_: object) -> None:
        raise _Refused(
            f"the file declares the XML entity {name!r}, which transpub never expands",
            "export the term base again without entity declarations in its DOCTYPE",
        )

    def skipped(name: str, is_parameter: bool) -> None:
        raise _Refused(
            f"the file uses the entity {'%' if is_parameter else '&'}{name}; from a DTD that "
            "transpub does not read",
            "replace it with the character it stands for",
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_qname(name))
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = declared
    parser.SkippedEntityHandler = skipped
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise GlossaryError(
            f"malformed XML: {expat.errors.messages[exc.code]} (column {exc.offset + 1})",
            path=path,
            line=exc.lineno,
            hint="fix the file or export it again",
        ) from exc
    except _Refused as exc:
        raise GlossaryError(
            str(exc), path=path, line=parser.CurrentLineNumber, hint=exc.hint
        ) from exc
    except (ValueError, LookupError) as exc:  # an encoding expat cannot decode
        raise GlossaryError(
            f"unsupported XML encoding ({exc})",
            path=path,
            line=1,
            hint='convert the file to UTF-8 and say encoding="UTF-8" in its declaration',
        ) from exc
    return builder.close(), lines


def _qname(name: str) -> str:
    """Expat's ``uri}local`` as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: ET.Element) -> str:
    return clean("".join(element.itertext()))


def _absorb_entry(entry: ET.Element, concept: Concept, path: Path) -> None:
    for child in entry:
        if _local(child.tag) in ("langSec", "langSet"):
            side = language_of(child.get(_XML_LANG) or child.get("lang") or "")
            if side is not None:
                _absorb_language(child, side, concept, path)
        else:
            _absorb(child, concept, None, path)


def _absorb_language(section: ET.Element, side: str, concept: Concept, path: Path) -> None:
    for child in section:
        if _local(child.tag) not in ("termSec", "tig", "ntig"):
            _absorb(child, concept, None, path)
            continue
        term = next((e for e in child.iter() if _local(e.tag) == "term"), None)
        text = _text(term) if term is not None else ""
        if not text:
            continue
        rendering = Rendering(text)
        (concept.zh if side == "zh" else concept.en).append(rendering)
        for item in child:
            _absorb(item, concept, rendering, path)


def _absorb(element: ET.Element, concept: Concept, rendering: Rendering | None, path: Path) -> None:
    """Take what one metadata element says (descrip, termNote, note…) into the concept."""
    name = _local(element.tag)
    if name == "term":
        return
    if name.endswith("Grp"):
        for child in element:
            _absorb(child, concept, rendering, path)
        return
    kind = element.get("type", "") if name in ("descrip", "termNote", "admin") else name
    key = re.sub(r"[^a-z]", "", kind.lower())  # DCT style names the category by the element
    value = _text(element)
    if name == "note":
        if value:
            concept.notes.append(value)
            concept.details.append(value)
    elif key == "transpubtype":
        concept.kind = _transpub_type(value, path, concept.line)
    elif key == "casesensitive":
        concept.case_sensitive = value.lower() in ("yes", "true", "1")
    elif key in ("translationneeded", "translationnote"):
        concept.untranslatable = concept.untranslatable or value.lower() in ("no", "false")
    elif key == "partofspeech":
        if rendering is not None:
            rendering.pos = part_of_speech(value)
        else:
            concept.pos = concept.pos or part_of_speech(value)
    elif key == "administrativestatus":
        if rendering is not None:
            rendering.status = status_of(value)
    elif name == "descrip" and value:
        concept.details.append(f"{kind}: {value}" if kind else value)


def _transpub_type(value: str, path: Path, line: int) -> TermType:
    try:
        return TermType(value)
    except ValueError:
        raise GlossaryError(
            f"unknown transpubType {value!r}",
            path=path,
            line=line or None,
            hint=f"use one of: {', '.join(t.value for t in TermType)}",
        ) from None
