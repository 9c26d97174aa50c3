"""Merging a changed source into its catalog behaves like msgmerge."""

from __future__ import annotations

from datetime import UTC, datetime

import polib

from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, entry_state, record_review
from transpub.markdown.segmenter import segment

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 2, 1, tzinfo=UTC)

SOURCE = """# 开源社年度报告

开源社成立于 2014 年，是由志愿贡献于开源事业的个人志愿者组成的开源社区。

第二段讲述国际接轨组的工作计划和重点活动。

第三段将被删除，它的翻译会变成过时条目。

开源社
"""


def _translated(text: str) -> polib.POFile:
    po, _ = pofile.merge(None, segment(text).units, title="t", now=T0)
    for entry in po:
        record_review(entry, "审校者", text=f"EN {entry.msgid}")
    return po


def _by_id(po: polib.POFile) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in po if not e.obsolete}


def test_identical_units_share_one_entry_with_every_occurrence() -> None:
    text = "开源社\n\n# 开源社\n\n| 开源社 |\n| --- |\n"
    po, stats = pofile.merge(None, segment(text).units, title="t", now=T0)
    assert stats.entries == 1
    (entry,) = list(po)
    assert entry.occurrences == [("zh.md", "1"), ("zh.md", "3"), ("zh.md", "5")]
    assert entry.comment == "paragraph, heading h1, table header cell"


def test_unchanged_source_keeps_everything_and_the_same_bytes() -> None:
    old = _translated(SOURCE)
    new, stats = pofile.merge(old, segment(SOURCE).units, title="t", now=T1)
    assert pofile.dumps(new) == pofile.dumps(old)  # not even the creation date moves
    assert (stats.kept, stats.new, stats.fuzzy, stats.obsolete) == (5, 0, 0, 0)


def test_changed_unit_becomes_fuzzy_with_previous_source() -> None:
    old = _translated(SOURCE)
    edited = SOURCE.replace(
        "第二段讲述国际接轨组的工作计划和重点活动。", "第二段讲述国际接轨组的工作计划与重点活动。"
    )
    new, stats = pofile.merge(old, segment(edited).units, title="t", now=T1)
    entry = _by_id(new)["第二段讲述国际接轨组的工作计划与重点活动。"]
    assert "fuzzy" in entry.flags
    assert entry.msgstr == "EN 第二段讲述国际接轨组的工作计划和重点活动。"
    assert entry.previous_msgid == "第二段讲述国际接轨组的工作计划和重点活动。"
    assert entry_state(entry) is EntryState.DRAFT
    assert stats.fuzzy == 1
    assert "#| msgid" in pofile.dumps(new)
    assert new.metadata["POT-Creation-Date"] == "2026-02-01 00:00+0000"


def test_vanished_unit_becomes_obsolete_and_comes_back() -> None:
    old = _translated(SOURCE)
    shorter = SOURCE.replace("第三段将被删除，它的翻译会变成过时条目。\n\n", "")
    new, stats = pofile.merge(old, segment(shorter).units, title="t", now=T1)
    gone = [e for e in new if e.obsolete]
    assert [e.msgid for e in gone] == ["第三段将被删除，它的翻译会变成过时条目。"]
    assert gone[0].msgstr == "EN 第三段将被删除，它的翻译会变成过时条目。"
    assert stats.obsolete == 1
    assert "#~ msgid" in pofile.dumps(new)

    back, stats = pofile.merge(new, segment(SOURCE).units, title="t", now=T1)
    entry = _by_id(back)["第三段将被删除，它的翻译会变成过时条目。"]
    assert entry.msgstr == "EN 第三段将被删除，它的翻译会变成过时条目。"
    assert entry_state(entry) is EntryState.REVIEWED
    assert not [e for e in back if e.obsolete]


def test_unrelated_new_unit_is_untranslated_and_untranslated_leftovers_vanish() -> None:
    old, _ = pofile.merge(None, segment(SOURCE).units, title="t", now=T0)
    changed = SOURCE.replace(
        "第三段将被删除，它的翻译会变成过时条目。", "完全不同的新内容，关于模型开放框架。"
    )
    new, stats = pofile.merge(old, segment(changed).units, title="t", now=T1)
    assert (
        entry_state(_by_id(new)["完全不同的新内容，关于模型开放框架。"]) is EntryState.UNTRANSLATED
    )
    assert not [e for e in new if e.obsolete]  # msgmerge drops untranslated obsolete entries
    assert stats.new == 1


def test_entries_follow_document_order_and_reference_lines() -> None:
    po, _ = pofile.merge(None, segment(SOURCE).units, title="t", now=T0)
    assert [e.occurrences[0][1] for e in po] == ["1", "3", "5", "7", "9"]


def test_saved_catalog_parses_back_identically(tmp_path) -> None:  # type: ignore[no-untyped-def]
    po = _translated(SOURCE)
    path = tmp_path / "en.po"
    assert pofile.save(po, path) is True
    assert pofile.save(pofile.load(path), path) is False  # unchanged: not rewritten
    assert pofile.dumps(pofile.load(path)) == pofile.dumps(po)
