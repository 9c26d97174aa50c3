"""Helpers for the publishing tests: a project with an approved article that has an image."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import write_article
from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.review.actions import approve_checked

# A 1×1 PNG, so that site generators process a real image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d0"
    "3f1c0000000049454e44ae426082"
)

SOURCE = """\
---
title: 开源社年度报告
summary: 一年的工作
---

# 开源社 2024

开源社成立于 2014 年，是一个开源社区。

![社区照片](images/team.png)

- 第一项工作
- 第二项工作
"""

ENGLISH = {
    "开源社年度报告": "KAIYUANSHE Annual Report",
    "一年的工作": "A year of work",
    "开源社 2024": "KAIYUANSHE 2024",
    "开源社成立于 2014 年，是一个开源社区。": "KAIYUANSHE, founded in 2014, is a community.",
    "![社区照片](images/team.png)": "![Community photo](images/team.png)",
    "社区照片": "Community photo",
    "第一项工作": "First task",
    "第二项工作": "Second task",
}
#: Who translated and reviewed which entries: two translators, two reviewers.
TRANSLATORS = {"第一项工作": "Li Lei", "第二项工作": "Li Lei"}
REVIEWERS = {"第二项工作": "Zhao Min"}


def site_toml(layout: str = "vitepress", **settings: str) -> str:
    lines = ["[project]", 'name = "test"', "", "[site]", f'layout = "{layout}"']
    lines += [f'{key} = "{value}"' for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def approved_project(
    root: Path, slug: str = "report", toml: str | None = None, source: str = SOURCE
) -> tuple[Project, Article]:
    """A project whose article ``slug`` is translated, reviewed and approved by Wang Fang."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "transpub.toml").write_text(toml or site_toml(), encoding="utf-8")
    write_article(root, slug, source)
    (root / "articles" / slug / "images").mkdir(exist_ok=True)
    (root / "articles" / slug / "images" / "team.png").write_bytes(PNG)
    project = Project.open(root)
    article = project.article(slug)
    sync_article(project, article)
    po = pofile.load(article.catalog)
    for entry in active(po):
        record_draft(entry, ENGLISH[entry.msgid], "human", TRANSLATORS.get(entry.msgid, "Han Mei"))
        record_review(entry, REVIEWERS.get(entry.msgid, "Chen Jie"))
    pofile.save(po, article.catalog)
    approve_checked(project, article, "Wang Fang")
    return project, article


def retranslate(project: Project, article: Article, msgid: str, text: str) -> None:
    """Change one reviewed entry and approve the article again."""
    po = pofile.load(article.catalog)
    entry = next(e for e in active(po) if e.msgid == msgid)
    record_review(entry, "Chen Jie", text)
    pofile.save(po, article.catalog)
    approve_checked(project, article, "Wang Fang")


def commits(repo: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)
