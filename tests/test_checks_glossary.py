"""Glossary checks, table-driven: (source, translation, expected check ids)."""

from __future__ import annotations

import pytest

from transpub.checks.base import CheckContext, run_checks
from transpub.checks.glossary import mentions
from transpub.glossary.model import COLUMNS, Glossary, parse_csv

ROWS = """\
开源社,KAIYUANSHE,name,,proper noun,yes,a
开源社,Open Source Society,forbidden,,,no,a
开源人工智能定义,Open Source AI Definition,term,OSAID,noun,no,a
开源许可证,open source license,term,open source licence,noun,no,a
社区,community,term,,noun,no,a
KubeCon,KubeCon,do-not-translate,,,yes,a
Community over Code,Community over Code,do-not-translate,,,no,a
木兰,Magnolia,forbidden,,,no,a
"""
TERMS, PROBLEMS = parse_csv(",".join(COLUMNS) + "\n" + ROWS)
CONTEXT = CheckContext(glossary=Glossary(TERMS), kind="paragraph")
IDS = {"glossary-term", "forbidden-term", "do-not-translate"}

CASES = [
    ("required name present", "开源社成立于 2014 年。", "KAIYUANSHE was founded in 2014.", set()),
    (
        "required name missing",
        "开源社成立于 2014 年。",
        "The society was founded in 2014.",
        {"glossary-term"},
    ),
    ("name is case-sensitive", "开源社成立。", "Kaiyuanshe was founded.", {"glossary-term"}),
    (
        "forbidden rendering",
        "开源社成立。",
        "KAIYUANSHE (Open Source Society) was founded.",
        {"forbidden-term"},
    ),
    ("variant accepted", "开源人工智能定义发布了。", "OSAID was released.", set()),
    (
        "term capitalised",
        "开源人工智能定义发布了。",
        "The OPEN SOURCE AI DEFINITION is out.",
        set(),
    ),
    ("plural accepted", "两种开源许可证", "two open source licenses", set()),
    ("y → ies plural", "多个社区", "several communities", set()),
    ("british variant", "开源许可证", "an open source licence", set()),
    ("hyphenated", "开源许可证", "an open-source license", set()),
    ("possessive", "社区的声音", "the community's voice", set()),
    (
        "term inside a longer term counts once",
        "开源社区",
        "the open source community",
        {"glossary-term"},
    ),
    (
        "term in link text",
        "见[开源社](https://kaiyuanshe.cn/)",
        "see [the society](https://kaiyuanshe.cn/)",
        {"glossary-term"},
    ),
    ("term in inline code ignored", "运行 `开源社` 命令", "run the `开源社` command", set()),
    ("term in URL path ignored", "https://x.cn/开源社 页面", "https://x.cn/开源社 page", set()),
    ("dnt kept", "参加 KubeCon 大会", "attend KubeCon", set()),
    ("dnt altered", "参加 KubeCon 大会", "attend Kubecon", {"do-not-translate"}),
    ("dnt dropped", "参加 KubeCon 大会", "attend the conference", {"do-not-translate"}),
    (
        "dnt copied in the source's casing",
        "参加 Community Over Code 大会",
        "attend Community Over Code",
        set(),
    ),
    (
        "dnt in the glossary's casing",
        "参加 Community Over Code 大会",
        "attend Community over Code",
        set(),
    ),
    (
        "dnt in a third casing",
        "参加 Community Over Code 大会",
        "attend COMMUNITY OVER CODE",
        {"do-not-translate"},
    ),
    ("forbidden without required", "木兰许可证", "the Magnolia license", {"forbidden-term"}),
    ("no term", "今天天气很好。", "Nice weather today.", set()),
]


def test_fixture_glossary_is_valid() -> None:
    assert PROBLEMS == []


@pytest.mark.parametrize(("name", "source", "target", "expected"), CASES, ids=[c[0] for c in CASES])
def test_glossary_checks(name: str, source: str, target: str, expected: set[str]) -> None:
    found = run_checks(source, target, context=CONTEXT, only=lambda cls: cls.check_id in IDS)
    assert {f.check for f in found} == expected, [f.message for f in found]


def test_ignore_flag_silences_exactly_one_check() -> None:
    source, target = "开源社参加 KubeCon", "The society attends Kubecon"
    only = lambda cls: cls.check_id in IDS  # noqa: E731
    assert {f.check for f in run_checks(source, target, (), CONTEXT, only)} == {
        "glossary-term",
        "do-not-translate",
    }
    silenced = run_checks(source, target, ("ignore-glossary-term",), CONTEXT, only)
    assert {f.check for f in silenced} == {"do-not-translate"}


def test_message_names_the_term_and_rendering() -> None:
    (finding,) = run_checks(
        "开源社", "The society", context=CONTEXT, only=lambda c: c.check_id == "glossary-term"
    )
    assert "'开源社'" in finding.message and "'KAIYUANSHE'" in finding.message
    assert str(finding.severity) == "error"


def test_rendering_pattern_does_not_match_inside_words() -> None:
    assert not mentions("POSIX", "OSI", True)
    assert mentions("the OSI board", "OSI", True)
    assert not mentions("the osi board", "OSI", True)
    assert mentions("the Open-Source  Licences", "open source licence", False)
