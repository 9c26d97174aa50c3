"""Glossary interchange: TBX export and import, other tools' CSV, and the round trips.

The foreign samples live in ``tests/data/glossary/``: hand-written in the shapes Weblate
(translate-toolkit), Crowdin, Pontoon and DeepL export. Adding a sample is adding a file and a row
to ``SAMPLES``.
"""

from __future__ import annotations

import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, ROOT
from transpub.glossary.dialects import import_csv, language_of, part_of_speech, status_of
from transpub.glossary.model import (
    Glossary,
    GlossaryError,
    load_glossary,
    merged,
    parse_csv,
    to_csv,
)
from transpub.glossary.tbx import TBX_NAMESPACE, export_tbx, import_file, import_tbx
from transpub.glossary.term import POS, Term, TermType

GLOSSARY_DATA = DATA / "glossary"
CURATED = ROOT / "glossary" / "glossary.csv"
NS = {"t": TBX_NAMESPACE}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TBX_POS = {
    "noun": "noun",
    "proper noun": "properNoun",
    "verb": "verb",
    "adjective": "adjective",
    "adverb": "adverb",
}


def bare(terms: list[Term]) -> list[Term]:
    """The terms without their line numbers (which say where they were read, not what they are)."""
    return [replace(t, line=0) for t in terms]


@pytest.fixture(scope="module")
def curated() -> Glossary:
    return load_glossary(CURATED)


@pytest.fixture(scope="module")
def exported(curated: Glossary) -> ET.Element:
    return ET.fromstring(export_tbx(curated).encode("utf-8"))


# --- export ------------------------------------------------------------------------------------


def test_export_is_tbx_v3_basic_with_one_concept_per_term(
    curated: Glossary, exported: ET.Element
) -> None:
    assert exported.tag == f"{{{TBX_NAMESPACE}}}tbx"
    assert exported.get("type") == "TBX-Basic"
    assert exported.get("style") == "dca"
    assert exported.get(XML_LANG) == "zh"
    source = exported.find("t:tbxHeader/t:fileDesc/t:sourceDesc/t:p", NS)
    assert source is not None and "transpubType" in (source.text or "")
    entries = exported.findall("t:text/t:body/t:conceptEntry", NS)
    assert len(entries) == len(curated)
    assert len({e.get("id") for e in entries}) == len(entries)


def test_export_maps_every_field_of_every_term(curated: Glossary, exported: ET.Element) -> None:
    entries = exported.findall("t:text/t:body/t:conceptEntry", NS)
    for term, entry in zip(curated, entries, strict=True):
        descrips = {d.get("type"): d.text for d in entry.findall("t:descrip", NS)}
        assert descrips.pop("transpubType") == term.type.value
        assert descrips.pop("caseSensitive", "no") == ("yes" if term.case_sensitive else "no")
        untranslatable = descrips.pop("Translation needed", None)
        assert untranslatable == ("no" if term.type is TermType.DO_NOT_TRANSLATE else None)
        assert descrips == {}
        langs = entry.findall("t:langSec", NS)
        assert [s.get(XML_LANG) for s in langs] == ["zh", "en"]
        assert [t.text for t in langs[0].findall("t:termSec/t:term", NS)] == [term.zh]
        secs = langs[1].findall("t:termSec", NS)
        assert [s.findtext("t:term", namespaces=NS) for s in secs] == list(term.renderings)
        for index, sec in enumerate(secs):
            notes = {n.get("type"): n.text for n in sec.findall("t:termNote", NS)}
            if term.type is TermType.FORBIDDEN:
                status = "deprecatedTerm-admn-sts"
            else:
                status = "preferredTerm-admn-sts" if index == 0 else "admittedTerm-admn-sts"
            assert notes.pop("administrativeStatus") == status, term
            if index == 0 and term.pos:
                assert notes.pop("partOfSpeech") == TBX_POS[term.pos]
            assert notes == {}
            note = [n.text for n in sec.findall("t:note", NS)]
            assert note == ([term.note] if index == 0 and term.note else [])


def test_export_of_kaiyuanshe_reads_as_documented(exported: ET.Element) -> None:
    entry = exported.find("t:text/t:body/t:conceptEntry[@id='c1']", NS)
    assert entry is not None
    assert entry.findtext("t:langSec/t:termSec/t:term", namespaces=NS) == "开源社"
    en = entry.find("t:langSec[2]/t:termSec", NS)
    assert en is not None
    assert en.findtext("t:term", namespaces=NS) == "KAIYUANSHE"
    assert en.findtext("t:termNote[@type='partOfSpeech']", namespaces=NS) == "properNoun"
    assert "Open Source Society" in (en.findtext("t:note", namespaces=NS) or "")


