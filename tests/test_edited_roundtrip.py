"""The edited round trip: every unit translated as ``※ + msgid + ※`` rebuilds to the source once
the marks are removed (bytes and parse), and every msgid parses alone as its span does in place.

The identity rebuild cannot find a unit cut in the wrong place (a unit whose msgid is untouched
puts back its source span); this can. Inputs: generated documents, the golden files, the corpus,
and CommonMark-spec-like cases written here (the spec itself is not shipped by any package the
project installs, and nothing is fetched at test time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_roundtrip_property import FAST, OPTIONS, document, front_matter

from conftest import CORPUS, DATA
from transpub.markdown.edited import MARKS, problems
from transpub.markdown.segmenter import SegmentOptions, segment, unit_events

GOLDEN = sorted(p for p in DATA.glob("*.md") if not p.name.endswith(".en.md"))
CORPUS_FILES = sorted(CORPUS.rglob("*.md")) if CORPUS.is_dir() else []


@FAST
@given(st.one_of(document, front_matter), st.sampled_from(OPTIONS))
def test_edited_round_trip_on_generated_documents(text: str, options: SegmentOptions) -> None:
    assert problems(text, options) == []


@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: p.stem)
def test_edited_round_trip_on_golden_files(case: Path) -> None:
    assert problems(case.read_bytes().decode("utf-8")) == []


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_edited_round_trip_on_the_corpus(path: Path) -> None:
    assert problems(path.read_bytes().decode("utf-8")) == []


# (source, msgids): one kind of boundary each, as the CommonMark spec writes its examples.
CASES = [
    # 1. A leading backslash escape belongs to the unit.
    ("\\*甲*\n", ["\\*甲*"]),
    ("\\\\*甲*\n", ["\\\\*甲*"]),  # an escaped backslash, then real emphasis
    ("\\![foo]\n\n[foo]: /url\n", ["\\![foo]"]),
    ("\\[foo]\n\n[foo]: /url\n", ["\\[foo]"]),
    ("# \\#1 活动\n", ["\\#1 活动"]),
    ("## \\> 引用\n", ["\\> 引用"]),
    ("| \\| 甲 | 乙 |\n| --- | --- |\n| 丙 | 丁 |\n", ["\\| 甲", "乙", "丙", "丁"]),
    ("- \\- 项目\n", ["\\- 项目"]),
    ("> \\*注意*\n", ["\\*注意*"]),
    ("1\\. 不是列表\n", ["1\\. 不是列表"]),
    # 2. A collapsed reference keeps its `[]` at the end of a unit, in mid-sentence too.
    ("See [foo][]\n\n[foo]: /url\n", ["See [foo][]"]),
    ("见 ![图][]\n\n[图]: a.png\n", ["见 ![图][]"]),
    ("# 见 [foo][]\n\n[foo]: /url\n", ["见 [foo][]"]),
    ("See [foo][] here\n\n[foo]: /url\n", ["See [foo][] here"]),
    ("See [foo][bar]\n\n[bar]: /url\n", ["See [foo][bar]"]),
    # 3. A hard break of trailing spaces is a backslash in the msgid.
    ("foo  \nbaz\n", ["foo\\\nbaz"]),
    ("foo   \r\nbaz\r\n", ["foo\\\nbaz"]),
    ("> 甲  \n> 乙\n", ["甲\\\n乙"]),
    ("- 甲  \n  乙\n", ["甲\\\n乙"]),
    ("foo\\\nbaz\n", ["foo\\\nbaz"]),
    ("甲\t  \n开源社\n", ["甲\\\n开源社"]),  # blanks before the spaces go too
    ("`code  \nspan` 甲\n", ["`code  \nspan` 甲"]),  # inside a code span: not a break
    # 4. Lone CRs end lines of an HTML block as LF and CRLF do.
    ("<div>\r甲乙\r丙丁</div>\r", ["甲乙\n丙丁"]),  # one element: one unit
    ("<p>\r\n甲乙\r\n</p>\r\n", ["甲乙"]),
    # Continuation lines that would start blocks alone are still one paragraph.
    ("foo\n    # bar\n", ["foo\n# bar"]),
    ("> foo\nbar\n===\n", ["foo\nbar\n==="]),
    ("## 1. 可持续发展\n", ["1. 可持续发展"]),
    # Display math over CRLF lines: the msgid's lines end in LF.
    ("$$\r\n$$开源社\r\n", ["$$\n$$开源社"]),
    # 5. NUL reads as U+FFFD.
    ("甲\x00乙\n", ["甲\ufffd乙"]),
]


@pytest.mark.parametrize(("source", "msgids"), CASES)
def test_unit_boundaries(source: str, msgids: list[str]) -> None:
    segmented = segment(source)
    assert [u.msgid for u in segmented.units] == msgids
    assert segmented.rebuild({}) == source
    assert problems(source) == []


def test_a_translation_of_an_escaped_start_keeps_the_literal() -> None:
    """`b *a*` for `\\*a*` was rebuilt as `\\b *a*` (a literal `\\b`, then emphasis)."""
    segmented = segment("\\*甲*\n")
    assert segmented.rebuild({"\\*甲*": "b \\*a*"}) == "b \\*a*\n"


def test_a_translation_of_a_collapsed_reference_keeps_its_brackets() -> None:
    segmented = segment("See [foo][]\n\n[foo]: /url\n")
    result = segmented.rebuild({"See [foo][]": "[foo][] sehen"})
    assert result == "[foo][] sehen\n\n[foo]: /url\n"


@pytest.mark.parametrize(
    ("translation", "expected"),
    [
        ("A\\\nB", "A  \nB\n"),  # the backslash kept: the source's spaces come back
        ("A\nB", "A\nB\n"),  # the break dropped: no stray trailing spaces either
        ("A\\\nB\\\nC", "A  \nB  \nC\n"),  # an added line breaks as the last one did
    ],
)
def test_hard_breaks_survive_editors(translation: str, expected: str) -> None:
    segmented = segment("甲  \n乙\n")
    assert segmented.units[0].msgid == "甲\\\n乙"
    assert segmented.rebuild({"甲\\\n乙": translation}) == expected


def test_a_trimmed_hard_break_is_a_check_error() -> None:
    from transpub.checks.base import CheckContext
    from transpub.checks.markup import InlineMarkupCheck

    found = InlineMarkupCheck().check("甲\\\n乙", "A\nB", CheckContext(kind="paragraph"))
    assert found == ["the translation has 0 hard line breaks, the source 1"]


def test_msgids_parse_as_inline_content() -> None:
    """Checks and engines parse a msgid alone: as the text it is in place, not as new blocks."""
    assert [e for e, _ in unit_events("1. 目标")][1] == {"Text": "1. 目标"}
    assert [e for e, _ in unit_events("甲\n- 乙")][1:4] == [
        {"Text": "甲"},
        "SoftBreak",
        {"Text": "- 乙"},
    ]
    events = unit_events("_甲_ [b][]")
    assert events[1] == ({"Start": "Emphasis"}, {"start": 0, "end": 5})
    assert events[-2][1] == {"start": 6, "end": 11}  # the link's range includes `[]`


def test_a_mark_in_the_source_is_not_taken_for_one_added() -> None:
    assert problems(f"{MARKS[0]}甲 \\*a*\n") == []
