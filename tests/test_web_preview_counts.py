"""The preview's legend counts entries, not the blocks they appear in: a title that is also the
first heading is one entry, shown twice (front matter and heading), counted once."""

from __future__ import annotations

from pathlib import Path

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.review.preview import build_preview

SOURCE = """\
---
title: 开源社简介
---

# 开源社简介

开源社成立于二〇一四年。

- 推出年度报告英文版
- 运营多语种内容
"""


def test_an_entry_shown_in_the_front_matter_and_a_heading_is_counted_once(
    project_dir: Path,
) -> None:
    write_article(project_dir, "intro", SOURCE)
    project = Project.open(project_dir)
    article = project.article("intro")
    sync_article(project, article)
    po = pofile.load(article.catalog)
    live = active(po)
    for number, entry in enumerate(live):
        record_draft(entry, f"English {number}", "human", "wang")
        if number % 2 == 0:
            record_review(entry, "li")
    pofile.save(po, article.catalog)
    reviewed = sum(1 for n in range(len(live)) if n % 2 == 0)

    shown = build_preview(project, article, pofile.load(article.catalog))
    assert shown.refusals == () and len(shown.front) == 1  # the title, also the heading
    assert shown.marks == {"source": 0, "draft": len(live) - reviewed, "reviewed": reviewed}