def test_export_is_well_formed_for_lxml(curated: Glossary) -> None:
    etree = pytest.importorskip("lxml.etree")
    root = etree.fromstring(export_tbx(curated).encode("utf-8"))
    assert len(root.xpath("//t:conceptEntry", namespaces=NS)) == len(curated)
    assert root.xpath("string(//t:conceptEntry[1]/@id)", namespaces=NS) == "c1"


def test_export_writes_the_file_and_returns_its_text(tmp_path: Path, curated: Glossary) -> None:
    out = tmp_path / "out" / "glossary.tbx"
    text = export_tbx(curated, out)
    assert out.read_text(encoding="utf-8") == text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<tbx ')
    assert export_tbx(curated.terms, out) == text
    assert sorted(p.name for p in out.parent.iterdir()) == ["glossary.tbx"]


@pytest.mark.parametrize(
    ("term", "words"),
    [
        (Term("开源", "open\x0bsource", note="n"), ("u+000b", "xml")),
        (Term("开源", "open source ", note="n"), ("whitespace",)),
        (Term("开源", "open source", variants=("",), note="n"), ("empty",)),
        (Term("开源", "", note="n"), ("empty",)),
        (Term("开源", "open\nsource", note="n"), ("line break",)),
        (Term("OSI", "Open Source Initiative", TermType.DO_NOT_TRANSLATE), ("en == zh",)),
        (Term("开源", "open source", pos="pronoun", note="n"), ("part of speech",)),
    ],
    ids=["control-char", "whitespace", "empty-variant", "empty-en", "line-break", "dnt", "pos"],
)
def test_export_refuses_what_tbx_cannot_carry(
    tmp_path: Path, term: Term, words: tuple[str, ...]
) -> None:
    out = tmp_path / "glossary.tbx"
    with pytest.raises(GlossaryError) as caught:
        export_tbx([Term("社区", "community", note="fine"), term], out)
    message = str(caught.value)
    assert "\n" not in message
    assert "开源" in message or "OSI" in message
    assert all(w in message.lower() for w in words), message
    assert not out.exists()


def test_export_error_names_the_glossary_file_and_line() -> None:
    glossary = Glossary([Term("开源", "open source\x00", note="n", line=7)], "glossary.csv")
    with pytest.raises(GlossaryError, match=r"^glossary\.csv:7: cannot export '开源'"):
        export_tbx(glossary)


# --- round trips --------------------------------------------------------------------------------


def test_curated_glossary_round_trips_through_tbx(tmp_path: Path, curated: Glossary) -> None:
    path = tmp_path / "glossary.tbx"
    export_tbx(curated, path)
    back = import_tbx(path)
    assert (back.dialect, back.skipped) == ("tbx3", 0)
    assert bare(back) == bare(curated.terms)
    assert to_csv(back) == CURATED.read_text(encoding="utf-8")


def test_curated_glossary_round_trips_through_csv(curated: Glossary) -> None:
    text = CURATED.read_text(encoding="utf-8")
    assert to_csv(curated) == text
    terms, problems = parse_csv(to_csv(curated), CURATED)
    assert problems == []
    assert terms == curated.terms
    imported = import_csv(CURATED)
    assert imported.dialect == "transpub"
    assert imported == curated.terms


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=16,
).filter(lambda s: s == s.strip())


@st.composite
def glossary_terms(draw: st.DrawFn) -> Term:
    """Any term the glossary accepts: no surrounding whitespace, no tabs or line breaks."""
    kind = draw(st.sampled_from(list(TermType)))
    zh = draw(_TEXT)
    return Term(
        zh=zh,
        en=zh if kind is TermType.DO_NOT_TRANSLATE else draw(_TEXT),
        type=kind,
        variants=tuple(draw(st.lists(_TEXT, max_size=3))),
        pos=draw(st.sampled_from(sorted(POS))),
        case_sensitive=draw(st.booleans()),
        note=draw(st.one_of(st.just(""), _TEXT)),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(glossary_terms(), max_size=4))
