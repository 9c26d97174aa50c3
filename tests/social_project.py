"""A project with one reviewed, approved article that is published to the site (a publish record
with a site page), for the channel tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from servers import bluesky_server, linkedin_server, mastodon_server

from conftest import TOML, write_article
from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, approve, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.publish.record import PublishRecord, SitePublication

SOURCE = """\
---
title: 2025-26 国际接轨组工作计划
---

开源社国际接轨组致力于连接中国与全球开源社区（含 OSAID 与 MOF 的本地化）。我们支持成员参与国际会议。

## 目标

带进来、走出去。
"""

ENGLISH = [
    "2025-26 International Liaison Group Work Plan",
    "The KaiYuanShe International Liaison Group connects China with the global open source "
    "community (including the localisation of OSAID & MOF). We support members who take part "
    "in international conferences.",
    "Goals",
    "Bring in, go global.",
]
PEOPLE = [
    ("Li Lei", "Han Meimei"),
    ("Zhang Wei", "Han Meimei"),
    ("Li Lei", "Han Meimei"),
    ("Li Lei", "Wang Fang"),
]
SLUG = "2025-26-international-plan"
#: The secrets the stand-in servers accept, by the default variable names.
ENV = {
    "LINKEDIN_ACCESS_TOKEN": linkedin_server.TOKEN,
    "LINKEDIN_CLIENT_ID": linkedin_server.CLIENT_ID,
    "LINKEDIN_CLIENT_SECRET": linkedin_server.CLIENT_SECRET,
    "MASTODON_ACCESS_TOKEN": mastodon_server.TOKEN,
    "BLUESKY_APP_PASSWORD": bluesky_server.PASSWORD,
}

URL = "https://kaiyuanshe.github.io/reports/en/2025-26-international-plan"
ZH_URL = "https://kaiyuanshe.github.io/reports/2025-26-international-plan"
#: A 1×1 PNG, the card's thumbnail.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e221bc330000000049454e44ae426082"
)


def make_project(root: Path, settings: str = "", published: bool = True) -> Project:
    """The project in ``root``: one approved article, published unless told otherwise."""
    (root / "transpub.toml").write_text(TOML + "\n" + settings, encoding="utf-8")
    write_article(root, SLUG, SOURCE)
    (root / "cover.png").write_bytes(PNG)
    project = Project.open(root)
    article = project.article(SLUG)
    sync_article(project, article)
    po = pofile.load(article.catalog)
    for entry, text, (translator, reviewer) in zip(active(po), ENGLISH, PEOPLE, strict=True):
        record_draft(entry, text, "human", translator)
        record_review(entry, reviewer)
    approve(po, "Zhuang Biaowei", datetime(2026, 11, 30, tzinfo=UTC))
    pofile.save(po, article.catalog)
    if published:
        publish(article)
    return project


def publish(article: Article) -> None:
    record = PublishRecord.load(article)
    record.site["site"] = SitePublication(
        target="site",
        layout="vitepress",
        path=f"en/{SLUG}.md",
        zh_path=f"{SLUG}.md",
        url=URL,
        zh_url=ZH_URL,
        content_hash="ab" * 32,
        translation_hash="cd" * 32,
        commit="0" * 40,
        at="2026-11-30T08:00:00Z",
    )
    record.save(article)


def channel_settings(
    linkedin: str = "", mastodon: str = "", bluesky: str = "", bilingual: str = "en"
) -> str:
    """transpub.toml sections pointing the channels at the local servers (URLs given)."""
    text = f"""
[channels]
enabled = ["linkedin", "mastodon", "bluesky"]
bilingual = "{bilingual}"
thumbnail = "cover.png"
backoff = 0

[linkedin]
organization = "urn:li:organization:2414183"
version = "202510"
api_url = "{linkedin}/rest"
oauth_url = "{linkedin}/oauth/v2"
mentions = ["Li Lei = urn:li:person:AbC123xyz"]

[mastodon]
api_base_url = "{mastodon}"
mentions = ["Han Meimei = @meimei@fosstodon.org"]

[bluesky]
handle = "kaiyuanshe.test"
base_url = "{bluesky}"
"""
    return text
