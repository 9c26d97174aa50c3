"""Glossary terms split by a soft line break are matched like the joined paragraph (issue 9 item 7).

Each case is a paragraph written on one line and the same paragraph broken inside a term: the
glossary checks must report exactly the same findings for both.
"""

from __future__ import annotations

import pytest

from transpub.checks.base import CheckContext, run_checks
from transpub.glossary.matcher import TermMatcher, joined
from transpub.glossary.model import COLUMNS, Glossary, parse_csv

ROWS = """\
开源社,KAIYUANSHE,name,,proper noun,yes,a
开源社,Open Source Society,forbidden,,,no,a
开源许可证,open source license,term,,noun,no,a
社区,community,term,,noun,no,a
Open Source,Open Source,do-not-translate,,,no,a
"""
TERMS, _ = parse_csv(",".join(COLUMNS) + "\n" + ROWS)
GLOSSARY = Glossary(TERMS)
CONTEXT = CheckContext(glossary=GLOSSARY, kind="paragraph")
IDS = {"glossary-term", "forbidden-term", "do-not-translate"}

CASES = [
    # (one-line source, the same source with soft breaks, translation)
    ("我们是开源社的成员。", "我们是开源\n社的成员。", "We are members of the society."),
    ("我们是开源社的成员。", "我们是开源\n社的成员。", "We are Open Source Society members."),
    ("我们是开源社的成员。", "我们是开源\n社的成员。", "We are KAIYUANSHE members."),
    ("选择开源许可证很重要。", "选择开\n源许可\n证很重要。", "Choosing a licence matters."),
    ("选择开源许可证很重要。", "选择开源许可证\n很重要。", "Choosing an open source license."),
    ("选择开源许可证很重要。", "选择开源  \n  许可证很重要。", "Choosing a licence matters."),
    ("社区用 Open Source 一词。", "社区用 Open\nSource 一词。", "The community says open-source."),
    ("第一个社区，第二个社区。", "第一个社\n区，第二个社区。", "The first one and the second."),
]


def checks(source: str, target: str) -> list[tuple[str, str]]:
    only = lambda cls: cls.check_id in IDS  # noqa: E731
    return sorted((f.check, f.message) for f in run_checks(source, target, (), CONTEXT, only))


@pytest.mark.parametrize(("one_line", "broken", "target"), CASES)
def test_broken_term_gives_the_one_line_findings(one_line: str, broken: str, target: str) -> None:
    expected = checks(one_line, target)
    assert checks(broken, target) == expected


def test_match_covers_the_term_as_written_across_the_break() -> None:
    text = "我们是开源\n社的成员。"
    (match,) = TermMatcher(TERMS).find(text)
    assert text[match.start : match.end] == "开源\n社"
    assert match.source == "开源社"


def test_break_between_latin_words_is_a_space_and_code_stays_protected() -> None:
    assert joined("开源\n社 Open\n  Source")[0] == "开源社 Open Source"
    # A term whose characters sit in inline code on the next line is not matched.
    assert TermMatcher(TERMS).find("用开源\n`社区`") == []
    assert [m.source for m in TermMatcher(TERMS).find("用开源\n社区")] == ["开源社"]