def test_any_glossary_terms_round_trip_through_tbx(terms: list[Term]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "terms.tbx"
        export_tbx(terms, path)
        assert bare(import_tbx(path)) == terms


# --- foreign files ------------------------------------------------------------------------------

Row = tuple[str, str, str, tuple[str, ...], str]  # zh, en, type, variants, pos


@dataclass(frozen=True)
class Sample:
    """A foreign glossary file and what importing it must give."""

    file: str
    dialect: str
    terms: tuple[Row, ...]
    skipped: tuple[int, ...]  # lines of the entries left out
    notes: tuple[tuple[str, str], ...] = ()  # (zh, text its note must contain)


SAMPLES = [
    Sample(
        "weblate.tbx",
        "tbx2",
        (
            ("开源软件供应链", "open source software supply chain", "term", (), ""),
            ("木兰宽松许可证", "Mulan Loose License", "forbidden", (), ""),
            ("Gitee", "Gitee", "do-not-translate", (), ""),
            ("OpenHarmony", "OpenHarmony", "do-not-translate", (), ""),
        ),
        skipped=(52,),  # 贡献者: its English term is empty
        notes=(("开源软件供应链", "; used throughout the 2024 report"),),
    ),
    Sample(
        "crowdin.tbx",
        "tbx2",
        (
            ("开源许可证", "open source license", "term", ("open-source licence",), "noun"),
            ("开源许可证", "open code permit", "forbidden", (), "noun"),
            ("程序委员会", "programme committee", "term", (), ""),
        ),
        skipped=(36,),  # zh-TW only: Traditional Chinese is not the source language
        notes=(("开源许可证", "definition: A legal document that grants"),),
    ),
    Sample(
        "pontoon-v2.tbx",
        "tbx2",
        (("隐私浏览", "private browsing", "term", (), "noun"),),
        skipped=(40,),
        notes=(
            ("隐私浏览", "in private.; definition: A mode that keeps no history & no cookies."),
        ),
    ),
    Sample(
        "pontoon-v3.tbx",
        "tbx3",
        (("同步", "sync", "term", (), "verb"),),
        skipped=(37,),  # English and German only
        notes=(("同步", "definition: To keep data the same"),),
    ),
    Sample(
        "weblate.csv",
        "weblate",
        (
            ("开源治理", "open source governance", "term", (), ""),
            ("维护者", "maintainer", "term", (), ""),
            ("点赞", "+1", "term", (), ""),
        ),
        skipped=(3, 6),  # a fuzzy row, a row without a translation
        notes=(("维护者", "; context: people; reviewed by Ted"),),
    ),
    Sample(
        "weblate-flags.csv",
        "weblate",
        (
            ("开源社", "Open Source Society", "forbidden", (), ""),
            ("KubeCon", "KubeCon", "do-not-translate", (), ""),
            ("开源社区", "open source community", "term", (), ""),
        ),
        skipped=(),
        notes=(("开源社", "; a literal rendering of the name"),),
    ),
    Sample(
        "crowdin.csv",
        "crowdin",
        (
            ("开源项目办公室", "open source program office", "term", ("OSPO",), "noun"),
            ("木兰", "Magnolia", "forbidden", (), "proper noun"),
        ),
        skipped=(4,),
        notes=(("开源项目办公室", "; An organisation's team"),),
    ),
    Sample(
        "crowdin-flat.csv",
        "crowdin",
        (
            ("拉取请求", "pull request", "term", (), "noun"),
            ("派生", "fork", "term", (), "verb"),
        ),
        skipped=(),
        notes=(("拉取请求", "; A proposed change to a repository"),),
    ),
    Sample(
        "deepl.csv",
        "deepl",
        (
            ("开源社", "KAIYUANSHE", "term", (), ""),
            ("开源", "open source", "term", (), ""),
            ("社区", "community", "term", (), ""),
        ),
        skipped=(3,),  # English → German
    ),
    Sample(
        "pairs.csv",
        "pairs",
        (
            ("开源基金会", "open source foundation", "term", (), ""),
            ("贡献者许可协议", "Contributor License Agreement, CLA", "term", (), ""),
        ),
        skipped=(),
    ),
    Sample(
        "pairs-header.csv",
        "pairs",
        (("行为准则", "code of conduct", "term", (), ""),),
        skipped=(),
    ),
]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.file)
def test_foreign_sample_imports(sample: Sample) -> None:
    got = import_file(GLOSSARY_DATA / sample.file)
    assert got.dialect == sample.dialect
    assert [(t.zh, t.en, t.type.value, t.variants, t.pos) for t in got] == list(sample.terms)
    assert got.skipped_lines == list(sample.skipped)
    assert got.skipped == len(sample.skipped)
    for term in got:
        assert term.note.startswith(f"imported from {sample.file}")
        assert term.line > 0
        assert not term.case_sensitive
    notes = {t.zh: t.note for t in got}
    for zh, text in sample.notes:
        assert text in notes[zh]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.file)
