"""Check = build: a translation that would make ``build`` refuse the page cannot be approved.

A translation that would open a block where its source continues text is escaped on rebuild
(`一、总体目标` → `1\\. Overall goals`, which reads "1. Overall goals"), so build accepts it; what
build still refuses is a check error of the article (``build``), so approval is refused first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import approval, record_draft, record_review
from transpub.catalog.sync import build_article, sync_article
from transpub.checks.report import BUILD_CHECK, check_article
from transpub.errors import ApprovalError, StructureError
from transpub.markdown.segmenter import segment
from transpub.markdown.structure import differences
from transpub.review.actions import approve_checked

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "translation", "expected"),
    [
        ("一、总体目标\n", "1. Overall goals", "1\\. Overall goals\n"),
        ("一、总体目标\n", "1) Overall goals", "1\\) Overall goals\n"),
        ("说明\n", "- a note", "\\- a note\n"),
        ("说明\n", "* a note", "\\* a note\n"),
        ("说明\n", "+ a note", "\\+ a note\n"),
        ("说明\n", "> a quote", "\\> a quote\n"),
        ("说明\n", "# a title", "\\# a title\n"),
        ("说明\n", "```js", "\\```js\n"),
        ("说明\n", "<div>x</div>", "\\<div>x</div>\n"),
        ("说明\n", "[a]: /b", "\\[a]: /b\n"),
        ("第一行\n第二行\n", "Title\n---", "Title\n\\---\n"),
        ("第一行\n第二行\n", "Title\n===", "Title\n\\===\n"),
        ("第一行\n第二行\n", "First\n***", "First\n\\***\n"),
        ("第一行\n第二行\n", "First\n2. second", "First\n2\\. second\n"),
        ("- 项目\n", "- item", "- \\- item\n"),
        ("> 引用\n", "> quoted", "> \\> quoted\n"),
        ("1. 第一\n", "2. first", "1. 2\\. first\n"),
        # Indentation would make code, a blank line a second paragraph: both dropped.
        ("说明\n", "    indented", "indented\n"),
        ("第一行\n第二行\n", "One\n\nTwo", "One\nTwo\n"),
        # A heading or a cell is one line: nothing there opens a block.
        ("# 标题\n", "1. Goals", "# 1. Goals\n"),
        # What the source's own line has is kept: a continuation line starting with `-`.
        ("甲\n    - 乙\n", "A\n- B", "A\n    - B\n"),
    ],
)
def test_a_translation_never_adds_a_block(source: str, translation: str, expected: str) -> None:
    segmented = segment(source)
    [unit] = segmented.units
    result = segmented.rebuild({unit.msgid: translation})
    assert result == expected
    assert differences(source, result) == []


@pytest.fixture
def article(project_dir: Path) -> tuple[Project, Article]:
    write_article(
        project_dir,
        "plan",
        "---\ntitle: 工作计划\n---\n\n见[官网](https://kaiyuanshe.cn)。\n\n一、总体目标\n",
    )
    project = Project.open(project_dir)
    found = project.article("plan")
    sync_article(project, found, now=NOW)
    return project, found


def _translate(article: Article, texts: dict[str, tuple[str, list[str]]]) -> None:
    po = pofile.load(article.catalog)
    for entry in po:
        text, flags = texts[entry.msgid]
        record_draft(entry, text, "human", "wang")
        record_review(entry, "li")
        entry.flags.extend(flags)
    pofile.save(po, article.catalog)


def test_what_build_refuses_is_a_check_error_and_blocks_approval(
    article: tuple[Project, Article],
) -> None:
    project, found = article
    # The reviewer silenced the link check: only the build check is left to catch it.
    _translate(
        found,
        {
            "工作计划": ("Work plan", []),
            "见[官网](https://kaiyuanshe.cn)。": ("See the website.", ["ignore-links"]),
            "一、总体目标": ("1. Overall goals", []),
        },
    )
    report = check_article(project, found, None)
    assert [(f.check, f.line, f.msgid) for f in report.errors] == [
        (BUILD_CHECK, 5, "见[官网](https://kaiyuanshe.cn)。")
    ]
    assert "lost link target 'https://kaiyuanshe.cn'" in report.errors[0].message
    with pytest.raises(ApprovalError, match=r"\[build\]"):
        approve_checked(project, found, "zhao", NOW)
    assert approval(pofile.load(found.catalog)) is None


def test_an_added_block_is_escaped_so_build_and_approval_agree(
    article: tuple[Project, Article],
) -> None:
    project, found = article
    _translate(
        found,
        {
            "工作计划": ("Work plan", []),
            "见[官网](https://kaiyuanshe.cn)。": ("See [the website](https://kaiyuanshe.cn).", []),
            "一、总体目标": ("1. Overall goals", []),
        },
    )
    assert check_article(project, found, None).errors == []
    approve_checked(project, found, "zhao", NOW)
    assert build_article(project, found).endswith("\n\n1\\. Overall goals\n")


PINNED = """\
---
title: 测试文章
---

## 基础

开始。

<Note>
这种方法很好。
另一段。
</Note>

## 仪表板

开始。

请看[仪表板][]。

[仪表板]: https://example.com/dash
"""


@pytest.mark.parametrize(
    ("msgid", "translation", "line", "said"),
    [
        # an extra closing tag inside a component's body: the HTML block changes at line 9
        (
            "这种方法很好。\n另一段。",
            "This way is good.</Note>\nAnother.",
            10,
            "end of HTML block with tags <Note> </Note> </Note>",
        ),
        # a collapsed reference relabelled: the document loses the definition's target
        ("请看[仪表板][]。", "See the [dashboard][].", 18, "lost link target"),
    ],
)
def test_a_refusal_names_the_entry_whose_translation_changed(
    project_dir: Path, msgid: str, translation: str, line: int, said: str
) -> None:
    write_article(project_dir, "pinned", PINNED)
    project = Project.open(project_dir)
    found = project.article("pinned")
    sync_article(project, found, now=NOW)
    po = pofile.load(found.catalog)
    [entry] = [e for e in po if e.msgid == msgid]
    record_draft(entry, translation, "human", "wang")
    pofile.save(po, found.catalog)
    with pytest.raises(StructureError) as refused:
        build_article(project, found, include_drafts=True)
    assert f"zh.md:{line} (entry {msgid[:20]!r}): " in str(refused.value)
    assert said in str(refused.value)
    # the check names the same entry
    [error] = [e for e in check_article(project, found, None).errors if e.check == BUILD_CHECK]
    assert (error.check, error.line, error.msgid) == (BUILD_CHECK, line, msgid)
