"""Links in real-world Markdown (issue 9 item 5): in-page anchors that follow a translated
heading, relabelled and collapsed references, reference titles, Chinese inside inline code."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_draft, record_review
from transpub.catalog.sync import build_article, sync_article
from transpub.checks.base import CheckContext, Severity, run_checks
from transpub.checks.report import check_article
from transpub.config import SiteSettings
from transpub.markdown.segmenter import segment
from transpub.markdown.structure import differences
from transpub.publish.layouts import create_layout

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
IDS = {"links", "inline-markup", "translated-code"}


def findings(source: str, target: str) -> list[tuple[str, Severity, str]]:
    only = lambda cls: cls.check_id in IDS  # noqa: E731
    found = run_checks(source, target, (), CheckContext(kind="paragraph"), only)
    return [(f.check, f.severity, f.message) for f in found]


ENTRY = [
    pytest.param("[分段更新](#分段更新)", "[Rolling update](#rolling-update)", set(), id="anchor"),
    pytest.param(
        "[分段更新](#%E5%88%86%E6%AE%B5%E6%9B%B4%E6%96%B0)",
        "[Rolling update](#rolling-update)",
        set(),
        id="percent-encoded anchor",
    ),
    pytest.param("[更新](#update)", "[Update](#updates)", {"links"}, id="latin anchor stays"),
    pytest.param("[分段更新](#分段更新)", "[Rolling update](/x)", {"links"}, id="not in-page"),
    pytest.param(
        "见[治理文档][治理文档]。", "See the [governance documents][治理文档].", set(), id="relabel"
    ),
    pytest.param(
        "见[治理文档][]。", "See the [governance documents][治理文档].", set(), id="collapsed kept"
    ),
    pytest.param(
        "运行 `alert('正在上传！')` 即可。",
        "Run `alert('Uploading!')`.",
        {"translated-code"},
        id="chinese code translated",
    ),
    pytest.param("运行 `make` 即可。", "Run `make all`.", {"inline-markup"}, id="latin code"),
    pytest.param(
        "运行 `alert('正在上传！')` 即可。", "Run it.", {"inline-markup"}, id="chinese code lost"
    ),
]


@pytest.mark.parametrize(("source", "target", "expected"), ENTRY)
def test_entry_checks(source: str, target: str, expected: set[str]) -> None:
    assert {check for check, _, _ in findings(source, target)} == expected


def test_translated_chinese_code_is_a_warning() -> None:
    [(check, severity, message)] = findings("运行 `alert('正在上传！')`。", "Run `alert('Up!')`.")
    assert (check, severity) == ("translated-code", Severity.WARNING)
    assert "still works" in message


def test_collapsed_reference_says_to_keep_the_label() -> None:
    [(check, severity, message)] = findings("打开[仪表板][]。", "Open the [Dashboard][].")
    assert (check, severity) == ("links", Severity.ERROR)
    assert "must keep its label: write [Dashboard][仪表板]" in message


SOURCE = "# 指南\n\n见[分段更新](#分段更新)。\n\n## 分段更新\n\n正文。\n"
HUGO = create_layout(SiteSettings(layout="hugo")).heading_ids
VITEPRESS = create_layout(SiteSettings(layout="vitepress")).heading_ids


def translated(anchor: str, heading: str = "Rolling update") -> str:
    return f"# Guide\n\nSee [rolling update]({anchor}).\n\n## {heading}\n\nBody.\n"


@pytest.mark.parametrize("anchor", ["#分段更新", "#rolling-update"])
def test_build_accepts_the_original_or_the_translated_anchor(anchor: str) -> None:
    assert differences(SOURCE, translated(anchor), VITEPRESS) == []
    assert differences(SOURCE, translated(anchor), HUGO) == []


def test_build_refuses_an_anchor_of_no_heading() -> None:
    assert differences(SOURCE, translated("#rolling-updates"), VITEPRESS) == [
        "the translation lost link target '#分段更新'",
        "the translation adds link target '#rolling-updates'",
    ]
    assert differences(SOURCE, translated("#rolling-update")) != []  # no site: exact anchors


def test_each_layout_has_its_own_id_rules() -> None:
    heading = "What's new"
    assert differences(SOURCE, translated("#what-s-new", heading), VITEPRESS) == []
    assert differences(SOURCE, translated("#whats-new", heading), HUGO) == []
    assert differences(SOURCE, translated("#whats-new", heading), VITEPRESS) != []
    assert differences(SOURCE, translated("#what-s-new", heading), HUGO) != []


def test_repeated_headings_get_numbered_ids() -> None:
    source = "## 背景\n\n## 背景\n\n见[第二个](#背景-1)。\n"
    translation = "## Background\n\n## Background\n\nSee [the second](#background-1).\n"
    assert differences(source, translation, VITEPRESS) == []
    wrong = translation.replace("#background-1", "#background")
    assert differences(source, wrong, VITEPRESS) != []


def test_build_accepts_translated_chinese_code_but_counts_it() -> None:
    source = "运行 `alert('正在上传！')` 即可。\n"
    assert differences(source, "Run `alert('Uploading!')`.\n") == []
    assert differences(source, "Run it.\n") == [
        "the translation lost inline code '(a code span with Chinese)'"
    ]


def test_reference_definition_title_is_offered() -> None:
    source = '见[治理文档][]。\n\n[治理文档]: /gov "治理"\n'
    segmented = segment(source)
    assert [u.msgid for u in segmented.units] == ["见[治理文档][]。", "治理"]
    result = segmented.rebuild(
        {"见[治理文档][]。": "See the [governance documents][治理文档].", "治理": 'The "rules"'}
    )
    assert result == (
        'See the [governance documents][治理文档].\n\n[治理文档]: /gov "The &quot;rules&quot;"\n'
    )
    assert differences(source, result) == []


@pytest.mark.parametrize("anchor", ["#rolling-update", "#分段更新"])
def test_check_and_build_follow_the_translated_heading(project_dir: Path, anchor: str) -> None:
    write_article(project_dir, "guide", "---\ntitle: 指南\n---\n\n" + SOURCE)
    project = Project.open(project_dir)
    article = project.article("guide")
    sync_article(project, article, now=NOW)
    po = pofile.load(article.catalog)
    answers = {
        "指南": "Guide",
        "见[分段更新](#分段更新)。": f"See [rolling update]({anchor}).",
        "分段更新": "Rolling update",
        "正文。": "Body.",
    }
    for entry in po:
        record_draft(entry, answers[entry.msgid], "human", "wang")
        record_review(entry, "li")
    pofile.save(po, article.catalog)
    report = check_article(project, article, None)
    assert report.errors == []
    assert build_article(project, article).endswith(translated(anchor))
    # The original anchor is accepted, but the English page has no such heading: a warning.
    expected = (
        []
        if anchor == "#rolling-update"
        else [
            (
                "anchors",
                7,
                "the in-page link #分段更新 names a heading the translation renames: "
                "write #rolling-update",
            )
        ]
    )
    assert [(f.check, f.line, f.message) for f in report.warnings] == expected


def test_po2md_outside_a_project_lets_an_in_page_link_follow_its_heading(tmp_path: Path) -> None:
    """po2md compares as build does: outside a project with the default layout's heading ids."""
    from transpub.catalog.convert import md2po, po2md

    source = tmp_path / "zh.md"
    text = "# 标题\n\n见[分段更新](#分段更新)。\n\n## 分段更新\n\n正文。\n"
    source.write_text(text, encoding="utf-8")
    md2po(source, tmp_path / "en.po")
    po = pofile.load(tmp_path / "en.po")
    english = {
        "标题": "Title",
        "见[分段更新](#分段更新)。": "See [Rolling update](#rolling-update).",
        "分段更新": "Rolling update",
        "正文。": "Body.",
    }
    for entry in po:
        entry.msgstr = english[entry.msgid]
    pofile.save(po, tmp_path / "en.po")
    po2md(source, tmp_path / "en.po", tmp_path / "en.md")
    assert "See [Rolling update](#rolling-update)." in (tmp_path / "en.md").read_text("utf-8")
