"""The curated glossary: validation with located errors, and the term matcher's traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from transpub.glossary.matcher import TermMatcher
from transpub.glossary.model import COLUMNS, GlossaryError, load_glossary, parse_csv, validate
from transpub.glossary.term import TermType

HEADER = ",".join(COLUMNS) + "\n"


def test_curated_glossary_is_valid_and_substantial() -> None:
    path = ROOT / "glossary" / "glossary.csv"
    assert validate(path) == []
    glossary = load_glossary(path)
    assert len(glossary) >= 80
    by_zh = {t.zh: t for t in glossary if t.required}
    assert by_zh["开源社"].en == "KAIYUANSHE"
    assert by_zh["开源人工智能定义"].en == "Open Source AI Definition"
    assert "OSAID" in by_zh["开源人工智能定义"].variants
    assert all(t.note for t in glossary)
    assert {t.type for t in glossary} == set(TermType)


BAD = [
    (
        "duplicate",
        "开源社,KAIYUANSHE,name,,,yes,a\n开源社,KAIYUANSHE,name,,,yes,b\n",
        3,
        "repeats line 2",
    ),
    (
        "conflict",
        "开源社,KAIYUANSHE,name,,,yes,a\n开源社,Kaiyuanshe,name,,,yes,b\n",
        3,
        "conflicts",
    ),
    ("empty en", "开源社,,name,,,yes,a\n", 2, "`en` is empty"),
    ("empty note", "开源社,KAIYUANSHE,name,,,yes,\n", 2, "`note` is empty"),
    ("leading space", " 开源社,KAIYUANSHE,name,,,yes,a\n", 2, "whitespace"),
    ("trailing space", "开源社,KAIYUANSHE ,name,,,yes,a\n", 2, "whitespace"),
    ("tab", "开源\t社,KAIYUANSHE,name,,,yes,a\n", 2, "tab"),
    ("newline", '"开源\n社",KAIYUANSHE,name,,,yes,a\n', 3, "line break"),
    ("unknown type", "开源社,KAIYUANSHE,brand,,,yes,a\n", 2, "unknown type"),
    ("dnt differs", "KubeCon,Kube Con,do-not-translate,,,yes,a\n", 2, "en == zh"),
    ("bad case flag", "开源社,KAIYUANSHE,name,,,maybe,a\n", 2, "yes or no"),
    ("bad pos", "开源社,KAIYUANSHE,name,,thing,yes,a\n", 2, "part of speech"),
    ("short row", "开源社,KAIYUANSHE,name\n", 2, "fields"),
    (
        "required and forbidden",
        "开源社,KAIYUANSHE,name,,,yes,a\n开源社,KAIYUANSHE,forbidden,,,no,b\n",
        3,
        "both required",
    ),
]


@pytest.mark.parametrize(("name", "rows", "line", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_validation_names_file_and_line(name: str, rows: str, line: int, fragment: str) -> None:
    _terms, problems = parse_csv(HEADER + rows, "glossary/glossary.csv")
    assert problems, name
    first = str(problems[0])
    assert first.startswith(f"glossary/glossary.csv:{line}: "), first
    assert fragment in first
    assert "\n" not in first


def test_forbidden_rendering_may_share_the_source_of_a_required_one() -> None:
    rows = "开源社,KAIYUANSHE,name,,,yes,a\n开源社,Open Source Society,forbidden,,,no,b\n"
    terms, problems = parse_csv(HEADER + rows)
    assert problems == [] and len(terms) == 2


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("zh,en,type,note,colour\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match="allowed columns"):
        load_glossary(path)


def _matcher(*rows: str) -> TermMatcher:
    terms, problems = parse_csv(HEADER + "".join(r + "\n" for r in rows))
    assert problems == []
    return TermMatcher(terms)


MATCHER = _matcher(
    "开源,open source,term,,,no,a",
    "开源社,KAIYUANSHE,name,,,yes,a",
    "开源社区,open source community,term,,,no,a",
    "OSI,OSI,do-not-translate,,,yes,a",
    "Apache 软件基金会,Apache Software Foundation,name,ASF,,yes,a",
    "kubecon,KubeCon,term,,,no,a",
)

MATCH_CASES = [
    ("longest first", "开源社区和开源社", ["开源社区", "开源社"]),
    ("term inside a longer term", "开源社区", ["开源社区"]),
    ("several occurrences", "开源、开源、开源", ["开源", "开源", "开源"]),
    ("inside link text", "见[开源社](https://kaiyuanshe.cn/)", ["开源社"]),
    ("not in a link destination", "见[官网](https://x.cn/开源社)", []),
    ("not in a Chinese URL path", "https://example.com/开源社/页面 之后", []),
    ("not in inline code", "运行 `开源社` 命令", []),
    ("not in inline HTML", '<span title="开源社">文本</span>', []),
    ("Latin word boundary", "POSIX 不是 OSI。", ["OSI"]),
    ("case-sensitive name", "osi 和 OSI", ["OSI"]),
    ("case-insensitive term", "KubeCon 与 KUBECON", ["kubecon", "kubecon"]),
    ("term with a space", "Apache 软件基金会的项目", ["Apache 软件基金会"]),
    ("nothing", "这里没有术语", []),
]


@pytest.mark.parametrize(("name", "text", "expected"), MATCH_CASES, ids=[c[0] for c in MATCH_CASES])
def test_matcher(name: str, text: str, expected: list[str]) -> None:
    assert [m.source for m in MATCHER.find(text)] == expected


def test_match_positions_point_at_the_text() -> None:
    text = "2024 年，开源社发布报告。"
    (match,) = MATCHER.find(text)
    assert text[match.start : match.end] == "开源社"
