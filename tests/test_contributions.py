"""The contribution log: append-only JSON Lines, read back; outside edits credited."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.credits.contributions import (
    Action,
    Contribution,
    LogError,
    append,
    attribute_outside_edits,
    catalog_author,
    credit,
    english_words,
    entry_id,
    log_path,
    migrate,
    period_path,
    read,
    source_chars,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SOURCE = """\
---
title: 国际接轨组工作计划
---

开源社国际接轨组致力于连接中国与全球开源社区。

- 推出年度报告英文版
- 运营多语种内容
"""


def record(user: str = "wang", action: Action = Action.EDIT, article: str = "plan") -> Contribution:
    return credit(
        user, action, article, "开源社区", "open source community", "2026-03-01T09:30:00Z"
    )


def test_entry_id_is_sixteen_hex_digits_of_sha256() -> None:
    assert entry_id("开源社") == hashlib.sha256("开源社".encode()).hexdigest()[:16]
    assert entry_id("开源社") != entry_id("开源社区")
    assert all(ch in "0123456789abcdef" for ch in entry_id("<script>"))


@pytest.mark.parametrize(
    ("text", "chars"),
    [("开源社区", 4), ("开源 社区\n", 4), ("OSI 与 MOF", 7), ("", 0)],
)
def test_source_characters_leave_out_whitespace(text: str, chars: int) -> None:
    assert source_chars(text) == chars


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The open-source community", 3),
        ("KAIYUANSHE's plan, don't panic.", 4),
        ("2024–25 work plan", 4),
        ("**Bold** [link](https://example.org)", 5),
        ("", 0),
    ],
)
def test_english_words(text: str, words: int) -> None:
    assert english_words(text) == words


def test_credit_counts_the_entry() -> None:
    c = record()
    assert c.entry == entry_id("开源社区")
    assert (c.source_chars, c.english_words, c.via) == (4, 3, "app")


def test_append_and_read_back(project_dir: Path) -> None:
    project = Project.open(project_dir)
    assert read(project) == []
    append(project, [record("wang"), record("li", Action.REVIEW)])
    append(project, [record("zhao", Action.APPROVE_ARTICLE, "other")])
    append(project, [])
    got = read(project)
    assert [(c.user, c.action) for c in got] == [
        ("wang", Action.EDIT),
        ("li", Action.REVIEW),
        ("zhao", Action.APPROVE_ARTICLE),
    ]
    assert [c.user for c in read(project, article="plan")] == ["wang", "li"]
    assert [c.user for c in read(project, user="zhao")] == ["zhao"]
    path = period_path(project, "2026-03")
    assert path == project_dir / "credits" / "2026-03.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["action"] == "edit"
    assert (project_dir / "credits" / ".gitattributes").read_text() == "*.jsonl merge=union\n"
    assert not log_path(project).exists()


def test_records_go_to_the_file_of_their_month(project_dir: Path) -> None:
    project = Project.open(project_dir)
    late = credit("wang", Action.EDIT, "plan", "开源", "open", "2026-04-01T00:00:00Z")
    append(project, [record("li"), late])
    assert [c.user for c in read(project)] == ["li", "wang"]
    assert sorted(p.name for p in (project_dir / "credits").glob("*.jsonl")) == [
        "2026-03.jsonl",
        "2026-04.jsonl",
    ]


def test_appending_never_rewrites_earlier_lines(project_dir: Path) -> None:
    project = Project.open(project_dir)
    append(project, [record("wang")])
    first = period_path(project, "2026-03").read_bytes()
    append(project, [record("li")])
    assert period_path(project, "2026-03").read_bytes().startswith(first)


def test_concurrent_appends_keep_every_line_whole(project_dir: Path) -> None:
    project = Project.open(project_dir)

    def work(n: int) -> None:
        for i in range(25):
            append(project, [record(f"user{n}-{i}")])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = read(project)
    assert len(got) == 200
    assert len({c.user for c in got}) == 200


def test_the_old_local_log_is_migrated_once(project_dir: Path) -> None:
    project = Project.open(project_dir)
    old = log_path(project)
    old.parent.mkdir()
    old.write_text(
        record("wang").to_json() + "\n" + record("li", Action.REVIEW).to_json() + "\n"
        '{"at":"2026-03-01T09:30:00Z","user":"cut sh',  # a crash mid-write, never completed
        encoding="utf-8",
    )
    assert [c.user for c in read(project)] == ["wang", "li"]  # read before the migration
    append(project, [record("zhao")])  # the first write migrates
    assert not old.exists() and old.with_name("contributions.jsonl.migrated").is_file()
    assert [c.user for c in read(project)] == ["wang", "li", "zhao"]
    # a crash between writing the credit files and retiring the log: nothing counted twice
    old.write_text(record("wang").to_json() + "\n", encoding="utf-8")
    assert migrate(project) == 0
    assert [c.user for c in read(project)] == ["wang", "li", "zhao"]


def test_a_credit_file_is_rewritten_whole_never_torn(project_dir: Path) -> None:
    project = Project.open(project_dir)
    append(project, [record("wang")])
    path = period_path(project, "2026-03")
    inode = path.stat().st_ino
    append(project, [record("li")])
    assert path.stat().st_ino != inode  # replaced atomically, not written in place
    assert not list(path.parent.glob(".*.tmp"))


def test_a_conflict_marker_in_a_credit_file_is_an_error_naming_the_line(
    project_dir: Path,
) -> None:
    project = Project.open(project_dir)
    append(project, [record("wang")])
    with open(period_path(project, "2026-03"), "a", encoding="utf-8") as fh:
        fh.write("<<<<<<< HEAD\n")
    with pytest.raises(LogError) as caught:
        read(project)
    assert caught.value.line == 2
    assert "2026-03.jsonl" in str(caught.value)


def test_a_line_that_is_not_a_contribution_is_an_error(project_dir: Path) -> None:
    project = Project.open(project_dir)
    append(project, [record("wang")])
    with open(period_path(project, "2026-03"), "a", encoding="utf-8") as fh:
        fh.write('{"user": "x", "surprise": 1}\n')
    with pytest.raises(LogError) as caught:
        read(project)
    assert caught.value.line == 2
    assert "2026-03.jsonl" in str(caught.value)


@pytest.mark.parametrize(
    ("header", "who"),
    [
        ("Zhang San <zhang@example.org>", "Zhang San"),
        ("  Li   Si ", "Li Si"),
        ("FULL NAME <EMAIL@ADDRESS>", "unknown"),
        ("", "unknown"),
    ],
)
def test_catalog_author(header: str, who: str) -> None:
    po = polib.POFile()
    po.metadata = {"Last-Translator": header}
    assert catalog_author(po) == who


def _synced(project_dir: Path) -> tuple[Project, polib.POFile]:
    write_article(project_dir, "plan", SOURCE)
    project = Project.open(project_dir)
    article = project.article("plan")
    sync_article(project, article, now=NOW)
    po = pofile.load(article.catalog)
    record_draft(po[2], "Release the annual report in English", "mt:deepl", None)
    record_draft(po[3], "Run multilingual content", "mt:deepl", None)
    record_review(po[3], "li")
    pofile.save(po, article.catalog)
    return project, pofile.load(article.catalog)


def test_outside_edits_are_credited_to_the_last_translator(project_dir: Path) -> None:
    project, before = _synced(project_dir)
    article = project.article("plan")
    after = pofile.load(article.catalog)  # as Poedit would leave it:
    after.metadata["Last-Translator"] = "Zhang San <zhang@example.org>"
    after[0].msgstr = "Plan"  # a new translation (draft)
    after[0].flags.append("fuzzy")
    after[2].msgstr = "Publish the English edition of the annual report"  # edited, still fuzzy
    after[1].msgstr = "The KAIYUANSHE International Liaison Group connects China and the world."
    after[1].flags = []  # translated and marked reviewed in one go
    pofile.save(after, article.catalog)

    logged = attribute_outside_edits(project, article, before, pofile.load(article.catalog), NOW)
    assert {(c.entry, c.action) for c in logged} == {
        (entry_id(after[0].msgid), Action.TRANSLATE),
        (entry_id(after[2].msgid), Action.EDIT),
        (entry_id(after[1].msgid), Action.TRANSLATE),
        (entry_id(after[1].msgid), Action.REVIEW),
    }
    assert {c.user for c in logged} == {"Zhang San"}
    assert {c.via for c in logged} == {"catalog"}
    assert {c.at for c in logged} == {"2026-03-01T09:30:00Z"}
    assert read(project) == logged
    edit = next(c for c in logged if c.action is Action.EDIT)
    assert (edit.source_chars, edit.english_words) == (9, 8)


def test_an_unchanged_catalog_credits_nobody(project_dir: Path) -> None:
    project, before = _synced(project_dir)
    article = project.article("plan")
    assert attribute_outside_edits(project, article, before, before, NOW) == []
    assert read(project) == []


def test_unfuzzying_a_draft_outside_is_a_review(project_dir: Path) -> None:
    project, before = _synced(project_dir)
    article = project.article("plan")
    after = pofile.load(article.catalog)
    after[2].flags.remove("fuzzy")
    logged = attribute_outside_edits(project, article, before, after, NOW)
    assert [(c.action, c.user) for c in logged] == [(Action.REVIEW, "unknown")]


def test_without_a_previous_catalog_every_translation_is_new(project_dir: Path) -> None:
    project, before = _synced(project_dir)
    logged = attribute_outside_edits(project, project.article("plan"), None, before, NOW)
    assert sorted(c.action for c in logged) == sorted(
        [Action.TRANSLATE, Action.TRANSLATE, Action.REVIEW]
    )


SAMPLE = Path(__file__).resolve().parent.parent / "articles" / "2024-25-international-plan"


def test_a_shipped_catalog_is_credited_as_its_page_credits_it(project_dir: Path) -> None:
    import shutil

    from transpub.credits.contributions import credit_catalog_notes, seen_path
    from transpub.credits.report import format_table, recognise
    from transpub.credits.tally import parse_period
    from transpub.publish.credits import article_credits

    shutil.copytree(SAMPLE, project_dir / "articles" / SAMPLE.name)
    project = Project.open(project_dir)
    article = project.article(SAMPLE.name)
    page = article_credits(project, article)  # what the published page names
    sync_article(project, article, now=NOW)
    logged = read(project)
    by_action = {a: {c.user for c in logged if c.action is a} for a in Action}
    assert by_action[Action.TRANSLATE] == set(page.translators)
    assert by_action[Action.REVIEW] == set(page.reviewers)
    assert by_action[Action.APPROVE_ARTICLE] == {page.editor}
    assert {c.via for c in logged} == {"import"}
    rec = recognise(project, parse_period("all"))
    assert {row.person.handle for row in rec.rows} == set(page.people())
    assert format_table(rec).startswith("Recognition all: 1 contributor\n")
    # once: neither a second sync nor a fresh clone (no remembered copy) credits it again
    seen_path(project, article).unlink()
    sync_article(project, article, now=NOW)
    assert credit_catalog_notes(project, article) == []
    assert read(project) == logged


def _git(cwd: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(cwd), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _repo(folder: Path, user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``folder`` a git work tree whose configured author is ``user``."""
    monkeypatch.delenv("GIT_AUTHOR_NAME", raising=False)
    _git(folder, "init", "-q")
    _git(folder, "config", "user.name", user)
    _git(folder, "config", "user.email", "someone@example.org")


