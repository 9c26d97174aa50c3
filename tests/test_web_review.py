"""Saving entries and approving articles from the review app: no lost update, every action credited.

These test the library functions the web app calls (``transpub.review.actions``), with real
threads and real processes competing for one catalog.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest

from conftest import write_article
from transpub.article import Article, Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, approval, get_note, record_draft, record_review
from transpub.catalog.sync import sync_article
from transpub.checks.report import FINDINGS_NAME
from transpub.credits import contributions
from transpub.credits.contributions import Action, entry_id
from transpub.errors import ApprovalError, ArticleError
from transpub.review import jsonlines
from transpub.review.actions import (
    Blockers,
    ConflictError,
    apply_drafts,
    approve_checked,
    article_blockers,
    catch_up_outside_edits,
    find_entry,
    lock_path,
    save_entry,
)

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ITEMS = 40
SOURCE = "---\ntitle: 工作计划\n---\n\n" + "".join(f"- 第{i}项工作内容\n" for i in range(ITEMS))
GLOSSARY = """\
zh,en,type,variants,pos,case_sensitive,note
开源社,KAIYUANSHE,name,,proper noun,yes,the community's English name
开源社,Open Source Society,forbidden,,,no,a wrong literal rendering
"""


def msgid(i: int) -> str:
    return f"第{i}项工作内容"


@pytest.fixture
def plan(project_dir: Path) -> tuple[Project, Article]:
    write_article(project_dir, "plan", SOURCE)
    project = Project.open(project_dir)
    article = project.article("plan")
    sync_article(project, article, now=NOW)
    return project, article


@pytest.fixture
def about(project_dir: Path) -> tuple[Project, Article]:
    """A one-paragraph article whose source has a glossary term, with the project's glossary."""
    (project_dir / "glossary").mkdir()
    (project_dir / "glossary" / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    write_article(project_dir, "about", "---\ntitle: 关于开源社\n---\n\n开源社成立于2014年。\n")
    project = Project.open(project_dir)
    article = project.article("about")
    sync_article(project, article, now=NOW)
    return project, article


def entry(article: Article, text: str) -> polib.POEntry:
    found = find_entry(pofile.load(article.catalog), entry_id(text))
    assert found is not None
    return found


def test_a_translators_save_is_a_human_draft(plan: tuple[Project, Article]) -> None:
    project, article = plan
    result = save_entry(project, article, msgid(0), "", "Work item 0", "wang", now=NOW)
    assert (result.state, result.actions, result.entry) == (
        EntryState.DRAFT,
        (Action.TRANSLATE,),
        entry_id(msgid(0)),
    )
    e = entry(article, msgid(0))
    assert (e.msgstr, "fuzzy" in e.flags) == ("Work item 0", True)
    assert (get_note(e, "origin"), get_note(e, "translator")) == ("human", "wang")
    [logged] = contributions.read(project)
    assert (logged.user, logged.action, logged.entry, logged.article) == (
        "wang",
        Action.TRANSLATE,
        entry_id(msgid(0)),
        "plan",
    )
    assert (logged.source_chars, logged.english_words, logged.at) == (7, 3, "2026-03-01T09:30:00Z")
    po = pofile.load(article.catalog)
    assert po.metadata["PO-Revision-Date"] == "2026-03-01 09:30+0000"


def test_approving_an_edited_machine_draft(plan: tuple[Project, Article]) -> None:
    project, article = plan
    po = pofile.load(article.catalog)
    record_draft(po[1], "Work item zero", "mt:deepl", None)
    pofile.save(po, article.catalog)
    result = save_entry(project, article, msgid(0), "Work item zero", "Task 0", "li", approve=True)
    assert result.actions == (Action.EDIT, Action.REVIEW)
    assert result.state is EntryState.REVIEWED
    e = entry(article, msgid(0))
    assert (e.msgstr, e.flags) == ("Task 0", [])
    assert [get_note(e, k) for k in ("origin", "translator", "reviewer")] == ["human", "li", "li"]
    assert [c.action for c in contributions.read(project)] == [Action.EDIT, Action.REVIEW]


def test_approving_an_unchanged_draft_keeps_its_translator(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Task 0", "wang")
    result = save_entry(project, article, msgid(0), "Task 0", "Task 0", "li", approve=True)
    assert result.actions == (Action.REVIEW,)
    e = entry(article, msgid(0))
    assert (get_note(e, "translator"), get_note(e, "reviewer")) == ("wang", "li")


def test_approving_an_unchanged_machine_draft_credits_no_translator(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    po = pofile.load(article.catalog)
    record_draft(po[1], "Work item zero", "mt:deepl", None)
    pofile.save(po, article.catalog)
    result = save_entry(project, article, msgid(0), "Work item zero", "Work item zero", "li", True)
    assert result.actions == (Action.REVIEW,)
    e = entry(article, msgid(0))
    assert [get_note(e, k) for k in ("origin", "translator", "reviewer")] == [
        "mt:deepl",
        None,
        "li",
    ]


def test_nothing_changed_nothing_written(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Task 0", "wang", approve=True)
    before = article.catalog.read_bytes()
    logged = len(contributions.read(project))
    again = save_entry(project, article, msgid(0), "Task 0", "Task 0", "zhao", approve=True)
    same = save_entry(project, article, msgid(0), "Task 0", "Task 0", "zhao")
    assert again.actions == same.actions == ()
    assert article.catalog.read_bytes() == before
    assert len(contributions.read(project)) == logged


def test_a_stale_base_is_a_conflict_and_changes_nothing(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(3), "", "First text", "wang")
    before = article.catalog.read_bytes()
    with pytest.raises(ConflictError) as caught:
        save_entry(project, article, msgid(3), "", "Second text", "li", approve=True)
    assert caught.value.current == "First text"
    assert caught.value.state is EntryState.DRAFT
    assert caught.value.path == str(article.catalog)
    assert article.catalog.read_bytes() == before
    assert [c.user for c in contributions.read(project)] == ["wang"]


def test_an_untranslated_entry_cannot_be_approved(plan: tuple[Project, Article]) -> None:
    project, article = plan
    before = article.catalog.read_bytes()
    with pytest.raises(ApprovalError):
        save_entry(project, article, msgid(0), "", "", "li", approve=True)
    assert article.catalog.read_bytes() == before


def test_a_refused_approval_leaves_no_trace(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Kept", "wang")
    with pytest.raises(ApprovalError):
        save_entry(project, article, msgid(0), "Kept", "", "li", approve=True)
    save_entry(project, article, msgid(1), "", "Other", "wang")  # the next write
    assert entry(article, msgid(0)).msgstr == "Kept"
    assert [c.user for c in contributions.read(project)] == ["wang", "wang"]


def test_an_edit_made_outside_between_saves_is_seen(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "From the app", "wang")
    po = pofile.load(article.catalog)  # Poedit, or a hand edit, between two saves
    find_entry(po, entry_id(msgid(0))).msgstr = "From Poedit"
    find_entry(po, entry_id(msgid(1))).msgstr = "Also from Poedit"
    pofile.save(po, article.catalog)
    with pytest.raises(ConflictError) as caught:
        save_entry(project, article, msgid(0), "From the app", "Again", "li")
    assert caught.value.current == "From Poedit"
    save_entry(project, article, msgid(2), "", "From the app too", "li")
    now = pofile.load(article.catalog)
    assert [find_entry(now, entry_id(msgid(i))).msgstr for i in range(3)] == [
        "From Poedit",
        "Also from Poedit",
        "From the app too",
    ]


def test_clearing_a_translation(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Bad machine text", "wang", approve=True)
    result = save_entry(project, article, msgid(0), "Bad machine text", "", "li")
    assert (result.state, result.actions) == (EntryState.UNTRANSLATED, (Action.EDIT,))
    e = entry(article, msgid(0))
    assert (e.msgstr, e.flags, e.tcomment) == ("", [], "")


def test_an_entry_that_left_the_catalog(plan: tuple[Project, Article]) -> None:
    project, article = plan
    with pytest.raises(ArticleError, match="no longer in the catalog"):
        save_entry(project, article, "不存在的条目", "", "Gone", "wang")


def test_a_save_needs_a_name(plan: tuple[Project, Article]) -> None:
    project, article = plan
    with pytest.raises(ApprovalError):
        save_entry(project, article, msgid(0), "", "Text", "  ")


def test_saving_runs_the_entrys_checks(plan: tuple[Project, Article], project_dir: Path) -> None:
    project, article = plan
    result = save_entry(project, article, msgid(0), "", "Item  0 done", "wang")
    assert any(f.check == "double-space" for f in result.findings), result.findings
    assert all(f.msgid == msgid(0) for f in result.findings)


def test_the_checks_use_the_projects_glossary_unless_told(
    about: tuple[Project, Article],
) -> None:
    project, article = about
    text = "Founded in 2014."
    checked = save_entry(project, article, "开源社成立于2014年。", "", text, "wang")
    assert [f.check for f in checked.findings] == ["glossary-term"]
    unchecked = save_entry(
        project, article, "开源社成立于2014年。", text, text + " ", "wang", glossary=None
    )
    assert "glossary-term" not in [f.check for f in unchecked.findings]


def together(work: Callable[[int], None], count: int) -> None:
    """Run ``work(0)`` … ``work(count - 1)`` in threads released at the same moment."""
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_twenty_threads_on_distinct_entries_lose_nothing(plan: tuple[Project, Article]) -> None:
    project, article = plan
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            save_entry(project, article, msgid(i), "", f"Item {i}", f"user{i}", approve=i % 2 == 0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    together(work, 20)
    assert errors == []
    po = pofile.load(article.catalog)
    for i in range(20):
        e = find_entry(po, entry_id(msgid(i)))
        assert e is not None and e.msgstr == f"Item {i}"
        assert ("fuzzy" in e.flags) is (i % 2 == 1)
    assert len(contributions.read(project)) == 20 + 10


def test_racing_on_one_entry_exactly_one_wins(plan: tuple[Project, Article]) -> None:
    project, article = plan
    won: list[str] = []
    lost: list[ConflictError] = []
    guard = threading.Lock()

    def work(i: int) -> None:
        try:
            save_entry(project, article, msgid(5), "", f"Version {i}", f"user{i}")
            with guard:
                won.append(f"Version {i}")
        except ConflictError as exc:
            with guard:
                lost.append(exc)

    together(work, 10)
    assert len(won) == 1 and len(lost) == 9
    assert {exc.current for exc in lost} == set(won)
    assert entry(article, msgid(5)).msgstr == won[0]
    assert len(contributions.read(project)) == 1


_SAVER = """
import sys
from transpub.article import Project
from transpub.review.actions import save_entry
project = Project.open(sys.argv[1])
article = project.article("plan")
for text in sys.argv[2:]:
    save_entry(project, article, text, "", "by process: " + text, "proc")
"""


def test_two_processes_saving_at_once_lose_nothing(plan: tuple[Project, Article]) -> None:
    project, article = plan
    evens = [msgid(i) for i in range(0, ITEMS, 2)]
    odds = [msgid(i) for i in range(1, ITEMS, 2)]
    procs = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(project.root), *chosen])
        for chosen in (evens, odds)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    po = pofile.load(article.catalog)
    for i in range(ITEMS):
        e = find_entry(po, entry_id(msgid(i)))
        assert e is not None and e.msgstr == "by process: " + msgid(i)
    assert len(contributions.read(project)) == ITEMS
    assert lock_path(article).exists()


_CRASHER = """
import resource, signal, sys
from transpub.article import Project
from transpub.review.actions import save_entry
project = Project.open(sys.argv[1])
article = project.article("plan")
# From here on, writing past 512 bytes of any file kills the process (SIGXFSZ, which Python
# ignores unless told otherwise): the new catalog is being written when it dies.
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))
save_entry(project, article, sys.argv[2], "", "x" * 20000, "crash")
"""


def test_a_crash_mid_write_leaves_the_previous_catalog(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(1), "", "Kept", "wang")
    before = article.catalog.read_bytes()
    run = subprocess.run(
        [sys.executable, "-B", "-c", _CRASHER, str(project.root), msgid(2)], capture_output=True
    )
    assert run.returncode == -signal.SIGXFSZ, run.stderr
    assert article.catalog.read_bytes() == before
    assert [c.user for c in contributions.read(project)] == ["wang"]
    # The crashed process held the lock; it died with it, so saving goes on.
    save_entry(project, article, msgid(2), "", "After the crash", "li")
    assert entry(article, msgid(2)).msgstr == "After the crash"


def _review_everything(article: Article, text: str = "Work item {i}.") -> None:
    po = pofile.load(article.catalog)
    for i, e in enumerate(po):
        record_draft(e, text.format(i=i), "mt:deepl", None)
        record_review(e, "li")
    pofile.save(po, article.catalog)


def test_an_article_with_drafts_is_not_approved(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Item 0", "wang")
    before = article.catalog.read_bytes()
    with pytest.raises(ApprovalError) as caught:
        approve_checked(project, article, "zhao", NOW)
    message = str(caught.value)
    assert f"{ITEMS} untranslated" in message and "1 unreviewed draft" in message
    assert article.catalog.read_bytes() == before


def test_check_errors_block_the_approval(about: tuple[Project, Article]) -> None:
    project, article = about
    po = pofile.load(article.catalog)
    record_draft(po[0], "About KAIYUANSHE", "human", "wang")
    record_draft(po[1], "The Open Source Society was founded in 2014.", "mt:deepl", None)
    for e in po:
        record_review(e, "li")
    pofile.save(po, article.catalog)
    with pytest.raises(ApprovalError) as caught:
        approve_checked(project, article, "zhao", NOW)
    assert "2 check errors (first: articles/about/zh.md:5: error: [glossary-term]" in str(
        caught.value
    )
    saved = json.loads((article.folder / FINDINGS_NAME).read_text(encoding="utf-8"))
    assert {f["check"] for f in saved["findings"]} == {"glossary-term", "forbidden-term"}
    assert approval(pofile.load(article.catalog)) is None


def test_an_approval_is_credited_and_voided_by_a_later_save(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    _review_everything(article)
    given = approve_checked(project, article, " zhao ", NOW)
    assert (given.editor, given.at) == ("zhao", "2026-03-01 09:30+0000")
    assert approval(pofile.load(article.catalog)) == given
    [logged] = contributions.read(project)
    assert (logged.action, logged.user, logged.entry) == (Action.APPROVE_ARTICLE, "zhao", None)
    assert logged.source_chars == 4 + 7 * 10 + 8 * 30  # the title, then 第0…第9 and 第10…第39
    assert logged.english_words == 3 * (ITEMS + 1)

    save_entry(project, article, msgid(0), "Work item 1.", "Work item one.", "li", approve=True)
    assert approval(pofile.load(article.catalog)) is None


def test_blockers_say_what_is_left() -> None:
    po = polib.POFile()
    for text, flags in (("", []), ("Draft", ["fuzzy"]), ("Done", [])):
        po.append(polib.POEntry(msgid=f"条目{text}", msgstr=text, flags=flags))
    blockers = article_blockers(po, [])
    assert (blockers.untranslated, blockers.drafts, bool(blockers)) == (1, 1, True)
    assert str(blockers) == "1 untranslated, 1 unreviewed draft"
    assert not Blockers(0, 0, ())
    assert str(Blockers(0, 0, ())) == "nothing"


def test_outside_edits_are_caught_up_once_and_app_edits_never(
    plan: tuple[Project, Article],
) -> None:
    project, article = plan
    assert catch_up_outside_edits(project, article, NOW) == []  # first sight: history
    save_entry(project, article, msgid(0), "", "From the app", "wang", now=NOW)
    assert catch_up_outside_edits(project, article, NOW) == []  # the app's own write
    po = pofile.load(article.catalog)  # then Poedit
    po.metadata["Last-Translator"] = "Zhang San <zhang@example.org>"
    find_entry(po, entry_id(msgid(0))).msgstr = "From Poedit"
    find_entry(po, entry_id(msgid(1))).msgstr = "New in Poedit"  # not fuzzy: final
    pofile.save(po, article.catalog)
    logged = catch_up_outside_edits(project, article, NOW)
    assert sorted((c.entry, c.action, c.user, c.via) for c in logged) == sorted(
        [
            (entry_id(msgid(0)), Action.EDIT, "Zhang San", "catalog"),  # still a draft
            (entry_id(msgid(1)), Action.TRANSLATE, "Zhang San", "catalog"),
            (entry_id(msgid(1)), Action.REVIEW, "Zhang San", "catalog"),  # saved as final
        ]
    )
    assert catch_up_outside_edits(project, article, NOW) == []  # credited once
    assert [c.user for c in contributions.read(project)] == ["wang"] + ["Zhang San"] * 3
    assert not list(contributions.seen_path(project, article).parent.glob(".*.tmp"))


def test_machine_drafts_never_overwrite_a_reviewers_save(plan: tuple[Project, Article]) -> None:
    project, article = plan
    save_entry(project, article, msgid(0), "", "Reviewed meanwhile", "li", approve=True)
    drafts = {msgid(i): (f"Machine {i}", "mt:deepl") for i in range(3)}
    assert apply_drafts(project, article, drafts) == 2
    assert entry(article, msgid(0)).msgstr == "Reviewed meanwhile"
    e = entry(article, msgid(1))
    assert (e.msgstr, "fuzzy" in e.flags, get_note(e, "origin")) == ("Machine 1", True, "mt:deepl")
    assert apply_drafts(project, article, drafts) == 0
    assert catch_up_outside_edits(project, article, NOW) == []
    assert len(contributions.read(project)) == 2  # machines are not credited


def test_an_app_save_records_the_last_translator_like_a_po_editor(project_dir: Path) -> None:
    write_article(project_dir, "a", "---\ntitle: 甲\n---\n\n正文。\n")
    project = Project.open(project_dir)
    article = project.article("a")
    sync_article(project, article)
    save_entry(project, article, "正文。", "", "Body.", "李四", glossary=None)
    assert pofile.load(article.catalog).metadata["Last-Translator"] == "李四"
    sync_article(project, article)  # the app's own save is not credited again as an outside edit
    assert [c.user for c in contributions.read(project)] == ["李四"]


def test_entry_logs_append_lines_and_survive_a_torn_one(tmp_path: Path) -> None:
    """Comments and history are appended a line at a time; a crash mid-write tears only the
    last line, which is skipped; a broken line elsewhere is a located error."""
    log = tmp_path / "history.jsonl"
    jsonlines.append(log, {"n": 1})
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"n": 2, "tor')  # what a crash mid-write leaves
    assert jsonlines.read(log, "a change") == [{"n": 1}]
    jsonlines.append(log, {"n": 3})  # starts on a line of its own
    assert log.read_text(encoding="utf-8").splitlines()[-1] == '{"n":3}'
    with pytest.raises(ArticleError, match="line 2 is not a change"):
        jsonlines.read(log, "a change")
