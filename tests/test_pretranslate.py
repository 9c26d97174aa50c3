"""Pre-translation: memory first, then the engine, batch by batch, never paying twice."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.queue import EntryState, entry_state, get_note, record_review
from transpub.catalog.sync import sync_article
from transpub.config import Config
from transpub.engines.base import Batch, BatchResult, Engine
from transpub.engines.pretranslate import EngineCache, needs_translation, pretranslate
from transpub.engines.tm import TranslationMemory
from transpub.errors import QuotaExceeded
from transpub.glossary.model import Glossary
from transpub.glossary.term import Term, TermType

SOURCE = """---
title: 开源社年度报告
---

# 开源社年度报告

开源社成立于 2014 年，见[官网](https://kaiyuanshe.cn/)和`代码`。

第二段讲述国际接轨组的工作计划。

第三段讲述模型开放框架。

OSI
"""


class EchoEngine(Engine):
    """A stand-in service (a plug-in through the public base class): it answers EN(...)."""

    engine_id = "echo"
    name = "Echo"
    max_texts = 2

    def __init__(self, config: Config, glossary: Glossary | None = None) -> None:
        super().__init__(config, glossary)
        self.batches_seen: list[Batch] = []
        self.quota_after: int | None = None
        self.drop_tags = False

    def call(self, batch: Batch) -> BatchResult:
        if self.quota_after is not None and len(self.batches_seen) >= self.quota_after:
            raise QuotaExceeded("the Echo quota is used up")
        self.batches_seen.append(batch)
        texts = [f"EN({t})" for t in batch.texts]
        if self.drop_tags:
            texts = [t.replace('<x id="2"/>', "") for t in texts]
        return BatchResult(texts, billed_characters=sum(len(t) for t in batch.texts))


@pytest.fixture
def project(project_dir: Path) -> Project:
    write_article(project_dir, "report", SOURCE)
    project = Project.open(project_dir)
    sync_article(project, project.article("report"))
    return project


def _run(project: Project, engine: Engine | None, memory: TranslationMemory | None = None):  # type: ignore[no-untyped-def]
    glossary = Glossary([Term("OSI", "OSI", TermType.DO_NOT_TRANSLATE, note="x")])
    cache = EngineCache(project.root / ".transpub" / "mt.sqlite", engine) if engine else None
    try:
        return pretranslate(
            project,
            project.article("report"),
            memory=memory,
            glossary=glossary,
            engine=engine,
            cache=cache,
            limiter=threading.Semaphore(1),
        )
    finally:
        if cache:
            cache.close()


def _po(project: Project):  # type: ignore[no-untyped-def]
    return pofile.load(project.article("report").catalog)


def test_engine_drafts_are_fuzzy_with_their_origin_and_markup_restored(project: Project) -> None:
    engine = EchoEngine(project.config)
    result = _run(project, engine)
    assert (result.machine, result.glossary, result.left) == (4, 1, 0)
    assert [len(b.texts) for b in engine.batches_seen] == [2, 2]  # max_texts respected
    po = _po(project)
    entry = po.find("开源社成立于 2014 年，见[官网](https://kaiyuanshe.cn/)和`代码`。")
    assert entry.msgstr == "EN(开源社成立于 2014 年，见[官网](https://kaiyuanshe.cn/)和`代码`。)"
    assert "fuzzy" in entry.flags and get_note(entry, "origin") == "mt:echo"
    assert get_note(po.find("OSI"), "origin") == "glossary"
    assert result.usage.billed_characters > 0 and result.usage.requests == 2


def test_rerun_on_unchanged_sources_sends_nothing(project: Project) -> None:
    _run(project, EchoEngine(project.config))
    again = EchoEngine(project.config)
    result = _run(project, again)
    assert again.batches_seen == [] and result.usage.billed_characters == 0


def test_after_editing_one_paragraph_only_that_one_is_sent(project: Project) -> None:
    _run(project, EchoEngine(project.config))
    article = project.article("report")
    article.source.write_text(SOURCE.replace("工作计划。", "工作计划和活动。"), encoding="utf-8")
    sync_article(project, article)
    engine = EchoEngine(project.config)
    _run(project, engine)
    sent = [t for b in engine.batches_seen for t in b.texts]
    assert sent == ["第二段讲述国际接轨组的工作计划和活动。"]


def test_engine_cache_means_a_lost_catalog_is_not_paid_twice(project: Project) -> None:
    _run(project, EchoEngine(project.config))
    project.article("report").catalog.unlink()
    sync_article(project, project.article("report"))
    engine = EchoEngine(project.config)
    result = _run(project, engine)
    assert engine.batches_seen == [] and result.cached == 4


def test_quota_stop_keeps_finished_batches(project: Project) -> None:
    engine = EchoEngine(project.config)
    engine.quota_after = 1
    result = _run(project, engine)
    assert result.stopped == "the Echo quota is used up"
    assert result.machine == 2 and result.left == 2
    po = _po(project)
    assert sum(entry_state(e) is EntryState.DRAFT for e in po) == 3  # 2 machine + glossary
    resumed = EchoEngine(project.config)
    _run(project, resumed)
    assert sum(len(b.texts) for b in resumed.batches_seen) == 2


def test_markup_lost_by_the_engine_is_flagged_not_broken(project: Project) -> None:
    engine = EchoEngine(project.config)
    engine.drop_tags = True
    result = _run(project, engine)
    assert result.flagged == 1
    entry = _po(project).find("开源社成立于 2014 年，见[官网](https://kaiyuanshe.cn/)和`代码`。")
    assert "did not keep the markup" in (get_note(entry, "warning") or "")
    assert "<x" not in entry.msgstr and "fuzzy" in entry.flags


def test_drafts_flagged_from_the_cache_are_counted_as_flagged(project: Project) -> None:
    engine = EchoEngine(project.config)
    engine.drop_tags = True
    assert _run(project, engine).flagged == 1
    project.article("report").catalog.unlink()
    sync_article(project, project.article("report"))
    result = _run(project, EchoEngine(project.config))
    assert (result.cached, result.flagged) == (4, 1)


class FailingEngine(EchoEngine):
    """Answers every unit but the first of each batch; raises once told to."""

    error: Exception | None = None

    def call(self, batch: Batch) -> BatchResult:
        if self.error is not None and self.batches_seen:
            raise self.error
        result = super().call(batch)
        result.failed = ["no usable answer"] + [None] * (len(batch.texts) - 1)
        result.requests = 2
        return result


def test_a_failed_unit_is_neither_drafted_nor_cached(project: Project) -> None:
    result = _run(project, FailingEngine(project.config))
    assert (result.machine, result.failed, result.failure) == (2, 2, "no usable answer")
    assert result.usage.requests == 4 and result.usage.texts == 4
    po = _po(project)
    first = po.find("开源社年度报告")
    assert first.msgstr == "" and get_note(first, "origin") is None
    again = EchoEngine(project.config)
    assert _run(project, again).failed == 0
    assert [len(b.texts) for b in again.batches_seen] == [2]  # exactly the two failed units


def test_an_engine_error_fails_the_rest_and_keeps_what_was_done(project: Project) -> None:
    from transpub.errors import EngineTransientError

    engine = FailingEngine(project.config)
    engine.error = EngineTransientError("the service still answered HTTP 503")
    engine.error.requests = 4
    result = _run(project, engine)
    assert (result.machine, result.failed) == (1, 3)
    assert result.failure == "the service still answered HTTP 503"
    assert result.usage.requests == 2 + 4


def test_memory_prefills_exact_matches_and_no_engine_leaves_the_rest(project: Project) -> None:
    memory = TranslationMemory(project.root / ".transpub" / "tm.sqlite")
    memory.add([("第三段讲述模型开放框架。", "The third paragraph is about the MOF.")], "tmx:test")
    result = _run(project, None, memory)
    memory.close()
    assert (result.tm, result.glossary, result.left) == (1, 1, 3)
    entry = _po(project).find("第三段讲述模型开放框架。")
    assert entry.msgstr == "The third paragraph is about the MOF."
    assert get_note(entry, "origin") == "tm"


def test_reviewed_entries_are_never_resent(project: Project) -> None:
    _run(project, EchoEngine(project.config))
    article = project.article("report")
    po = _po(project)
    for entry in po:
        record_review(entry, "审校者")
    pofile.save(po, article.catalog)
    article.source.write_text(SOURCE.replace("工作计划。", "工作计划和活动。"), encoding="utf-8")
    sync_article(project, article)
    changed = _po(project).find("第二段讲述国际接轨组的工作计划和活动。")
    assert not needs_translation(changed)  # a human's translation waits for a human
    engine = EchoEngine(project.config)
    _run(project, engine)
    assert engine.batches_seen == []


def test_a_reviewer_saving_during_the_run_is_not_overwritten(project: Project) -> None:
    from transpub.review.actions import save_entry

    article = project.article("report")
    target = "第三段讲述模型开放框架。"

    class ReviewerMeanwhile(EchoEngine):
        def call(self, batch: Batch) -> BatchResult:
            if not self.batches_seen:  # while the engine works, a reviewer saves one entry
                save_entry(project, article, target, "", "The MOF, by a person.", "李四", True)
            return super().call(batch)

    _run(project, ReviewerMeanwhile(project.config))
    entry = _po(project).find(target)
    assert entry.msgstr == "The MOF, by a person."
    assert entry_state(entry) is EntryState.REVIEWED