def test_an_uncommitted_outside_review_is_credited_to_the_git_user(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = _synced(project_dir)
    article = project.article("plan")
    _repo(project_dir, "Zhao  Liu", monkeypatch)
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "-m", "drafts")
    after = pofile.load(article.catalog)
    after[2].flags.remove("fuzzy")  # un-fuzzied in Poedit, Last-Translator left as it was
    pofile.save(after, article.catalog)
    logged = attribute_outside_edits(project, article, before, pofile.load(article.catalog), NOW)
    assert [(c.action, c.user, c.commit) for c in logged] == [(Action.REVIEW, "Zhao Liu", None)]


def test_a_committed_outside_review_is_credited_to_its_commit_author(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, before = _synced(project_dir)
    article = project.article("plan")
    _repo(project_dir, "Someone Else", monkeypatch)
    after = pofile.load(article.catalog)
    after[2].flags.remove("fuzzy")
    pofile.save(after, article.catalog)
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "--author", "Qian Qi <qian@example.org>", "-m", "review")
    sha = _git(project_dir, "rev-parse", "HEAD").strip()
    logged = attribute_outside_edits(project, article, before, pofile.load(article.catalog), NOW)
    assert [(c.action, c.user, c.commit) for c in logged] == [(Action.REVIEW, "Qian Qi", sha)]


def test_credits_say_how_to_attribute_unknown_edits(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transpub.cli.main import main

    project, before = _synced(project_dir)
    article = project.article("plan")
    after = pofile.load(article.catalog)
    after[2].flags.remove("fuzzy")
    attribute_outside_edits(project, article, before, after, NOW)
    assert main(["-C", str(project_dir), "credits"]) == 0
    out = capsys.readouterr()
    assert "unknown" in out.out
    assert "Last-Translator" in out.err and "git config user.name" in out.err