def test_imported_terms_make_a_valid_glossary(sample: Sample) -> None:
    glossary, added, skipped = merged(Glossary([]), import_file(GLOSSARY_DATA / sample.file))
    assert (added, skipped) == (len(sample.terms), 0)
    assert parse_csv(to_csv(glossary))[1] == []


def test_import_merges_into_the_curated_glossary(curated: Glossary) -> None:
    incoming = import_file(GLOSSARY_DATA / "weblate-flags.csv")
    glossary, added, skipped = merged(curated, incoming)
    assert added + skipped == len(incoming)
    assert skipped >= 1  # 开源社 → "Open Source Society" is already forbidden
    assert len(glossary) == len(curated) + added
    assert parse_csv(to_csv(glossary))[1] == []


@pytest.mark.parametrize(
    ("name", "content", "dialect"),
    [
        (
            "terms.txt",
            b"\xef\xbb\xbf<?xml version='1.0'?><martif><text><body/></text></martif>",
            "tbx2",
        ),
        ("terms", b'<tbx xmlns="urn:iso:std:iso:30042:ed-2"><text><body/></text></tbx>', "tbx3"),
        ("terms", "开源,open source\n".encode(), "pairs"),
        ("terms.tsv", "开源\topen source\n".encode(), "pairs"),
        ("terms.csv", "开源,open source\r\n".encode("utf-16"), "pairs"),
        ("terms.xml", b"<martif/>", "tbx2"),
    ],
)
def test_import_file_tells_tbx_from_csv(
    tmp_path: Path, name: str, content: bytes, dialect: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    got = import_file(path)
    assert got.dialect == dialect
    if dialect == "pairs":
        assert bare(got)[0] == Term("开源", "open source", note=f"imported from {name}")


def test_a_tsv_file_is_split_on_tabs_even_when_its_first_line_has_commas(tmp_path: Path) -> None:
    path = tmp_path / "terms.tsv"
    path.write_text("社区,社群\tcommunity\n开源\topen source\n", encoding="utf-8")
    assert [(t.zh, t.en) for t in import_csv(path)] == [
        ("社区,社群", "community"),
        ("开源", "open source"),
    ]


@pytest.mark.parametrize(
    ("code", "side"),
    [
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh_CN", "zh"),
        ("zh-Hans", "zh"),
        ("zh_Hans", "zh"),
        ("zh-Hans-CN", "zh"),
        ("ZH-cn", "zh"),
        ("zh-SG", "zh"),
        ("zh-TW", None),
        ("zh-Hant", None),
        ("zh_HK", None),
        ("en", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
        ("de", None),
        ("", None),
    ],
)
def test_language_codes(code: str, side: str | None) -> None:
    assert language_of(code) == side


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("preferredTerm-admn-sts", "preferred"),
        ("admittedTerm-admn-sts", "admitted"),
        ("deprecatedTerm-admn-sts", "deprecated"),
        ("supersededTerm-admn-sts", "deprecated"),
        ("forbidden", "deprecated"),
        ("obsolete", "deprecated"),
        ("not recommended", "deprecated"),
        ("Preferred", "preferred"),
        ("whatever", ""),
    ],
)
def test_term_statuses(value: str, status: str) -> None:
    assert status_of(value) == status


@pytest.mark.parametrize(
    ("value", "pos"),
    [
        ("properNoun", "proper noun"),
        ("proper noun", "proper noun"),
        ("Noun", "noun"),
        ("verb", "verb"),
        ("other", ""),
        ("", ""),
    ],
)
def test_parts_of_speech(value: str, pos: str) -> None:
    assert part_of_speech(value) == pos


# --- bad input ----------------------------------------------------------------------------------


