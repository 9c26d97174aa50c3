"""The publish record (publish.json) and an article's credits from its catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, approve, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.publish.credits import Credits, article_credits
from transpub.publish.record import PostRecord, PublishRecord, RecordError, SitePublication

SOURCE = """\
---
title: 标题
---

第一段。

第二段。

第三段。
"""


def _site() -> SitePublication:
    return SitePublication(
        target="site",
        layout="vitepress",
        path="en/a.md",
        zh_path="a.md",
        url="https://example.org/en/a",
        zh_url="https://example.org/a",
        content_hash="ab" * 32,
        translation_hash="cd" * 32,
        commit="0" * 40,
        at="2026-11-30T08:00:00Z",
    )


def test_missing_record_is_empty_and_a_saved_one_reads_back(project_dir: Path) -> None:
    write_article(project_dir, "a", SOURCE)
    article = Project.open(project_dir).article("a")
    record = PublishRecord.load(article)
    assert record == PublishRecord("a", {}, {})
    record.site["site"] = _site()
    record.posts["linkedin:en"] = PostRecord("linkedin", "posted", "urn:1", "u", "h", "t")
    assert record.save(article) is True
    assert record.save(article) is False  # unchanged: not rewritten
    assert PublishRecord.load(article) == record
    assert '"linkedin:en"' in (article.folder / "publish.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "needle"),
    [("{not json", "not valid JSON"), ('{"site": {"site": {"path": 3}}}', "site.site.path")],
)
def test_a_broken_record_is_refused_naming_the_file(
    project_dir: Path, text: str, needle: str
) -> None:
    write_article(project_dir, "a", SOURCE)
    article = Project.open(project_dir).article("a")
    (article.folder / "publish.json").write_text(text, encoding="utf-8")
    with pytest.raises(RecordError, match=needle) as caught:
        PublishRecord.load(article)
    assert "publish.json" in str(caught.value)


def test_credits_come_from_reviewed_entries_and_the_approval(project_dir: Path) -> None:
    write_article(project_dir, "a", SOURCE)
    project = Project.open(project_dir)
    article = project.article("a")
    sync_article(project, article)
    po = pofile.load(article.catalog)
    title, first, second, third = active(po)
    record_draft(title, "Title", "human", "Ann")
    record_review(title, "Bo")
    record_draft(first, "First.", "human", "Cy")
    record_review(first, "Bo")
    record_draft(second, "Second.", "human", "Cy")
    record_review(second, "Ann")
    record_draft(third, "Third.", "mt:deepl", "Dee")  # a draft: nobody credited for it
    pofile.save(po, article.catalog)
    assert article_credits(project, article) == Credits(["Cy", "Ann"], ["Bo", "Ann"], "")
    record_review(third, "Eve")
    approve(po, "Fay", datetime(2026, 11, 30, tzinfo=UTC))
    pofile.save(po, article.catalog)
    credits = article_credits(project, article)
    assert credits == Credits(["Cy", "Ann", "Dee"], ["Bo", "Ann", "Eve"], "Fay")
    assert credits.people() == ["Cy", "Ann", "Dee", "Bo", "Eve", "Fay"]
