"""The review app's preview of the English page: rendered as it will be published, marked and
linked by entry, and never able to run anything put in the source or a translation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.credits.contributions import entry_id
from transpub.review.accounts import Role, UserStore
from transpub.review.preview import build_preview, sanitize
from transpub.review.web import create_app

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
SOURCE = """\
---
title: 开源社年度报告
---

# 开源社简介

这一段有 <img src=x onerror=alert(1)> 标签和[链接](https://kaiyuanshe.cn)。

<center>图 1 开源社的成员<script>alert("source")</script></center>

| 名称 | 数量 |
| --- | --- |
| 成员 | 300 |

- 推出年度报告英文版
- 运营多语种内容[^1]

[恶意链接](javascript:alert(7))

[^1]: 脚注的内容。
"""
TITLE, HEADING, PARAGRAPH = "开源社年度报告", "开源社简介", None
FIGURE, MEMBERS, REPORT = "图 1 开源社的成员", "成员", "推出年度报告英文版"
#: Translations that try to run script, each keeping the structure `build` checks.
ATTACKS = {
    HEADING: "About <span onmouseover=alert(2)>KAIYUANSHE</span>",
    FIGURE: "Figure 1 members &lt;img src=x onerror=alert(3)&gt;",
    MEMBERS: "<svg onload=alert(5)>Members</svg>",
    REPORT: "<iframe src=javascript:alert(6)></iframe><style>*{display:none}</style>Publish it",
}
#: Every way the page could run something: script elements, handlers, script URLs, frames.
_DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "base"}


class _Scan(HTMLParser):
    """Collects what in a page could run: dangerous tags, on* attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.links: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.found.append(f"{tag} {name}={value}")
        self.links.append((tag, {k: v or "" for k, v in attrs}))


def scan(html: str) -> _Scan:
    parser = _Scan()
    parser.feed(html)
    return parser


@pytest.fixture
def project(project_dir: Path) -> Project:
    write_article(project_dir, "report", SOURCE)
    project = Project.open(project_dir)
    sync_article(project, project.article("report"), now=NOW)
    return project


def _translate(project: Project, texts: dict[str, str], review: tuple[str, ...] = ()) -> None:
    article = project.article("report")
    po = pofile.load(article.catalog)
    by = {e.msgid: e for e in po}
    for msgid, text in texts.items():
        record_draft(by[msgid], text, "human", "wang")
        if msgid in review:
            record_review(by[msgid], "li")
    pofile.save(po, article.catalog)


def _preview(project: Project, drafts: bool = True):  # type: ignore[no-untyped-def]
    article = project.article("report")
    return build_preview(project, article, pofile.load(article.catalog), drafts=drafts)


def test_nothing_in_the_source_or_a_translation_can_run(project: Project) -> None:
    _translate(project, {TITLE: "KAIYUANSHE <script>alert(1)</script>", **ATTACKS})
    shown = _preview(project)
    assert shown.refusals == ()
    html = str(shown.html)
    assert scan(html).found == []
    assert "<style" not in html and "<svg" not in html and "<iframe" not in html
    # Harmless markup still renders: the image, the table, the footnote, the center block (its
    # escaped markup stays text).
    assert '<img src="x">' in html and "<center>Figure 1 members &lt;img" in html
    assert "<td" in html and 'href="#fn1"' in html
    assert "Publish it" in html and "Members" in html
    # The front matter is plain text in the page (the template escapes it).
    assert [f.text for f in shown.front] == ["KAIYUANSHE <script>alert(1)</script>"]


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
        '<form action="javascript:alert(1)"><button>go</button></form>',
        "<object data=javascript:alert(1)></object>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<base href=javascript:alert(1)//>",
        "<details open ontoggle=alert(1)>",
        '<p title="</p><script>alert(1)</script>">x</p>',
        "<!--><script>alert(1)</script>-->",
    ],
)
def test_the_sanitizer_leaves_nothing_that_runs(attack: str) -> None:
    assert scan(str(sanitize(attack))).found == []


