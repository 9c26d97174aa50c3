"""Journaled saves (the review app's way of writing catalogs): a save is durable once its journal
record is fsynced; the catalog file is written later from memory; every reader replays a journal
left behind; outside edits are merged, and a save they contradict is kept, never lost.

The last test kills a real ``transpub review serve`` with SIGKILL right after acknowledged saves.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polib
import pytest

from conftest import write_article
from transpub.article import Article, Project
from transpub.catalog import journal, pofile
from transpub.catalog.queue import EntryState, get_note
from transpub.catalog.sync import sync_article
from transpub.credits import contributions
from transpub.credits.contributions import Action, entry_id
from transpub.review import history, store
from transpub.review.accounts import USERS_ENV, Role, UserStore
from transpub.review.actions import ConflictError, catalog, flush, save_entry
from transpub.review.web.views import Views

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SOURCE = "---\ntitle: 工作计划\n---\n\n" + "".join(f"- 第{i}项工作内容\n" for i in range(30))
PASSWORD = "correct horse battery"


def msgid(i: int) -> str:
    return f"第{i}项工作内容"


@pytest.fixture
def plan(project_dir: Path) -> Iterator[tuple[Project, Article]]:
    """An article whose saves are journaled in this process (as in the review app)."""
    write_article(project_dir, "plan", SOURCE)
    project = Project.open(project_dir)
    article = project.article("plan")
    sync_article(project, article, now=NOW)
    store.start(project.root, quiet=60, longest=60)  # flushed only when a test says so
    yield project, article
    store.stop()


def on_disk(article: Article) -> dict[str, str]:
    """The catalog file as it is, without replaying its journal."""
    return {e.msgid: e.msgstr for e in pofile.parse(article.catalog)}


def test_a_journaled_save_is_acknowledged_before_the_file_is_written(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    before = article.catalog.read_bytes()
    result = save_entry(project, article, msgid(1), "", "Item one", "li", True, now=NOW)
    assert result.state is EntryState.REVIEWED
    assert article.catalog.read_bytes() == before  # not rewritten yet
    (record,) = journal.read(article.catalog)
    assert (record["msgid"], record["before"], record["msgstr"]) == (msgid(1), "", "Item one")
    assert [json.loads(c)["action"] for c in record["credits"]] == ["translate", "review"]
    po = catalog(project, article)  # what the app shows: memory, with the save
    assert po is not None and {e.msgid: e.msgstr for e in po}[msgid(1)] == "Item one"
    flush(project, article)
    assert on_disk(article)[msgid(1)] == "Item one"
    assert not journal.pending(article.catalog)
    assert [(c.user, c.action) for c in contributions.read(project)] == [
        ("li", Action.TRANSLATE),
        ("li", Action.REVIEW),
    ]


def test_written_from_memory_exactly_as_a_full_write(plan: tuple[Project, Article]) -> None:
    project, article = plan
    for i in range(10):
        save_entry(project, article, msgid(i), "", f"Item {i}\nwith a long line " * 5, "li")
    flush(project, article)
    memory = article.catalog.read_text(encoding="utf-8")
    assert memory == pofile.dumps(pofile.parse(article.catalog))


def test_the_text_cache_writes_what_polib_writes() -> None:
    rng = random.Random(3)
    po = polib.POFile(wrapwidth=40)
    po.header = "A header.\n, flagged\n\n:colon"
    po.metadata = {"Project-Id-Version": "x", "Content-Type": "text/plain; charset=UTF-8"}
    for i in range(50):
        entry = pofile.Entry(msgid=f"源文 {i} " * rng.randint(1, 9), msgstr="", comment="paragraph")
        entry.occurrences = [("zh.md", str(i))]
        po.append(entry)
    po.append(pofile.Entry(msgid="gone", msgstr="Gone", obsolete=True))
    cache = pofile.TextCache()
    for _ in range(5):
        for entry in rng.sample(list(po), 10):
            entry.msgstr = "word " * rng.randint(0, 30)
            entry.flags = ["fuzzy"] if rng.random() < 0.5 else []
            entry.tcomment = f"translator: person {rng.randint(0, 99)}"
        assert cache.dumps(po) == str(po)


def test_any_reader_replays_a_journal_left_behind(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(2), "", "Item two", "li", now=NOW)
    left = {p: p.read_bytes() for p in (article.catalog, journal.journal_path(article.catalog))}
    store.stop()  # flushes; then put the files back as a killed process leaves them
    for path, data in left.items():
        path.write_bytes(data)
    assert journal.pending(article.catalog) and on_disk(article)[msgid(2)] == ""
    loaded = pofile.load(article.catalog)  # sync, publish, po2md, the CLI all read like this
    assert {e.msgid: e.msgstr for e in loaded}[msgid(2)] == "Item two"
    assert on_disk(article)[msgid(2)] == "Item two" and not journal.pending(article.catalog)
    assert [c.action for c in contributions.read(project)] == [Action.TRANSLATE]
    store.start(project.root)


def test_a_replay_twice_changes_nothing(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(3), "", "Item three", "li", now=NOW)
    lines = article.folder.joinpath(".en.po.journal").read_text(encoding="utf-8")
    flush(project, article)
    written = article.catalog.read_bytes()
    article.folder.joinpath(".en.po.journal").write_text(lines, encoding="utf-8")  # a crash
    pofile.load(article.catalog)  # between writing the file and emptying the journal
    assert article.catalog.read_bytes() == written
    assert not journal.rejects_path(article.catalog).exists()
    assert len(contributions.read(project)) == 1  # the repeated line is counted once


def test_an_outside_edit_is_merged_and_a_contradicted_save_kept(
    plan: tuple[Project, Article], caplog: pytest.LogCaptureFixture
) -> None:
    project, article = plan
    save_entry(project, article, msgid(4), "", "Ours", "li", now=NOW)
    save_entry(project, article, msgid(5), "", "Ours too", "li", now=NOW)
    po = pofile.parse(article.catalog)  # Poedit changes the file meanwhile
    outside = {e.msgid: e for e in po}
    outside[msgid(4)].msgstr = "Theirs"
    outside[msgid(6)].msgstr = "Also theirs"
    pofile.save(po, article.catalog)
    with caplog.at_level(logging.WARNING, logger="transpub.journal"):
        now = catalog(project, article)  # the app notices the file changed
    assert now is not None
    texts = {e.msgid: e.msgstr for e in now}
    assert (texts[msgid(4)], texts[msgid(5)], texts[msgid(6)]) == (
        "Theirs",
        "Ours too",
        "Also theirs",
    )
    assert on_disk(article) == texts
    (kept,) = [
        json.loads(x) for x in journal.rejects_path(article.catalog).read_text().split("\n") if x
    ]
    assert (kept["msgid"], kept["msgstr"]) == (msgid(4), "Ours")
    assert "Theirs" in kept["reason"] and ".en.po.rej" in caplog.text
    with pytest.raises(ConflictError) as conflict:  # an edit based on our text is now stale
        save_entry(project, article, msgid(4), "Ours", "Ours again", "li", now=NOW)
    assert conflict.value.current == "Theirs"


def test_a_torn_last_record_was_never_acknowledged(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(7), "", "Item seven", "li", now=NOW)
    with open(journal.journal_path(article.catalog), "ab") as fh:
        fh.write(b'{"msgid": "\xe7\xac\xac8')  # killed in the middle of the next write
    assert [r["msgid"] for r in journal.read(article.catalog)] == [msgid(7)]
    save_entry(project, article, msgid(9), "", "Item nine", "li", now=NOW)
    assert [r["msgid"] for r in journal.read(article.catalog)] == [msgid(7), msgid(9)]
    texts = {e.msgid: e.msgstr for e in pofile.load(article.catalog)}
    assert (texts[msgid(7)], texts[msgid(8)], texts[msgid(9)]) == ("Item seven", "", "Item nine")


def test_a_broken_journal_line_is_named(plan: tuple[Project, Article]) -> None:
    _, article = plan
    journal.journal_path(article.catalog).write_text("not json\n{}\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"\.en\.po\.journal.*line 1"):
        pofile.load(article.catalog)


# -- a real server killed with SIGKILL right after acknowledged saves --------------------------


def test_kill_9_loses_no_acknowledged_save(project_dir: Path, tmp_path: Path) -> None:
    write_article(project_dir, "plan", SOURCE)
    project = Project.open(project_dir)
    article = project.article("plan")
    sync_article(project, article, now=NOW)
    users = tmp_path / "conf" / "users.json"
    UserStore(users).add("li", Role.REVIEWER, PASSWORD)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import argparse, sys; from transpub.cli import review as review_cli; "
        "p = argparse.ArgumentParser(); "
        "p.add_argument('-C', '--project'); review_cli.args_review(p); "
        "sys.exit(review_cli.cmd_review(p.parse_args(sys.argv[1:])))"
    )
    env = {**os.environ, USERS_ENV: str(users)}
    argv = ["-C", str(project_dir), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-c", code, *argv], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stderr is not None
        seen = []
        for line in server.stderr:  # wait for uvicorn to say it listens: no polling
            seen.append(line)
            if "Uvicorn running on" in line:
                break
        else:
            pytest.fail("the server stopped: " + "".join(seen))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            page = client.get("/login").text
            csrf = page.split('name="csrf" value="')[1].split('"')[0]
            form = {"csrf": csrf, "name": "li", "password": PASSWORD, "next": "/"}
            assert client.post("/login", data=form).status_code == 303
            csrf = client.get("/").text.split('name="csrf" value="')[1].split('"')[0]
            for i in range(10):
                response = client.post(
                    f"/articles/plan/entries/{entry_id(msgid(i))}",
                    data={"csrf": csrf, "base": '""', "text": f"Saved {i}", "action": "approve"},
                    headers={"X-Requested-With": "fetch"},
                )
                assert response.status_code == 200, response.text
        server.send_signal(signal.SIGKILL)  # at once: the flusher waits for a quiet moment
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()
    assert journal.pending(article.catalog)  # the file was not written before the kill...
    po = pofile.load(article.catalog)  # ...and the next reader replays the journal
    texts = {e.msgid: e for e in po}
    for i in range(10):
        assert texts[msgid(i)].msgstr == f"Saved {i}"
        assert get_note(texts[msgid(i)], "reviewer") == "li"
    assert len(contributions.read(project)) == 20  # translate + review for each


# -- the editor page after a restart ---------------------------------------------------------


def test_the_first_page_after_a_restart_runs_no_check_on_unchanged_entries(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    save_entry(project, article, msgid(1), "", "Item 1 with 开源社 left", "li", now=NOW)
    first = Views(project)
    page = first.article_page(article)
    assert first.checks_run >= 1 and page.blockers.errors  # the Chinese left is an error
    again = Views(project)  # a new process would start like this
    assert again.article_page(article).blockers == page.blockers
    assert again.checks_run == 0
    save_entry(project, article, msgid(2), "", "Item two", "li", now=NOW)
    again.article_page(article)
    assert again.checks_run == 1  # only the changed entry
    glossary = project.root / "glossary" / "glossary.csv"
    glossary.parent.mkdir(exist_ok=True)
    glossary.write_text("zh,en,type\n工作,work,term\n", encoding="utf-8")
    fresh = Views(project)  # another glossary: every translated entry is checked again
    fresh.article_page(article)
    assert fresh.checks_run == 2


def test_the_history_reader_follows_appends_and_replacements(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    reader = history.Reader(article)
    assert reader.by_entry() == {}
    for i, text in enumerate(["One", "One more"]):
        result = save_entry(project, article, msgid(1), "One" if i else "", text, "li", now=NOW)
        history.record(article, result, "One" if i else "", "li", "2026-03-01T09:30:00Z")
        assert reader.by_entry() == history.by_entry(article)
    with open(history.path(article), "ab") as fh:
        fh.write(b'{"id": "torn')  # a line being written (or torn) is not read yet
    assert [c.after for c in reader.by_entry()[entry_id(msgid(1))]] == ["One more", "One"]
    history.path(article).write_text("", encoding="utf-8")  # replaced (a new inode or shorter)
    assert reader.by_entry() == {}


def test_findings_of_saves_are_kept_at_shutdown(plan: tuple[Project, Article]) -> None:
    project, article = plan
    views = Views(project)
    views.article_page(article)
    glossary = views.glossary()
    result = save_entry(project, article, msgid(3), "", "Item three", "li", glossary=glossary)
    views.saved(result, glossary)  # as the app does after a save
    views.keep_findings()  # as the app does at shutdown
    after = Views(project)
    after.article_page(article)
    assert after.checks_run == 0
