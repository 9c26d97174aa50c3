"""The review queue: entry and article states, review notes, the translation hash, approval."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import (
    APPROVED_AT,
    APPROVED_BY,
    APPROVED_HASH,
    ArticleState,
    Counts,
    EntryState,
    approval,
    approve,
    article_state,
    counts,
    entry_state,
    get_note,
    record_draft,
    record_review,
    set_note,
    translation_hash,
)
from transpub.catalog.sync import sync_article
from transpub.errors import ApprovalError
from transpub.markdown.segmenter import segment
from transpub.review.actions import approve_article

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 18, 5, tzinfo=UTC)

SOURCE = """\
---
title: 国际接轨组工作计划
---

# 国际接轨组

开源社国际接轨组致力于连接中国与全球开源社区。

- 推出年度报告英文版
- 运营多语种内容

| 活动 | 负责人 |
| --- | --- |
| 开源年会 | 小王 |
"""
MSGIDS = [
    "国际接轨组工作计划",
    "国际接轨组",
    "开源社国际接轨组致力于连接中国与全球开源社区。",
    "推出年度报告英文版",
    "运营多语种内容",
    "活动",
    "负责人",
    "开源年会",
    "小王",
]


def fresh() -> polib.POFile:
    """A new catalog of SOURCE, as sync makes it."""
    po, _stats = pofile.merge(None, segment(SOURCE).units, title="国际接轨组工作计划", now=NOW)
    assert [e.msgid for e in po] == MSGIDS
    return po


def reloaded(po: polib.POFile, tmp_path: Path) -> polib.POFile:
    path = tmp_path / "en.po"
    pofile.save(po, path)
    return pofile.load(path)


def review_all(po: polib.POFile, reviewer: str = "Li Si") -> None:
    for i, entry in enumerate(po):
        if not entry.msgstr:
            record_draft(entry, f"English {i}", "mt:deepl", None)
        record_review(entry, reviewer)


# --- entries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msgstr", "flags", "state"),
    [
        ("", [], EntryState.UNTRANSLATED),
        ("", ["fuzzy"], EntryState.UNTRANSLATED),
        ("Plan", ["fuzzy"], EntryState.DRAFT),
        ("Plan", ["fuzzy", "python-format"], EntryState.DRAFT),
        ("Plan", [], EntryState.REVIEWED),
        ("Plan", ["no-wrap"], EntryState.REVIEWED),
    ],
)
def test_entry_state(msgstr: str, flags: list[str], state: EntryState) -> None:
    entry = polib.POEntry(msgid="计划", msgstr=msgstr, flags=list(flags))
    assert entry_state(entry) is state


def test_record_draft_keeps_the_origin_and_translator() -> None:
    entry = polib.POEntry(msgid="计划", msgstr="")
    record_draft(entry, "Plan", "mt:deepl", None)
    assert (entry.msgstr, entry_state(entry)) == ("Plan", EntryState.DRAFT)
    assert entry.tcomment == "origin: mt:deepl"
    assert get_note(entry, "translator") is None

    record_draft(entry, "The plan", "human", "Zhang  San\n")  # a person rewrites the draft
    assert entry.msgstr == "The plan"
    assert entry.flags == ["fuzzy"]
    assert get_note(entry, "origin") == "human"
    assert get_note(entry, "translator") == "Zhang San"
    assert entry.tcomment.splitlines() == ["origin: human", "translator: Zhang San"]


def test_record_draft_replaces_a_review_and_the_previous_source() -> None:
    entry = polib.POEntry(msgid="计划", msgstr="Plan", previous_msgid="旧计划", flags=["fuzzy"])
    record_review(entry, "Li Si")
    assert get_note(entry, "reviewer") == "Li Si"
    record_draft(entry, "Plans", "tm", "Wang Wu")
    assert entry_state(entry) is EntryState.DRAFT
    assert get_note(entry, "reviewer") is None
    assert entry.previous_msgid is None
    assert (get_note(entry, "origin"), get_note(entry, "translator")) == ("tm", "Wang Wu")


def test_record_review_credits_translator_and_reviewer() -> None:
    entry = polib.POEntry(msgid="计划", msgstr="")
    record_draft(entry, "Plan", "mt:deepl", "Zhang San")
    entry.previous_msgid = "旧计划"
    record_review(entry, "Li Si")
    assert entry_state(entry) is EntryState.REVIEWED
    assert entry.flags == []
    assert entry.previous_msgid is None
    assert entry.msgstr == "Plan"
    assert get_note(entry, "origin") == "mt:deepl"
    assert get_note(entry, "translator") == "Zhang San"
    assert get_note(entry, "reviewer") == "Li Si"


@pytest.mark.parametrize(
    ("translator", "text", "credited"),
    [
        (None, None, None),  # a machine draft approved as is: no human translated it
        (None, "The plan", "Li Si"),
        ("Zhang San", None, "Zhang San"),
        ("Zhang San", "Plan", "Zhang San"),  # the same text: not a correction
        ("Zhang San", "The plan", "Li Si"),  # corrected: the reviewer wrote it
    ],
)
def test_record_review_with_a_correction(
    translator: str | None, text: str | None, credited: str | None
) -> None:
    entry = polib.POEntry(msgid="计划", msgstr="")
    record_draft(entry, "Plan", "mt:deepl", translator)
    record_review(entry, "Li Si", text)
    assert entry.msgstr == (text or "Plan")
    assert get_note(entry, "translator") == credited
    assert get_note(entry, "reviewer") == "Li Si"
    assert entry_state(entry) is EntryState.REVIEWED


@pytest.mark.parametrize("text", [None, ""])
def test_an_untranslated_entry_cannot_be_reviewed(text: str | None) -> None:
    entry = polib.POEntry(msgid="计划", msgstr="")
    with pytest.raises(ApprovalError):
        record_review(entry, "Li Si", text)
    assert entry_state(entry) is EntryState.UNTRANSLATED
    assert get_note(entry, "reviewer") is None


def test_set_note_keeps_other_comment_lines() -> None:
    entry = polib.POEntry(msgid="计划", msgstr="", tcomment="a note from a translator\norigin: tm")
    set_note(entry, "origin", "human")
    set_note(entry, "reviewer", "Li Si")
    assert entry.tcomment.splitlines() == [
        "a note from a translator",
        "origin: human",
        "reviewer: Li Si",
    ]
    set_note(entry, "origin", None)
    assert entry.tcomment.splitlines() == ["a note from a translator", "reviewer: Li Si"]
    assert get_note(entry, "origin") is None


@pytest.mark.parametrize(
    ("translator", "reviewer"),
    [
        pytest.param("Zhang San", "Li Si", id="short"),
        pytest.param("张三", "李四 (开源社)", id="chinese"),
        pytest.param('O\'Brien "OB" \\ #1', "a: b", id="quotes-and-colons"),
        pytest.param(
            "Zhang San (KaiYuanShe International Liaison Group volunteer translator)",
            "Li Si, on behalf of the KaiYuanShe International Liaison Group editorial board",
            id="long",
        ),
    ],
)
def test_notes_survive_save_and_load(tmp_path: Path, translator: str, reviewer: str) -> None:
    po = fresh()
    for entry in po:
        record_draft(entry, f"EN {entry.msgid}", "mt:deepl", translator)
    record_review(po[2], reviewer)
    back = reloaded(po, tmp_path)
    for before, after in zip(po, back, strict=True):
        assert after.msgstr == before.msgstr
        assert entry_state(after) is entry_state(before)
        for key in ("origin", "translator", "reviewer"):
            assert get_note(after, key) == get_note(before, key)
    assert get_note(back[2], "reviewer") == reviewer
    assert get_note(back[2], "translator") == translator
    assert get_note(back[0], "origin") == "mt:deepl"
    assert back[2].tcomment == po[2].tcomment


def test_notes_are_translator_comments_in_the_file(tmp_path: Path) -> None:
    po = fresh()
    record_draft(po[1], "International Liaison", "mt:deepl", "Zhang San")
    record_review(po[1], "Li Si")
    pofile.save(po, tmp_path / "en.po")
    text = (tmp_path / "en.po").read_text(encoding="utf-8")
    assert (
        "# origin: mt:deepl\n# translator: Zhang San\n# reviewer: Li Si\n#. heading h1\n"
        '#: zh.md:5\nmsgid "国际接轨组"\nmsgstr "International Liaison"\n'
    ) in text


# --- counts and article states ----------------------------------------------------------------


def test_counts() -> None:
    po = fresh()
    assert counts(po) == Counts(untranslated=9)
    record_draft(po[0], "Plan", "tm", None)
    record_draft(po[1], "Liaison", "mt:deepl", None)
    record_draft(po[2], "Connects", "human", "Zhang San")
    record_review(po[2], "Li Si")
    tally = counts(po)
    assert tally == Counts(untranslated=6, draft=2, reviewed=1)
    assert tally.total == 9
    assert tally.as_dict() == {"untranslated": 6, "draft": 2, "reviewed": 1, "total": 9}


def test_counts_ignore_the_header_and_obsolete_entries() -> None:
    po = fresh()
    po.append(polib.POEntry(msgid="旧段落", msgstr="Old", obsolete=True))
    po.append(polib.POEntry(msgid="旧草稿", msgstr="Old", flags=["fuzzy"], obsolete=True))
    assert counts(po) == Counts(untranslated=9)
    assert Counts().total == 0


def step(po: polib.POFile, action: str) -> None:
    """One thing that happens to a catalog on its way through the queue."""
    if action == "draft some":
        for entry in po[:3]:
            record_draft(entry, f"EN {entry.msgid}", "mt:deepl", None)
    elif action == "review one":
        record_review(po[0], "Li Si")
    elif action == "draft the rest":
        for entry in po:
            if not entry.msgstr:
                record_draft(entry, f"EN {entry.msgid}", "tm", None)
    elif action == "review all":
        for entry in po:
            record_review(entry, "Li Si")
    elif action == "approve":
        approve(po, "Editor Chen", NOW)
    elif action == "correct one":
        record_review(po[3], "Li Si", "A corrected translation")
    elif action == "reopen one":
        po[3].flags.append("fuzzy")
    elif action == "clear one":
        po[4].msgstr = ""
    else:  # pragma: no cover - a typo in the table below
        raise AssertionError(action)


def test_article_state_transitions(tmp_path: Path) -> None:
    assert article_state(None) is ArticleState.NEW
    po = fresh()
    expected = [
        ("draft some", ArticleState.TRANSLATING),
        ("review one", ArticleState.TRANSLATING),
        ("draft the rest", ArticleState.IN_REVIEW),
        ("review all", ArticleState.IN_REVIEW),
        ("approve", ArticleState.APPROVED),
        ("correct one", ArticleState.IN_REVIEW),  # the approval is void
        ("approve", ArticleState.APPROVED),
        ("reopen one", ArticleState.IN_REVIEW),
        ("clear one", ArticleState.TRANSLATING),
    ]
    assert article_state(po) is ArticleState.NEW
    for action, state in expected:
        step(po, action)
        assert article_state(po) is state, action
        assert article_state(reloaded(po, tmp_path)) is state, f"{action} (after save and load)"


def test_published_state_needs_the_same_translation() -> None:
    po = fresh()
    step(po, "draft the rest")
    step(po, "review all")
    step(po, "approve")
    published = translation_hash(po)
    assert article_state(po, published) is ArticleState.PUBLISHED
    assert article_state(po, "0" * 64) is ArticleState.APPROVED
    step(po, "correct one")
    assert article_state(po, published) is ArticleState.IN_REVIEW


def test_a_catalog_of_obsolete_entries_only_is_new() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="旧段落", msgstr="Old", obsolete=True))
    assert article_state(po) is ArticleState.NEW


# --- the translation hash ---------------------------------------------------------------------


def test_translation_hash_is_stable(tmp_path: Path) -> None:
    po = fresh()
    step(po, "draft the rest")
    step(po, "review one")
    digest = translation_hash(po)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert translation_hash(po) == digest
    assert translation_hash(reloaded(po, tmp_path)) == digest
    assert translation_hash(fresh()) == translation_hash(fresh())
    # notes, references, header and obsolete entries are not the translation
    po[1].tcomment = "a translator's remark"
    po[1].occurrences = [("zh.md", "99")]
    po.metadata["Last-Translator"] = "someone"
    po.append(polib.POEntry(msgid="旧段落", msgstr="Old", obsolete=True))
    assert translation_hash(po) == digest


def tweak(po: polib.POFile, how: str) -> None:
    entry = po[2]
    if how == "msgstr":
        entry.msgstr += "!"
    elif how == "msgstr whitespace":
        entry.msgstr += " "
    elif how == "msgstr case":
        entry.msgstr = entry.msgstr.swapcase()
    elif how == "msgstr emptied":
        entry.msgstr = ""
    elif how == "fuzzy":
        entry.flags.append("fuzzy")
    elif how == "unfuzzy":
        po[3].flags.remove("fuzzy")
    elif how == "msgctxt":
        entry.msgctxt = "context"
    elif how == "last msgstr":
        po[-1].msgstr = "Xiao Wang "
    elif how == "swap msgstrs":
        po[2].msgstr, po[3].msgstr = po[3].msgstr, po[2].msgstr
    elif how == "move text between entries":
        po[2].msgstr, po[3].msgstr = po[2].msgstr + po[3].msgstr[:1], po[3].msgstr[1:]
    else:  # pragma: no cover
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "msgstr",
        "msgstr whitespace",
        "msgstr case",
        "msgstr emptied",
        "fuzzy",
        "unfuzzy",
        "msgctxt",
        "last msgstr",
        "swap msgstrs",
        "move text between entries",
    ],
)
def test_translation_hash_sees_every_change(how: str) -> None:
    po = fresh()
    for i, entry in enumerate(po):
        record_draft(entry, f"Text {i}", "mt:deepl", None)
    record_review(po[2], "Li Si")
    before = translation_hash(po)
    tweak(po, how)
    assert translation_hash(po) != before


# --- approval ---------------------------------------------------------------------------------


def test_approve_binds_the_approval_to_the_translation() -> None:
    po = fresh()
    review_all(po)
    given = approve(po, "  Editor\tChen ", NOW)
    assert given.editor == "Editor Chen"
    assert given.at == "2026-03-01 09:30+0000"
    assert given.digest == translation_hash(po)
    assert approval(po) == given
    assert po.metadata[APPROVED_BY] == "Editor Chen"
    assert po.metadata[APPROVED_AT] == "2026-03-01 09:30+0000"
    assert po.metadata[APPROVED_HASH] == given.digest


@pytest.mark.parametrize(
    "change", ["msgstr", "msgstr whitespace", "fuzzy", "msgstr emptied", "last msgstr"]
)
def test_a_later_change_voids_the_approval(tmp_path: Path, change: str) -> None:
    po = fresh()
    review_all(po)
    approve(po, "Editor Chen", NOW)
    assert approval(po) is not None
    tweak(po, change)
    assert approval(po) is None
    assert article_state(po) in (ArticleState.IN_REVIEW, ArticleState.TRANSLATING)
    back = reloaded(po, tmp_path)
    assert approval(back) is None
    assert back.metadata[APPROVED_BY] == "Editor Chen"  # still recorded, no longer valid
    # approving again, once everything is reviewed, binds to the new text
    for entry in back:
        if not entry.msgstr:
            record_draft(entry, "Again", "human", "Zhang San")
        record_review(entry, "Li Si")
    again = approve(back, "Editor Chen", LATER)
    assert approval(back) == again
    assert back.metadata[APPROVED_AT] == "2026-03-02 18:05+0000"


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("nothing", "9 entries are untranslated and 0 are unreviewed drafts"),
        ("draft some", "6 entries are untranslated and 3 are unreviewed drafts"),
        ("draft the rest", "0 entries are untranslated and 9 are unreviewed drafts"),
        ("almost", "0 entries are untranslated and 1 is an unreviewed draft"),
        ("one untranslated", "1 entry is untranslated and 0 are unreviewed drafts"),
    ],
)
def test_approve_is_refused_until_everything_is_reviewed(prepare: str, message: str) -> None:
    po = fresh()
    if prepare in ("draft some", "draft the rest"):
        step(po, prepare)
    elif prepare == "almost":
        review_all(po)
        po[5].flags.append("fuzzy")
    elif prepare == "one untranslated":
        review_all(po)
        po[8].msgstr = ""
    header = dict(po.metadata)
    digest = translation_hash(po)
    with pytest.raises(ApprovalError, match=message):
        approve(po, "Editor Chen", NOW)
    assert po.metadata == header  # nothing recorded
    assert translation_hash(po) == digest
    assert approval(po) is None


def test_there_is_nothing_to_approve_in_an_empty_catalog() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="旧段落", msgstr="Old", obsolete=True))
    with pytest.raises(ApprovalError, match="nothing to approve"):
        approve(po, "Editor Chen", NOW)
    assert APPROVED_BY not in po.metadata


@pytest.mark.parametrize(
    "editor",
    [
        pytest.param("", id="empty"),
        pytest.param(" \t ", id="blank"),
    ],
)
def test_an_approval_needs_an_editor(editor: str) -> None:
    po = fresh()
    review_all(po)
    header = dict(po.metadata)
    with pytest.raises(ApprovalError, match="name"):
        approve(po, editor, NOW)
    assert po.metadata == header
    assert approval(po) is None


@pytest.mark.parametrize(
    "editor", ["Editor Chen", "陈编辑", 'Chen "the editor" \\ 陈', "Chen: editor; 2026"]
)
def test_approve_article_persists_and_passes_msgfmt(
    project_dir: Path, tmp_path: Path, editor: str
) -> None:
    write_article(project_dir, "plan", SOURCE)
    project = Project.open(project_dir)
    article = project.article("plan")
    sync_article(project, article, now=NOW)
    po = pofile.load(article.catalog)
    review_all(po)
    po[0].flags.append("fuzzy")  # one draft left
    pofile.save(po, article.catalog)
    before = article.catalog.read_bytes()
    with pytest.raises(ApprovalError):
        approve_article(article, editor, NOW)
    assert article.catalog.read_bytes() == before

    po = pofile.load(article.catalog)
    record_review(po[0], "Li Si")
    pofile.save(po, article.catalog)

    given = approve_article(article, editor, LATER)
    assert given.at == "2026-03-02 18:05+0000"
    back = pofile.load(article.catalog)
    assert back.metadata[APPROVED_BY] == " ".join(editor.split())
    assert back.metadata[APPROVED_AT] == "2026-03-02 18:05+0000"
    assert back.metadata[APPROVED_HASH] == translation_hash(back) == given.digest
    assert approval(back) == given
    assert article_state(back) is ArticleState.APPROVED
    text = article.catalog.read_text(encoding="utf-8")
    assert f'"{APPROVED_HASH}: {given.digest}\\n"' in text

    checked = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "en.mo"), str(article.catalog)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""

    # a sync with an unchanged source keeps the approval, byte for byte
    before = article.catalog.read_bytes()
    result = sync_article(project, article, now=LATER)
    assert not result.written
    assert article.catalog.read_bytes() == before
    assert approval(pofile.load(article.catalog)) == given
