"""Publishing approved articles to a site checkout: only approved work, safe writes, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publishing import PNG, approved_project, commits, retranslate, site_toml
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import active, record_draft
from transpub.catalog.status import queue
from transpub.cli import main
from transpub.config import SiteSettings
from transpub.errors import ConfigError
from transpub.publish.layouts import LAYOUTS, create_layout
from transpub.publish.record import PublishRecord
from transpub.publish.site import Action, publish
from transpub.publish.summary import summary_markdown, summary_text


def _front(text: str) -> dict[str, object]:
    assert text.startswith("---\n")
    return dict(yaml.safe_load(text.split("---\n", 2)[1]))


def test_an_approved_article_is_published_as_a_credited_pair(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path, toml=site_toml(base_url="https://ex.org/r/"))
    run = publish(project)
    [result] = run.results
    assert result.action is Action.PUBLISHED and run.created_site
    site = tmp_path / "site"
    en = (site / "en" / "report.md").read_text(encoding="utf-8")
    zh = (site / "report.md").read_text(encoding="utf-8")
    meta = _front(en)
    assert meta["title"] == "KAIYUANSHE Annual Report"
    assert meta["description"] == meta["summary"] == "A year of work"
    assert meta["lang"] == "en-US"
    assert meta["translators"] == ["Han Mei", "Li Lei"]  # most entries first
    assert meta["reviewers"] == ["Chen Jie", "Zhao Min"]
    assert meta["editor"] == "Wang Fang"
    assert meta["translation_of"] == "https://ex.org/r/report.html"
    assert meta["source_revision"] == _git_blob(article.source)
    assert "KAIYUANSHE, founded in 2014, is a community." in en
    assert en.rstrip().endswith(
        "*Translated by Han Mei and Li Lei · Reviewed by Chen Jie and Zhao Min · "
        "Edited by Wang Fang · Original: [开源社年度报告](../report.md)*"
    )
    assert _front(zh)["translation"] == "https://ex.org/r/en/report.html"
    assert "[KAIYUANSHE Annual Report](en/report.md)" in zh
    assert "开源社成立于 2014 年" in zh
    # the image resolves beside both pages
    assert (site / "images" / "team.png").read_bytes() == PNG
    assert (site / "en" / "images" / "team.png").read_bytes() == PNG
    # one commit naming the article and the credits; the record says where and which version
    log = _git(site, "log", "-1", "--format=%B")
    assert log.startswith("Publish report: KAIYUANSHE Annual Report")
    assert "Translated by: Han Mei, Li Lei" in log and "Approved by: Wang Fang" in log
    record = PublishRecord.load(article).site["site"]
    assert record.commit == _git(site, "rev-parse", "HEAD").strip() == result.commit
    assert (record.path, record.zh_path) == ("en/report.md", "report.md")
    assert record.layout == "vitepress"
    assert record.url == "https://ex.org/r/en/report.html"
    assert (
        record.translation_hash == pofile.load(article.catalog).metadata["X-Transpub-Approved-Hash"]
    )
    assert [row.state for row in queue(project)] == ["published"]
    assert "report: published → https://ex.org/r/en/report.html" in summary_text(run)
    assert "[en/report.md](https://ex.org/r/en/report.html)" in summary_markdown(run)


def test_a_rerun_writes_and_commits_nothing(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path)
    publish(project)
    site = tmp_path / "site"
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*") if ".git" not in p.parts}
    record_stamp = (article.folder / "publish.json").stat().st_mtime_ns
    again = publish(project)
    assert [r.action for r in again.results] == [Action.UNCHANGED]
    assert again.writes == 0 and commits(site) == 1
    assert stamps == {p: p.stat().st_mtime_ns for p in site.rglob("*") if ".git" not in p.parts}
    assert (article.folder / "publish.json").stat().st_mtime_ns == record_stamp


def test_one_changed_entry_republishes_one_page(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path)
    publish(project)
    site = tmp_path / "site"
    zh_before = (site / "report.md").read_bytes()
    before = PublishRecord.load(article).site["site"]
    retranslate(project, article, "第一项工作", "The first task")
    run = publish(project)
    [result] = run.results
    assert result.action is Action.UPDATED and result.written == ["en/report.md"]
    assert "- The first task" in (site / "en" / "report.md").read_text(encoding="utf-8")
    assert (site / "report.md").read_bytes() == zh_before
    assert commits(site) == 2
    assert _git(site, "log", "-1", "--format=%s").startswith("Update report:")
    after = PublishRecord.load(article).site["site"]
    assert after.translation_hash != before.translation_hash
    assert after.content_hash != before.content_hash and after.commit == result.commit


def test_drafts_and_unapproved_work_never_reach_the_site(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path)
    po = pofile.load(article.catalog)
    entry = next(e for e in active(po) if e.msgid == "第二项工作")
    record_draft(entry, "Second task, machine draft", "mt:deepl", None)  # voids the approval
    pofile.save(po, article.catalog)
    run = publish(project)
    [result] = run.results
    assert result.action is Action.BLOCKED
    assert "the translation changed since Wang Fang approved it" in result.reason
    assert not list((tmp_path / "site").rglob("*.md"))
    assert not (article.folder / "publish.json").exists()


def test_an_edited_source_is_never_published_with_the_old_approval(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path)
    text = article.source.read_text("utf-8").replace("第二项工作", "第二项重要工作")
    article.source.write_text(text, "utf-8")
    # not synced yet: the page would keep a Chinese line; publishing says to sync
    [result] = publish(project).results
    assert result.action is Action.BLOCKED
    assert "the source (articles/report/zh.md) changed since the catalog was synced" in (
        result.reason
    )
    assert "`transpub sync report`" in result.reason
    assert "`transpub approve report --by NAME`" in result.reason
    assert not list((tmp_path / "site").rglob("*.md"))
    # synced: the approval is void because of the source, and the reason says so
    main(["-C", str(tmp_path), "sync"])
    [result] = publish(project).results
    assert result.action is Action.BLOCKED
    assert "the source (zh.md) changed since Wang Fang approved the translation" in result.reason
    assert "(1 entry changed)" in result.reason and "review the changed entries" in result.reason
    assert "edited since" not in result.reason


def test_an_article_never_approved_is_blocked_and_named_in_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved_project(tmp_path)
    (tmp_path / "articles" / "other").mkdir()
    (tmp_path / "articles" / "other" / "zh.md").write_text("---\ntitle: 另一篇\n---\n\n正文。\n")
    assert main(["-C", str(tmp_path), "publish"]) == 0  # all articles: the blocked one is normal
    out = capsys.readouterr().out
    assert "other: blocked — no catalog yet" in out and "report: published" in out
    assert main(["-C", str(tmp_path), "publish", "other"]) == 1  # named: it is a finding


def test_check_errors_block_publishing(tmp_path: Path) -> None:
    approved_project(tmp_path)
    # approved with a check error the checks did not see then (a glossary added later)
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "glossary.csv").write_text(
        "zh,en,type,variants,pos,case_sensitive,note\n第一项工作,Task one,term,,noun,no,test\n",
        encoding="utf-8",
    )
    [result] = publish(Project.open(tmp_path)).results
    assert result.action is Action.BLOCKED and "check errors" in result.reason
    assert "Task one" in result.reason


def test_a_hand_edited_page_is_never_overwritten(tmp_path: Path) -> None:
    project, article = approved_project(tmp_path)
    publish(project)
    page = tmp_path / "site" / "en" / "report.md"
    edited = page.read_text(encoding="utf-8").replace("First task", "First task (fixed on site)")
    page.write_text(edited, encoding="utf-8")
    record = (article.folder / "publish.json").read_bytes()
    retranslate(project, article, "第二项工作", "The second task")
    [result] = publish(project).results
    assert result.action is Action.REFUSED
    assert str(page) in result.reason and "edited on the site" in result.reason
    assert page.read_text(encoding="utf-8") == edited
    assert (article.folder / "publish.json").read_bytes() == record
    assert main(["-C", str(tmp_path), "publish"]) == 1


def test_a_page_transpub_did_not_write_is_refused(tmp_path: Path) -> None:
    project, _ = approved_project(tmp_path)
    (tmp_path / "site" / "en").mkdir(parents=True)
    _git(tmp_path / "site", "init", "-q")
    (tmp_path / "site" / "en" / "report.md").write_text("# Someone's page\n", encoding="utf-8")
    [result] = publish(project).results
    assert result.action is Action.REFUSED and "not published by transpub" in result.reason
    assert not (tmp_path / "site" / "report.md").exists()


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved_project(tmp_path)
    assert main(["-C", str(tmp_path), "publish", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "report: would publish → en/report.md" in out
    assert not (tmp_path / "site").exists()
    assert not (tmp_path / "articles" / "report" / "publish.json").exists()


def test_a_folder_that_is_not_a_repository_is_refused(tmp_path: Path) -> None:
    approved_project(tmp_path)
    (tmp_path / "site").mkdir()
    assert main(["-C", str(tmp_path), "publish"]) == 2


def test_the_maintainers_credit_template_and_an_articles_own_path(tmp_path: Path) -> None:
    source = "---\ntitle: 开源社年度报告\nsite_path: reports/2024/annual\n---\n\n第一项工作\n"
    project, _ = approved_project(
        tmp_path, toml=site_toml("folders", credit_template="credit.j2"), source=source
    )
    (tmp_path / "credit.j2").write_text(
        '{% if lang == "en" %}Thanks to {{ translators|names }}; see {{ zh_link }}.{% endif %}\n',
        encoding="utf-8",
    )
    [result] = publish(project).results
    assert result.action is Action.PUBLISHED
    en = (tmp_path / "site" / "en" / "reports" / "2024" / "annual.md").read_text("utf-8")
    assert en.endswith("Thanks to Han Mei and Li Lei; see ../../../zh/reports/2024/annual.md.\n")
    zh = (tmp_path / "site" / "zh" / "reports" / "2024" / "annual.md").read_text("utf-8")
    assert zh.endswith("第一项工作\n")  # the template renders nothing for the Chinese page


def test_a_broken_credit_template_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved_project(tmp_path, toml=site_toml(credit_template="credit.j2"))
    (tmp_path / "credit.j2").write_text("{% if lang %}unclosed\n", encoding="utf-8")
    assert main(["-C", str(tmp_path), "publish"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "credit.j2" in err and "not valid Jinja2" in err


@pytest.mark.parametrize(
    ("settings", "zh", "en", "zh_url", "en_url"),
    [
        (
            {"layout": "vitepress", "folder": "reports"},
            "reports/a/b.md",
            "en/reports/a/b.md",
            "https://x.org/reports/a/b.html",
            "https://x.org/en/reports/a/b.html",
        ),
        (
            {"layout": "hugo"},
            "content/a/b/index.zh.md",
            "content/a/b/index.en.md",
            "https://x.org/a/b/",
            "https://x.org/en/a/b/",
        ),
        (
            {"layout": "hugo", "hugo_form": "dirs", "folder": "posts"},
            "content/zh/posts/a/b/index.md",
            "content/en/posts/a/b/index.md",
            "https://x.org/posts/a/b/",
            "https://x.org/en/posts/a/b/",
        ),
        (
            {"layout": "folders"},
            "zh/a/b.md",
            "en/a/b.md",
            "https://x.org/zh/a/b.md",
            "https://x.org/en/a/b.md",
        ),
    ],
)
def test_layouts_place_the_pair(
    settings: dict[str, str], zh: str, en: str, zh_url: str, en_url: str
) -> None:
    layout = create_layout(SiteSettings(base_url="https://x.org", **settings))
    pair = layout.pages("a/b")
    assert (pair.zh, pair.en, pair.zh_url, pair.en_url) == (zh, en, zh_url, en_url)


def test_the_layout_registry_and_unknown_layouts() -> None:
    assert sorted(LAYOUTS) == ["folders", "hugo", "vitepress"]
    with pytest.raises(ConfigError, match="unknown site layout 'jekyll'"):
        create_layout(SiteSettings(layout="jekyll"))


def _git(repo: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def _git_blob(path: Path) -> str:
    return _git(path.parent, "hash-object", str(path)).strip()


def test_push_without_a_remote_says_what_to_do_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    approved_project(tmp_path)
    assert main(["-C", str(tmp_path), "publish", "--push"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    site = tmp_path / "site"
    assert str(site) in err and "has no remote" in err
    assert f"git -C {site} remote add origin URL" in err and "[site] checkout" in err
    assert not (site / "en").exists()  # refused before anything was published


def test_push_sends_the_site_commits_to_its_remote(tmp_path: Path) -> None:
    project, _ = approved_project(tmp_path / "content")
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "-q", "--bare", str(remote))
    site = tmp_path / "content" / "site"
    site.mkdir()
    _git(site, "init", "-q")
    _git(site, "remote", "add", "origin", str(remote))
    run = publish(project, push=True)
    assert run.pushed
    head = _git(site, "rev-parse", "HEAD").strip()
    branch = _git(site, "rev-parse", "--abbrev-ref", "HEAD").strip()
    assert _git(remote, "rev-parse", branch).strip() == head