def _error(path: Path, read: Callable[[Path], object]) -> str:
    with pytest.raises(GlossaryError) as caught:
        read(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b'<?xml version="1.0"?>\n<tbx>\n  <text>\n', 4, ("malformed xml", "no element found")),
        (b"<tbx>\n<text>\n<body>\n</text>\n</tbx>\n", 4, ("malformed xml", "mismatched tag")),
        (
            b'<martif>\n<text><body><termEntry><langSet xml:lang="zh"><tig><term>A & B</term>',
            2,
            ("malformed xml", "not well-formed", "column 61"),
        ),
        (b"", 1, ("malformed xml",)),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 1, ("malformed xml",)),
        (b"<martif>\n<text>&nbsp;</text></martif>", 2, ("undefined entity",)),
        (
            b'<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">\n<martif>\n<text>&nbsp;</text>',
            3,
            ("&nbsp;", "does not read"),
        ),
        (b'<?xml version="1.0"?>\n<html><body/></html>', 2, ("not a tbx file", "<html>")),
        (b'<?xml version="1.0" encoding="GB2312"?>\n<tbx/>', 1, ("encoding", "utf-8")),
        (
            b'<tbx>\n<text><body>\n<conceptEntry id="c1">\n<descrip type="transpubType">'
            b"noun</descrip></conceptEntry></body></text></tbx>",
            3,
            ("unknown transpubtype", "'noun'"),
        ),
    ],
    ids=[
        "truncated",
        "mismatched",
        "ampersand",
        "empty",
        "binary",
        "undefined-entity",
        "dtd-entity",
        "not-tbx",
        "gb2312",
        "bad-type",
    ],
)
def test_malformed_tbx_is_one_located_line(
    tmp_path: Path, content: bytes, line: int, words: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.tbx"
    path.write_bytes(content)
    message = _error(path, import_tbx)
    assert message.startswith(f"{path}:{line}: "), message
    assert all(w in message.lower() for w in words), message


@pytest.mark.parametrize("name", ["billion-laughs.tbx", "external-entity.tbx"])
def test_entity_declarations_are_refused_before_expansion(name: str) -> None:
    started = time.monotonic()
    message = _error(GLOSSARY_DATA / name, import_tbx)
    assert time.monotonic() - started < 1
    assert f"{name}:3: the file declares the XML entity" in message
    assert "root:" not in message  # nothing of /etc/passwd


def test_external_entities_and_dtds_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    dtd = tmp_path / "terms.dtd"
    dtd.write_text('<!ENTITY injected "TOPSECRET">', encoding="utf-8")
    documents = {
        "general.tbx": f'<!DOCTYPE martif [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'
        "<martif><text>&s;</text></martif>",
        "parameter.tbx": f'<!DOCTYPE martif [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>\n'
        "<martif><text>&injected;</text></martif>",
        "external-dtd.tbx": f'<!DOCTYPE martif SYSTEM "{dtd.as_uri()}">\n'
        "<martif><text>&injected;</text></martif>",
    }
    for name, document in documents.items():
        path = tmp_path / name
        path.write_text(document, encoding="utf-8")
        message = _error(path, import_tbx)
        assert "TOPSECRET" not in message
        assert "entity" in message


def test_a_dtd_that_is_named_but_not_needed_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "weblate-like.tbx"
    path.write_text(
        '<!DOCTYPE martif SYSTEM "http://127.0.0.1:9/TBXcdv04.dtd">\n<martif><text><body>'
        '<termEntry><langSet xml:lang="zh"><tig><term>开源</term></tig></langSet>'
        '<langSet xml:lang="en"><tig><term>open source</term></tig></langSet></termEntry>'
        "</body></text></martif>",
        encoding="utf-8",
    )
    assert [(t.zh, t.en) for t in import_tbx(path)] == [("开源", "open source")]


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"a,b,c\n1,2,3\n", 1, ("unrecognised csv columns", "weblate")),
        ("开源,open source\n社区,community,extra\n".encode(), 2, ("3 fields", "quote")),
        ("开源,open source\n社区".encode("gb18030"), 1, ("utf-8",)),
        (b"", 1, ("empty",)),
        (b"\n \n", 1, ("empty",)),
        (
            b"zh,en,type,variants,pos,case_sensitive,note\n\xe5\xbc\x80\xe6\xba\x90,,term,,noun,no,x\n",
            2,
            ("`en` is empty",),
        ),
        (b'zh,en\n"unclosed,quote\n', 2, ("1 field,",)),
        (b'zh,en\n"' + b"x" * 140_000 + b'",y\n', 2, ("malformed csv", "field limit")),
    ],
    ids=[
        "unknown-header",
        "ragged",
        "gb18030",
        "empty",
        "blank",
        "transpub-problem",
        "unclosed-quote",
        "huge-field",
    ],
)
def test_malformed_csv_is_one_located_line(
    tmp_path: Path, content: bytes, line: int, words: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    message = _error(path, import_csv)
    assert message.startswith(f"{path}:{line}: "), message
    assert all(w in message.lower() for w in words), message


@pytest.mark.parametrize("read", [import_tbx, import_csv, import_file])
def test_a_missing_file_is_named(tmp_path: Path, read: Callable[[Path], object]) -> None:
    message = _error(tmp_path / "nowhere.tbx", read)
    assert message == f"{tmp_path / 'nowhere.tbx'}: no such file; check the path"
