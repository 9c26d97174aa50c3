"""The ``transpub`` command line: add, sync, status, md2po/po2md, build, approve, usage, docs."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import yaml

from conftest import DATA, ROOT, write_article
from transpub.catalog import pofile
from transpub.catalog.queue import APPROVED_BY, APPROVED_HASH, translation_hash
from transpub.cli import build_parser, main

ARTICLE = """\
---
title: 开源社年度报告
summary: 一年的工作
---

# 开源社 2024

开源社成立于 2014 年，是一个开源社区。

- 第一项工作
- 第二项工作

| 项目 | 数量 |
| --- | --- |
| 活动 | 12 |

见 [官网](https://kaiyuanshe.cn/)。
"""

TRANSLATIONS = {
    "开源社年度报告": "KaiYuanShe Annual Report",
    "一年的工作": "A year of work",
    "开源社 2024": "KaiYuanShe 2024",
    "开源社成立于 2014 年，是一个开源社区。": "KaiYuanShe, founded in 2014, is a community.",
    "第一项工作": "First task",
    "第二项工作": "Second task",
    "项目": "Item",
    "数量": "Count",
    "活动": "Events",
    "见 [官网](https://kaiyuanshe.cn/)。": "See [the website](https://kaiyuanshe.cn/).",
}

ENGLISH = """\
---
title: KaiYuanShe Annual Report
summary: A year of work
---

# KaiYuanShe 2024

KaiYuanShe, founded in 2014, is a community.

- First task
- Second task

| Item | Count |
| --- | --- |
| Events | 12 |

See [the website](https://kaiyuanshe.cn/).
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ")
    return lines[0]


def edit_catalog(path: Path, translations: dict[str, str], *, fuzzy: bool) -> None:
    """What a translator does in a PO editor: set msgstr, and keep or clear the fuzzy flag."""
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid in translations and not entry.obsolete:
            entry.msgstr = translations[entry.msgid]
            if fuzzy and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
            if not fuzzy and "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()


@pytest.fixture
def synced(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project with the article ``report`` synced; returns its en.po."""
    write_article(project_dir, "report", ARTICLE)
    assert run(capsys, "-C", str(project_dir), "sync")[0] == 0
    return project_dir / "articles" / "report" / "en.po"


# --- add --------------------------------------------------------------------------------------

TITLE_FROM_HEADING = [
    pytest.param("# 开源社 2024 年报\n\n正文。\n", "开源社 2024 年报", id="atx"),
    pytest.param("开源社年报\n=====\n\n正文。\n", "开源社年报", id="setext"),
    pytest.param("# 开源社: 年报 #1\n\n正文。\n", "开源社: 年报 #1", id="yaml-special-characters"),
    pytest.param("# 开源社年报\r\n\r\n正文。\r\n", "开源社年报", id="crlf"),
    pytest.param("\ufeff# 开源社年报\n\n正文。", "开源社年报", id="bom-no-final-newline"),
    pytest.param("正文在前。\n\n## 第二级标题\n\n# 第一级\n", "第二级标题", id="first-not-top"),
    pytest.param("# true\n\n正文。\n", "true", id="yaml-boolean-word"),
]


@pytest.mark.parametrize(("text", "title"), TITLE_FROM_HEADING)
def test_add_takes_a_missing_title_from_the_first_heading(
    project_dir: Path, capsys: pytest.CaptureFixture[str], text: str, title: str
) -> None:
    src = project_dir / "plan.md"
    src.write_bytes(text.encode("utf-8"))
    code, out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert (code, err) == (0, "")
    target = project_dir / "articles" / "plan" / "zh.md"
    assert out == f"added {target.resolve()}\n"
    added = target.read_bytes().decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    eol = "\r\n" if "\r\n" in text else "\n"
    head, body = added[len(bom) :].split(f"{eol}---{eol}{eol}", 1)
    assert added.startswith(f"{bom}---{eol}title: ")
    assert body == text[len(bom) :]  # the document itself is kept byte for byte
    assert yaml.safe_load(head.removeprefix("---")) == {"title": title}
    # and the result is a valid article
    assert run(capsys, "-C", str(project_dir), "sync", "plan")[0] == 0
    po = pofile.load(target.parent / "en.po")
    assert po.metadata["Project-Id-Version"] == title


def test_add_completes_front_matter_without_a_title(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = project_dir / "plan.md"
    src.write_text(
        "---\nsummary: 摘要\ntags: [a, b]\n---\n\n# 工作计划\n\n正文。\n", encoding="utf-8"
    )
    assert run(capsys, "-C", str(project_dir), "add", str(src))[0] == 0
    added = (project_dir / "articles" / "plan" / "zh.md").read_text(encoding="utf-8")
    assert (
        added == "---\ntitle: 工作计划\nsummary: 摘要\ntags: [a, b]\n---\n\n# 工作计划\n\n正文。\n"
    )


@pytest.mark.parametrize(
    "front",
    [
        pytest.param("title:\n", id="null"),
        pytest.param('title: ""\n', id="empty-string"),
        pytest.param("title: '  '\n", id="blank"),
    ],
)
def test_add_fills_an_empty_title_from_the_first_heading(
    project_dir: Path, capsys: pytest.CaptureFixture[str], front: str
) -> None:
    src = project_dir / "plan.md"
    src.write_text(f"---\n{front}summary: 摘要\n---\n\n# 工作计划\n\n正文。\n", encoding="utf-8")
    code, _out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert (code, err) == (0, "")
    added = (project_dir / "articles" / "plan" / "zh.md").read_text(encoding="utf-8")
    assert added == "---\ntitle: 工作计划\nsummary: 摘要\n---\n\n# 工作计划\n\n正文。\n"


KEPT = [
    pytest.param("---\ntitle: 开源社年报\n---\n\n# 另一个标题\n\n正文。\n", id="plain"),
    pytest.param(
        '---\r\ntitle:   "开源社 2024 年报"   # 注释\r\nsummary: >\r\n  摘要\r\n---\r\n\r\n正文。',
        id="crlf-quoted-comment-no-final-newline",
    ),
    pytest.param("\ufeff---\ntitle: 开源社年报\n---\n正文。\n", id="bom"),
]


@pytest.mark.parametrize("text", KEPT)
def test_add_keeps_an_existing_title_byte_for_byte(
    project_dir: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    src = project_dir / "plan.md"
    src.write_bytes(text.encode("utf-8"))
    assert run(capsys, "-C", str(project_dir), "add", str(src))[0] == 0
    assert (project_dir / "articles" / "plan" / "zh.md").read_bytes() == src.read_bytes()


def test_add_the_corpus_documents(
    project_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_front_matter = corpus / "report-2024" / "zh" / "preface.md"
    without = corpus / "seeds" / "2025-26-international-plan.md"
    assert run(capsys, "-C", str(project_dir), "add", str(with_front_matter))[0] == 0
    assert run(capsys, "-C", str(project_dir), "add", str(without), "--slug", "plan-2025")[0] == 0
    articles = project_dir / "articles"
    assert (articles / "preface" / "zh.md").read_bytes() == with_front_matter.read_bytes()
    added = (articles / "plan-2025" / "zh.md").read_text(encoding="utf-8")
    assert added == "---\ntitle: 2025-26 国际接轨组工作计划\n---\n\n" + without.read_text(
        encoding="utf-8"
    )
    code, out, _err = run(capsys, "-C", str(project_dir), "sync")
    assert code == 0
    assert out.count(": updated,") == 2


@pytest.mark.parametrize(
    ("name", "slug_args", "slug"),
    [
        ("2024 Plan.md", [], "2024-plan"),
        ("Work_Plan (v2).md", [], "work-plan-v2"),
        ("中文.md", ["--slug", "chinese-plan"], "chinese-plan"),
        ("plan.md", ["--slug", "2025-26-international-plan"], "2025-26-international-plan"),
    ],
)
def test_add_chooses_the_slug(
    project_dir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    slug_args: list[str],
    slug: str,
) -> None:
    src = project_dir / name
    src.write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "-C", str(project_dir), "add", str(src), *slug_args)[0] == 0
    assert [p.name for p in (project_dir / "articles").iterdir()] == [slug]
    assert (project_dir / "articles" / slug / "zh.md").read_text(encoding="utf-8") == ARTICLE


def test_add_asks_for_a_slug_when_the_name_gives_none(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = project_dir / "中文.md"
    src.write_text(ARTICLE, encoding="utf-8")
    code, out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert (code, out) == (2, "")
    line = one_error(err)
    assert str(src) in line
    assert "--slug" in line
    assert list((project_dir / "articles").iterdir()) == []


def test_add_refuses_to_overwrite_a_different_article(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = write_article(project_dir, "plan", ARTICLE)
    before = existing.read_bytes()
    src = project_dir / "plan.md"
    src.write_text(ARTICLE.replace("12", "13"), encoding="utf-8")
    code, out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert (code, out) == (2, "")
    line = one_error(err)
    assert str(existing.resolve()) in line
    assert "already exists" in line
    assert existing.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(ARTICLE, id="lf"),
        pytest.param("# 开源社年报\n\n正文。\n", id="lf-title-added"),
        pytest.param(ARTICLE.replace("\n", "\r\n"), id="crlf"),
        pytest.param("# 开源社年报\r\n\r\n正文。", id="crlf-title-added-no-final-newline"),
    ],
)
def test_adding_the_same_document_again_is_harmless(
    project_dir: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    src = project_dir / "plan.md"
    src.write_bytes(text.encode("utf-8"))
    assert run(capsys, "-C", str(project_dir), "add", str(src))[0] == 0
    target = project_dir / "articles" / "plan" / "zh.md"
    first = target.read_bytes()
    code, _out, err = run(capsys, "-C", str(project_dir), "add", str(src))
    assert (code, err) == (0, "")
    assert target.read_bytes() == first


# --- sync -------------------------------------------------------------------------------------


def test_sync_reports_and_a_second_sync_changes_nothing(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(project_dir, "report", ARTICLE)
    write_article(project_dir, "other", "---\ntitle: 另一篇\n---\n\n正文。\n")
    code, out, err = run(capsys, "-C", str(project_dir), "sync")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "other: updated, 2 entries (2 new, 0 fuzzy, 0 obsolete); "
        "0 reviewed, 0 drafts, 2 untranslated",
        "report: updated, 10 entries (10 new, 0 fuzzy, 0 obsolete); "
        "0 reviewed, 0 drafts, 10 untranslated",
    ]
    po_path = project_dir / "articles" / "report" / "en.po"
    first = po_path.read_bytes()
    stat = po_path.stat()
    code, out, err = run(capsys, "-C", str(project_dir), "sync")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "other: unchanged, 2 entries (0 new, 0 fuzzy, 0 obsolete); "
        "0 reviewed, 0 drafts, 2 untranslated",
        "report: unchanged, 10 entries (0 new, 0 fuzzy, 0 obsolete); "
        "0 reviewed, 0 drafts, 10 untranslated",
    ]
    assert po_path.read_bytes() == first
    assert po_path.stat().st_mtime_ns == stat.st_mtime_ns  # not even rewritten


def test_sync_keeps_translations_and_reports_changes(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = synced.parents[2]
    edit_catalog(synced, TRANSLATIONS, fuzzy=False)
    code, out, _err = run(capsys, "-C", str(project_dir), "sync", "report")
    assert code == 0
    assert out.startswith("report: unchanged, 10 entries")
    assert out.rstrip().endswith("10 reviewed, 0 drafts, 0 untranslated")
    source = synced.parent / "zh.md"
    source.write_text(
        ARTICLE.replace("是一个开源社区。", "是一个开源社区组织。").replace("- 第二项工作\n", ""),
        encoding="utf-8",
    )
    code, out, _err = run(capsys, "-C", str(project_dir), "sync", "report")
    assert code == 0
    assert out == (
        "report: updated, 9 entries (0 new, 1 fuzzy, 1 obsolete); "
        "8 reviewed, 1 draft, 0 untranslated\n"
    )
    po = pofile.load(synced)
    changed = po.find("开源社成立于 2014 年，是一个开源社区组织。")
    assert changed is not None
    assert "fuzzy" in changed.flags
    assert changed.previous_msgid == "开源社成立于 2014 年，是一个开源社区。"
    assert [e.msgid for e in po.obsolete_entries()] == ["第二项工作"]


def test_sync_only_the_named_articles(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(project_dir, "one", ARTICLE)
    write_article(project_dir, "two", ARTICLE)
    code, out, _err = run(capsys, "-C", str(project_dir), "sync", "two")
    assert code == 0
    assert out.startswith("two: updated")
    assert not (project_dir / "articles" / "one" / "en.po").exists()
    code, out, err = run(capsys, "-C", str(project_dir), "sync", "three")
    assert (code, out) == (2, "")
    assert "'three'" in one_error(err)


def test_sync_from_a_subfolder_of_the_project(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(project_dir, "report", ARTICLE)
    monkeypatch.chdir(project_dir / "articles" / "report")
    code, out, _err = run(capsys, "sync")
    assert code == 0
    assert out.startswith("report: updated")
    assert (project_dir / "articles" / "report" / "en.po").is_file()


def test_synced_catalogs_pass_msgfmt_check(synced: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(synced)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- status -----------------------------------------------------------------------------------


def table(out: str) -> dict[str, list[str]]:
    """The status table's rows by their first cell (separator lines dropped)."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()]
    return {row[0]: row[1:] for row in rows if not set(row[0]) <= {"-"}}


def test_status_table_and_json(synced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project_dir = synced.parents[2]
    write_article(project_dir, "fresh", "---\ntitle: 新文章\n---\n\n正文。\n")  # never synced
    drafts = dict(list(TRANSLATIONS.items())[:4])
    edit_catalog(synced, drafts, fuzzy=True)
    edit_catalog(synced, {"项目": "Item", "数量": "Count"}, fuzzy=False)

    code, out, err = run(capsys, "-C", str(project_dir), "status")
    assert (code, err) == (0, "")
    rows = table(out)
    assert rows["article"] == ["state", "untranslated", "draft", "reviewed", "total", "reviewed %"]
    assert rows["fresh"] == ["new", "0", "0", "0", "0", "0%"]
    assert rows["report"] == ["translating", "4", "4", "2", "10", "20%"]
    assert rows["total"] == ["2 articles", "4", "4", "2", "10", "20%"]
    assert list(rows) == ["article", "fresh", "report", "total"]

    code, out, err = run(capsys, "-C", str(project_dir), "status", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data == [
        {
            "slug": "fresh",
            "state": "new",
            "untranslated": 0,
            "draft": 0,
            "reviewed": 0,
            "total": 0,
            "approved_by": None,
        },
        {
            "slug": "report",
            "state": "translating",
            "untranslated": 4,
            "draft": 4,
            "reviewed": 2,
            "total": 10,
            "approved_by": None,
        },
    ]
    code, out, _err = run(capsys, "-C", str(project_dir), "status", "--json", "report")
    assert code == 0
    assert [row["slug"] for row in json.loads(out)] == ["report"]


def test_status_shows_an_article_whose_source_was_deleted(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = synced.parents[2]
    edit_catalog(synced, {"项目": "Item"}, fuzzy=False)
    (synced.parent / "zh.md").unlink()
    code, out, err = run(capsys, "-C", str(project_dir), "status")
    assert (code, err) == (0, "")
    assert table(out)["report"] == ["source missing", "9", "0", "1", "10", "10%"]
    assert "report: source missing; restore it from git (`git -C " in out
    code, out, err = run(capsys, "-C", str(project_dir), "status", "report")
    assert code == 2 and "the source of article 'report' is missing" in err


def test_status_of_an_empty_project(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "-C", str(project_dir), "status", "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out, _err = run(capsys, "-C", str(project_dir), "status")
    assert code == 0
    assert table(out)["total"] == ["0 articles", "0", "0", "0", "0", "0%"]


# --- md2po / po2md, without a project ---------------------------------------------------------

ROUND_TRIP = [
    "report-2024/zh/preface.md",
    "report-2024/zh/ossAI.md",
    "seeds/2025-26-international-plan.md",
    "seeds/openai-open-source-fund.md",
]
DATA_FILES = ["crlf.md", "bom-no-final-newline.md", "tables.md", "frontmatter.md", "html.md"]


@pytest.fixture
def no_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no transpub.toml here or above."""
    folder = tmp_path / "loose"
    folder.mkdir()
    assert not any((p / "transpub.toml").exists() for p in (folder, *folder.parents))
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize(
    "source",
    [*(f"corpus:{name}" for name in ROUND_TRIP), *(f"data:{name}" for name in DATA_FILES)],
)
def test_md2po_po2md_identity_round_trip(
    no_project: Path, corpus: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    where, name = source.split(":", 1)
    original = (corpus if where == "corpus" else DATA) / name
    src = no_project / Path(name).name
    shutil.copyfile(original, src)
    code, out, err = run(capsys, "md2po", src.name, "-o", "out.po")
    assert code == 0
    assert out == ""
    entries = len([e for e in polib.pofile("out.po") if e.msgid])
    assert err == f"out.po: {entries} entries\n"
    assert entries > 0
    code, out, err = run(capsys, "po2md", src.name, "out.po", "-o", "out.md")
    assert (code, out, err) == (0, "", "")
    assert (no_project / "out.md").read_bytes() == original.read_bytes()


def test_po2md_uses_the_translations(no_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[:3] == (0, "", "")
    edit_catalog(no_project / "report.po", {"第一项工作": "First task"}, fuzzy=False)
    edit_catalog(no_project / "report.po", {"第二项工作": "Second task"}, fuzzy=True)
    assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")[0] == 0
    english = (no_project / "en.md").read_text(encoding="utf-8")
    assert english == ARTICLE.replace("第一项工作", "First task")
    assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md", "--fuzzy")[0] == 0
    english = (no_project / "en.md").read_text(encoding="utf-8")
    assert english == ARTICLE.replace("第一项工作", "First task").replace(
        "第二项工作", "Second task"
    )


def test_md2po_merges_into_an_existing_catalog(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "report.md", "-o", "report.po")[0] == 0
    edit_catalog(no_project / "report.po", TRANSLATIONS, fuzzy=False)
    (no_project / "report.md").write_text(ARTICLE + "\n新的一段。\n", encoding="utf-8")
    code, _out, err = run(capsys, "md2po", "report.md", "-o", "report.po")
    assert (code, err) == (0, "report.po: 11 entries\n")
    po = polib.pofile("report.po")
    assert {e.msgid: e.msgstr for e in po if e.msgid} == {**TRANSLATIONS, "新的一段。": ""}
    assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")[0] == 0
    assert (no_project / "en.md").read_text(encoding="utf-8") == ENGLISH + "\n新的一段。\n"


BREAKS = [
    pytest.param("见 [官网](https://kaiyuanshe.cn/)。", "See the website.", "link", id="lost-link"),
    pytest.param(
        "开源社成立于 2014 年，是一个开源社区。",
        "KaiYuanShe ([site](https://x.example/)).",
        "link",
        id="added-link",
    ),
    pytest.param("第一项工作", "First `task`", "code", id="added-code"),
]
# Translations that would open blocks the source does not have are escaped instead.
ESCAPED = [
    pytest.param(
        "开源社成立于 2014 年，是一个开源社区。", "# KaiYuanShe", "\\# KaiYuanShe", id="heading"
    ),
    pytest.param(
        "第一项工作", "First\n\nSecond paragraph", "First\n  Second paragraph", id="extra-paragraph"
    ),
    pytest.param(
        "开源社成立于 2014 年，是一个开源社区。", "```\ncode", "\\```\ncode", id="code-fence"
    ),
]


def test_po2md_refuses_a_catalog_made_from_another_file(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    (no_project / "other.md").write_text("# 别的文件\n\n完全不同的内容。\n", encoding="utf-8")
    assert run(capsys, "md2po", "-q", "other.md", "-o", "other.po")[0] == 0
    code, out, err = run(capsys, "po2md", "report.md", "other.po", "-o", "en.md")
    assert code == 2 and out == ""
    line = one_error(err)
    assert line.startswith("Error: other.po: this is the wrong catalog for report.md: none of ")
    assert "merges" not in line and "-o other.po" not in line
    assert not (no_project / "en.md").exists()


def test_po2md_names_the_catalog_beside_the_source_never_a_merge_into_another(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for slug, text in (("a", ARTICLE), ("b", "# 别的文件\n\n完全不同的内容。\n")):
        (no_project / slug).mkdir()
        (no_project / slug / "zh.md").write_text(text, encoding="utf-8")
        assert run(capsys, "md2po", "-q", f"{slug}/zh.md", "-o", f"{slug}/en.po")[0] == 0
    code, out, err = run(capsys, "po2md", "a/zh.md", "b/en.po", "-o", "x.md")
    assert (code, out) == (2, "")
    line = one_error(err)
    assert line.startswith("Error: b/en.po: this is the wrong catalog for a/zh.md: none of ")
    assert "the catalog of a/zh.md is a/en.po" in line and "merges" not in line
    assert not (no_project / "x.md").exists()


def test_po2md_suggests_the_merge_when_some_passages_match(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    changed = ARTICLE.replace("工作", "任务").replace("开源社", "本社").replace("活动", "会议")
    (no_project / "report.md").write_text(changed, encoding="utf-8")
    code, _out, err = run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")
    line = one_error(err)
    assert code == 2 and "was not made from this version of report.md" in line
    assert "`transpub md2po report.md -o report.po` merges" in line


def test_po2md_never_suggests_a_merge_into_the_catalog_of_another_article(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some passages match, but the catalog sits beside another source (an article's zh.md):
    merging would obsolete that article's entries, so it is the wrong catalog."""
    article = no_project / "articles" / "plan"
    article.mkdir(parents=True)
    (article / "zh.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "articles/plan/zh.md", "-o", "articles/plan/en.po")[0] == 0
    draft = "# 开源社 2024\n\n另一段。\n\n第三段。\n"  # the heading is the article's
    (no_project / "draft.md").write_text(draft, encoding="utf-8")
    code, _out, err = run(capsys, "po2md", "draft.md", "articles/plan/en.po", "-o", "en.md")
    line = one_error(err)
    assert code == 2 and "this is the wrong catalog for draft.md" in line, line
    assert "is the catalog of articles/plan/zh.md" in line and "merges" not in line
    assert not (no_project / "en.md").exists()


@pytest.mark.parametrize(("msgid", "msgstr", "written"), ESCAPED)
def test_po2md_escapes_a_translation_that_would_add_a_block(
    no_project: Path, capsys: pytest.CaptureFixture[str], msgid: str, msgstr: str, written: str
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    edit_catalog(no_project / "report.po", {msgid: msgstr}, fuzzy=False)
    assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")[0] == 0
    english = (no_project / "en.md").read_text(encoding="utf-8")
    assert english == ARTICLE.replace(msgid, written)


@pytest.mark.parametrize(("msgid", "msgstr", "word"), BREAKS)
def test_po2md_refuses_a_translation_that_breaks_the_structure(
    no_project: Path, capsys: pytest.CaptureFixture[str], msgid: str, msgstr: str, word: str
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    edit_catalog(no_project / "report.po", {msgid: msgstr}, fuzzy=False)
    code, out, err = run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")
    assert (code, out) == (1, "")
    line = one_error(err)
    assert line.startswith("Error: report.po: ")
    assert "structure differs" in line
    assert word in line
    assert not (no_project / "en.md").exists()


def test_po2md_does_not_overwrite_with_a_broken_translation(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    (no_project / "en.md").write_text("previous output\n", encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    edit_catalog(
        no_project / "report.po", {"见 [官网](https://kaiyuanshe.cn/)。": "See it."}, fuzzy=False
    )
    assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")[0] == 1
    assert (no_project / "en.md").read_text(encoding="utf-8") == "previous output\n"


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["po2md", "missing.md", "report.po", "-o", "en.md"], "missing.md"),
        (["po2md", "report.md", "missing.po", "-o", "en.md"], "missing.po"),
        (["md2po", "missing.md", "-o", "out.po"], "missing.md"),
        (["po2md", "report.md", "report.po", "-o", "report.md/en.md"], "report.md"),
    ],
)
def test_file_commands_name_a_missing_file(
    no_project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], what: str
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert what in one_error(err)
    assert not (no_project / "en.md").exists()


def test_written_files_respect_the_umask(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outputs are ordinary files (an earlier write_atomic made them 0600 through mkstemp)."""
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
        assert run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")[0] == 0
    finally:
        os.umask(old)
    assert (no_project / "en.md").stat().st_mode & 0o777 == 0o644
    assert (no_project / "report.po").stat().st_mode & 0o777 == 0o644


# --- usage ------------------------------------------------------------------------------------

USAGE_ERRORS = [
    [],
    ["frobnicate"],
    ["md2po", "x.md"],
    ["po2md", "x.md", "x.po"],
    ["po2md", "x.md"],
    ["approve", "report"],
    ["build"],
    ["status", "--bogus"],
    ["sync", "--fuzzy"],
    ["-C"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=lambda a: " ".join(a) or "nothing")
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "usage: transpub" in err
    assert "error:" in err
    assert "Traceback" not in err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == "transpub 0.1.0\n"
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in subcommands():
        assert name in out


def test_python_dash_m_transpub_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "transpub", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, "transpub 0.1.0\n"), done.stderr


# --- build and approve ------------------------------------------------------------------------


def test_build_prints_or_writes_the_translation(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = synced.parents[2]
    code, out, err = run(capsys, "-C", str(project_dir), "build", "report")
    assert (code, out, err) == (0, ARTICLE, "")  # nothing translated yet: the source
    edit_catalog(synced, TRANSLATIONS, fuzzy=True)
    assert run(capsys, "-C", str(project_dir), "build", "report")[1] == ARTICLE
    assert run(capsys, "-C", str(project_dir), "build", "report", "--fuzzy")[1] == ENGLISH
    edit_catalog(synced, TRANSLATIONS, fuzzy=False)
    out_file = project_dir / "out" / "report.en.md"
    code, out, err = run(capsys, "-C", str(project_dir), "build", "report", "-o", str(out_file))
    assert (code, out, err) == (0, "", "")
    assert out_file.read_text(encoding="utf-8") == ENGLISH


def test_build_refuses_a_broken_translation(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = synced.parents[2]
    edit_catalog(synced, {"见 [官网](https://kaiyuanshe.cn/)。": "See the website."}, fuzzy=False)
    out_file = project_dir / "report.en.md"
    code, out, err = run(capsys, "-C", str(project_dir), "build", "report", "-o", str(out_file))
    assert (code, out) == (1, "")
    line = one_error(err)
    assert str(synced.resolve()) in line
    assert "structure differs" in line
    assert not out_file.exists()


def test_build_without_a_catalog_or_article(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(project_dir, "report", ARTICLE)
    code, out, err = run(capsys, "-C", str(project_dir), "build", "report")
    assert (code, out) == (2, "")
    line = one_error(err)
    assert "en.po" in line
    assert "transpub sync" in line
    code, out, err = run(capsys, "-C", str(project_dir), "build", "missing")
    assert (code, out) == (2, "")
    assert "'missing'" in one_error(err)


def approve(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run(capsys, "-C", str(project_dir), "approve", "report", "--by", "Zhang  San")


def test_approve_is_refused_until_every_entry_is_reviewed(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = synced.parents[2]
    untouched = synced.read_bytes()
    code, out, err = approve(project_dir, capsys)
    assert (code, out) == (2, "")
    assert "cannot be approved yet: 10 untranslated" in one_error(err)
    assert synced.read_bytes() == untouched

    edit_catalog(synced, TRANSLATIONS, fuzzy=True)  # machine drafts
    drafted = synced.read_bytes()
    code, out, err = approve(project_dir, capsys)
    assert (code, out) == (2, "")
    assert "cannot be approved yet: 10 unreviewed drafts" in one_error(err)
    assert synced.read_bytes() == drafted

    edit_catalog(synced, dict(list(TRANSLATIONS.items())[:9]), fuzzy=False)  # one draft left
    code, _out, err = approve(project_dir, capsys)
    assert code == 2
    assert "cannot be approved yet: 1 unreviewed draft" in one_error(err)

    edit_catalog(synced, TRANSLATIONS, fuzzy=False)  # all reviewed
    code, out, err = approve(project_dir, capsys)
    assert (code, err) == (0, "")
    assert re.fullmatch(r"report: approved by Zhang San at \d{4}-\d\d-\d\d \d\d:\d\d\+0000\n", out)
    po = pofile.load(synced)
    assert po.metadata[APPROVED_BY] == "Zhang San"
    assert po.metadata[APPROVED_HASH] == translation_hash(po)
    code, out, _err = run(capsys, "-C", str(project_dir), "status", "--json")
    assert json.loads(out)[0] == {
        "slug": "report",
        "state": "approved",
        "untranslated": 0,
        "draft": 0,
        "reviewed": 10,
        "total": 10,
        "approved_by": "Zhang San",
    }
    # a later change to any msgstr voids the approval
    edit_catalog(synced, {"活动": "Activities"}, fuzzy=False)
    code, out, _err = run(capsys, "-C", str(project_dir), "status", "--json")
    assert (json.loads(out)[0]["state"], json.loads(out)[0]["approved_by"]) == ("in review", None)
    # and a sync that changes nothing keeps an approval
    assert approve(project_dir, capsys)[0] == 0
    assert "unchanged" in run(capsys, "-C", str(project_dir), "sync")[1]
    code, out, _err = run(capsys, "-C", str(project_dir), "status", "--json")
    assert json.loads(out)[0]["state"] == "approved"


def test_approve_refusal_names_the_catalog(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = approve(synced.parents[2], capsys)
    assert code == 2
    assert str(synced.resolve()) in one_error(err)


@pytest.mark.parametrize("editor", ["", "   ", "\t"])
def test_approve_needs_an_editor_name(
    synced: Path, capsys: pytest.CaptureFixture[str], editor: str
) -> None:
    """A blank --by was once "approved by  at …" while the article stayed in review."""
    project_dir = synced.parents[2]
    edit_catalog(synced, TRANSLATIONS, fuzzy=False)
    before = synced.read_bytes()
    code, out, err = run(capsys, "-C", str(project_dir), "approve", "report", "--by", editor)
    assert (code, out) == (2, "")
    assert "--by" in one_error(err)
    assert synced.read_bytes() == before
    status = json.loads(run(capsys, "-C", str(project_dir), "status", "--json")[1])[0]
    assert status["state"] == "in review"


def test_approve_without_a_catalog(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_article(project_dir, "report", ARTICLE)
    code, out, err = run(capsys, "-C", str(project_dir), "approve", "report", "--by", "Ed")
    assert (code, out) == (2, "")
    assert "en.po" in one_error(err)
    assert not (project_dir / "articles" / "report" / "en.po").exists()


# --- the installed console script -------------------------------------------------------------


def console_script() -> str:
    beside = Path(sys.executable).parent / "transpub"
    found = str(beside) if beside.is_file() else shutil.which("transpub")
    assert found, "the transpub console script is not installed"
    return found


def test_console_script_help_and_a_bad_input(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TRANSPUB_DEBUG"}
    script = console_script()
    done = subprocess.run(
        [script, "--help"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: transpub")
    for name in subcommands():
        assert name in done.stdout

    bad = tmp_path / "report.md"
    bad.write_bytes("---\ntitle: 开源社年报\n---\n\n中文正文。\n".encode("gb18030"))
    done = subprocess.run(
        [script, "md2po", str(bad), "-o", str(tmp_path / "out.po")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    line = one_error(done.stderr)
    assert f"{bad}:2: " in line
    assert "iconv" in line
    assert not (tmp_path / "out.po").exists()

    done = subprocess.run(
        [script, "build"], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


# --- the documentation ------------------------------------------------------------------------


def subcommands() -> dict[str, str]:
    """Every subcommand of the parser with its help text."""
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
    assert set(helps) == set(action.choices)
    return helps


def test_every_subcommand_has_help_and_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    helps = subcommands()
    assert {"add", "sync", "status", "md2po", "po2md", "build", "approve"} <= set(helps)
    for name, text in helps.items():
        assert len(text.split()) >= 3, f"`transpub {name}` has no help text"
        assert f"`transpub {name}" in readme, f"`transpub {name}` is not in README.md"


def _options(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, list[list[str]]]:
    """The options (each with its spellings) and fixed actions of a command, by sub-action."""
    found: dict[str, list[list[str]]] = {prefix: []}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[prefix].append([name])
                found.update(_options(sub, f"{prefix} {name}".strip()))
        elif action.option_strings and not isinstance(action, argparse._HelpAction):
            found[prefix].append(list(action.option_strings))
        elif action.choices and action.dest == "action":
            found[prefix] += [[str(c)] for c in action.choices]
    return found


def test_every_option_and_action_is_in_the_readme_command_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = []
    for name, sub in commands.choices.items():
        rows = "\n".join(
            line for line in readme.splitlines() if line.startswith(f"| `transpub {name}")
        )
        assert rows, f"`transpub {name}` has no row in the README's command table"
        for options in _options(sub).values():
            for spellings in options:
                if not any(
                    re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", rows) for o in spellings
                ):
                    missing.append(f"{name} {spellings[-1]}")
    assert not missing, f"not in the README's command table: {', '.join(missing)}"


def test_po2md_names_every_entry_it_refuses(
    no_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (no_project / "report.md").write_text(ARTICLE, encoding="utf-8")
    assert run(capsys, "md2po", "-q", "report.md", "-o", "report.po")[0] == 0
    edit_catalog(
        no_project / "report.po",
        {
            "开源社成立于 2014 年，是一个开源社区。": "KaiYuanShe `code`.",
            "见 [官网](https://kaiyuanshe.cn/)。": "See the website.",
        },
        fuzzy=False,
    )
    code, out, err = run(capsys, "po2md", "report.md", "report.po", "-o", "en.md")
    assert (code, out) == (1, "")
    line = one_error(err)
    lost = "report.md:17 (entry '见 [官网](https://kaiyu…'): the translation lost link target"
    added = "report.md:8 (entry '开源社成立于 2014 年，是一个开源社…'): the translation adds inline"
    assert lost in line and added in line
    assert "more difference" not in line


@pytest.mark.parametrize("where", ["flag", "project"])
def test_md2po_front_matter_keys(
    no_project: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    source = "---\ntitle: 标题\ndescription: 描述\ntags:\n  - 开源\n---\n\n正文。\n"
    (no_project / "page.md").write_text(source, encoding="utf-8")
    keys = ["--front-matter-keys", "description,tags"] if where == "flag" else []
    if where == "project":
        (no_project / "transpub.toml").write_text(
            '[project]\nname = "p"\n\n[segment]\nfront_matter_keys = ["description", "tags"]\n',
            encoding="utf-8",
        )
    assert run(capsys, "md2po", "-q", "page.md", "-o", "page.po", *keys)[0] == 0
    po = polib.pofile(str(no_project / "page.po"))
    assert [e.msgid for e in po] == ["描述", "开源", "正文。"]
    edit_catalog(no_project / "page.po", {"描述": "Describe", "开源": "open source"}, fuzzy=False)
    assert run(capsys, "po2md", "page.md", "page.po", "-o", "en.md", *keys)[0] == 0
    english = (no_project / "en.md").read_text(encoding="utf-8")
    assert english == source.replace("描述", "Describe").replace("- 开源", "- open source")