def test_blocks_are_marked_by_state_and_link_to_their_entries(project: Project) -> None:
    _translate(project, {HEADING: "About KAIYUANSHE", MEMBERS: "Members"}, review=(HEADING,))
    shown = _preview(project)
    html = str(shown.html)
    heading, members, report = entry_id(HEADING), entry_id(MEMBERS), entry_id(REPORT)
    assert re.search(
        rf'<h1 class="pv-reviewed"><a href="/articles/report\?entry={heading}#e-{heading}" '
        r'class="pv-entry"[^>]*>#2</a> About KAIYUANSHE</h1>',
        html,
    )
    assert re.search(rf'<td class="pv-draft"><a href="[^"]*entry={members}#e-{members}"', html)
    # Untranslated: the Chinese is shown, marked as such, in Chinese.
    assert re.search(rf'<li class="pv-source" lang="zh-CN"><a href="[^"]*entry={report}#', html)
    assert "推出年度报告英文版" in html
    assert shown.marks["reviewed"] == 1 and shown.marks["draft"] == 1
    # The raw HTML block gets its links in a block of its own before it.
    assert re.search(
        r'<div class="pv-anchors pv-source"><a class="pv-entry" href="[^"]*"[^>]*>#', html
    )
    # As published now: drafts left out show their source.
    published = str(_preview(project, drafts=False).html)
    assert "Members" not in published and "About KAIYUANSHE" in published


def test_a_translation_build_would_refuse_shows_the_reasons_not_a_page(project: Project) -> None:
    _translate(project, {REPORT: "Publish it", MEMBERS: "Members [a](https://example.com)"})
    shown = _preview(project)
    assert str(shown.html) == ""
    [refusal] = shown.refusals
    assert refusal.entry is not None and refusal.entry.id == entry_id(MEMBERS)
    assert "example.com" in refusal.message and "\n" not in refusal.message


# --- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def client(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = UserStore(tmp_path_factory.mktemp("accounts") / "users.json")
    store.add("tr", Role.TRANSLATOR, PASSWORD)
    client = TestClient(create_app(project, store, "k" * 48), follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf": csrf.group(1), "name": "tr", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form).status_code == 303
    yield client


def test_the_preview_page_is_reached_from_the_article_and_runs_nothing(
    project: Project, client: TestClient
) -> None:
    _translate(project, {TITLE: "<script>alert(1)</script>", **ATTACKS})
    article = client.get("/articles/report")
    assert 'href="/articles/report/preview"' in article.text
    assert 'class="mt"' not in article.text  # no engine configured: no machine translation
    page = client.get("/articles/report/preview")
    assert page.status_code == 200
    assert "content-security-policy" in page.headers
    main = page.text[page.text.index("<main>") : page.text.index("</main>")]
    assert scan(main).found == []
    assert "<script" not in page.text  # the preview page needs no script at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # the title, as text
    assert "Reviewed only" in page.text


def test_the_preview_page_lists_what_build_refuses(project: Project, client: TestClient) -> None:
    _translate(project, {MEMBERS: "Members [a](https://example.com)"})
    page = client.get("/articles/report/preview")
    assert page.status_code == 200
    assert "would be refused" in page.text
    members = entry_id(MEMBERS)
    assert f'<a href="/articles/report?entry={members}#e-{members}">#' in page.text
    assert 'class="preview' not in page.text


def test_no_preview_for_an_unknown_article(client: TestClient) -> None:
    assert client.get("/articles/nothing-here/preview").status_code == 404


def test_the_preview_follows_the_catalog(project: Project, client: TestClient) -> None:
    assert "Publish the report" not in client.get("/articles/report/preview").text
    _translate(project, {REPORT: "Publish the report"})
    page = client.get("/articles/report/preview").text
    assert re.search(r'<li class="pv-draft"><a [^>]*>#\d+</a> Publish the report', page)
    assert "Publish the report" not in client.get("/articles/report/preview?drafts=0").text


def test_an_in_page_link_may_follow_its_translated_heading_as_in_build(
    project_dir: Path,
) -> None:
    from transpub.catalog.sync import build_article

    write_article(
        project_dir,
        "update",
        "---\ntitle: 升级\n---\n\n## 分段更新\n\n见[分段更新](#分段更新)。\n",
    )
    project = Project.open(project_dir)
    article = project.article("update")
    sync_article(project, article, now=NOW)
    po = pofile.load(article.catalog)
    by = {e.msgid: e for e in po}
    record_draft(by["分段更新"], "Rolling update", "human", "wang")
    record_draft(
        by["见[分段更新](#分段更新)。"], "See [Rolling update](#rolling-update).", "human", "wang"
    )
    pofile.save(po, article.catalog)
    english = build_article(project, article, include_drafts=True)  # build accepts it
    assert "(#rolling-update)" in english
    shown = build_preview(project, article, pofile.load(article.catalog))
    assert shown.refusals == ()
    assert 'href="#rolling-update"' in str(shown.html)
