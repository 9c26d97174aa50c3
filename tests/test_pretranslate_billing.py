"""Pre-translation pays once: identical texts share a request, within an article and across the
articles of a run, and what failed calls may have cost is reported."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import write_article
from transpub.article import Project
from transpub.catalog import pofile
from transpub.catalog.sync import sync_article
from transpub.config import Config
from transpub.engines.base import Batch, BatchResult, Engine, Usage
from transpub.engines.pretranslate import EngineCache, RunTexts, pretranslate
from transpub.errors import EngineTransientError

IMAGES = "\n\n".join(f"![image](img/{i}.png)" for i in range(39))


class CountingEngine(Engine):
    """Answers EN(...); remembers every text it was sent; fails on demand."""

    engine_id = "count"
    name = "Count"
    max_texts = 10

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.sent: list[str] = []
        self.lock = threading.Lock()
        self.fail_on_call: int | None = None
        #: A text whose request is held until ``gate`` opens (``entered`` says it arrived).
        self.hold: str | None = None
        self.gate = threading.Event()
        self.entered = threading.Event()

    def call(self, batch: Batch) -> BatchResult:
        if self.hold in batch.texts:
            self.entered.set()
            assert self.gate.wait(30)
        with self.lock:
            calls = len(self.sent)
            if self.fail_on_call is not None and calls >= self.fail_on_call:
                self.fail_on_call = None
                exc = EngineTransientError("the Count service is down")
                exc.requests, exc.billed_characters = 3, 7  # e.g. timed-out attempts
                raise exc
            self.sent.extend(batch.texts)
        return BatchResult(
            [f"EN({t})" for t in batch.texts], billed_characters=sum(map(len, batch.texts))
        )


def _project(project_dir: Path, **articles: str) -> Project:
    for slug, text in articles.items():
        write_article(project_dir, slug, text)
    project = Project.open(project_dir)
    for article in project.articles():
        sync_article(project, article)
    return project


def _run(
    project: Project,
    slug: str,
    engine: Engine,
    shared: RunTexts | None = None,
    usage: Usage | None = None,
):  # type: ignore[no-untyped-def]
    cache = EngineCache(project.root / ".transpub" / "mt.sqlite", engine)
    try:
        return pretranslate(
            project,
            project.article(slug),
            memory=None,
            glossary=None,
            engine=engine,
            cache=cache,
            shared=shared,
            usage=usage,
        )
    finally:
        cache.close()


def test_39_identical_images_are_sent_once(project_dir: Path) -> None:
    project = _project(project_dir, report=f"---\ntitle: 报告\n---\n\n{IMAGES}\n")
    engine = CountingEngine(project.config)
    result = _run(project, "report", engine)
    assert engine.sent.count('<g id="1">image</g>') == 1
    assert result.machine == 40 and result.duplicates == 38 and result.left == 0
    assert result.usage.requests == 1
    po = pofile.load(project.article("report").catalog)
    for i in range(39):  # each entry keeps its own picture
        assert po.find(f"![image](img/{i}.png)").msgstr == f"EN(![image](img/{i}.png))"


class Watched(RunTexts):
    """Tells the test when an article starts waiting for another's answer."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, text: str) -> tuple[str, str | None] | None:
        self.waiting.set()
        return super().wait(text)


def test_a_heading_shared_by_two_articles_running_at_once_is_sent_once(
    project_dir: Path,
) -> None:
    heading = "# 开源社年度报告\n"
    project = _project(
        project_dir,
        a=f"---\ntitle: 甲\n---\n\n{heading}\n第一篇。\n",
        b=f"---\ntitle: 乙\n---\n\n{heading}\n第二篇。\n",
    )
    engine = CountingEngine(project.config)
    engine.max_texts = 1
    engine.hold = "开源社年度报告"
    shared = Watched()
    results = {}

    def run(slug: str) -> None:
        results[slug] = _run(project, slug, engine, shared)

    first = threading.Thread(target=run, args=("a",))
    first.start()
    assert engine.entered.wait(30)  # a is sending its heading (held at the gate)
    second = threading.Thread(target=run, args=("b",))
    second.start()
    assert shared.waiting.wait(30)  # b waits for a's answer instead of sending it again
    engine.gate.set()
    first.join(30)
    second.join(30)
    assert sorted(engine.sent) == sorted(["甲", "乙", "开源社年度报告", "第一篇。", "第二篇。"])
    assert results["b"].duplicates == 1 and results["b"].machine == 3
    po = pofile.load(project.article("b").catalog)
    assert po.find("开源社年度报告").msgstr == "EN(开源社年度报告)"


def test_a_failed_sender_lets_the_waiting_article_send(project_dir: Path) -> None:
    shared = RunTexts()
    assert shared.claim("x") and not shared.claim("x")
    shared.release(["x"])
    assert shared.wait("x") is None and shared.claim("x")
    shared.answer("x", "EN(x)", None)
    assert shared.wait("x") == ("EN(x)", None) and not shared.claim("x")


def test_an_article_stopped_by_an_engine_error_reports_what_every_attempt_cost(
    project_dir: Path,
) -> None:
    body = "\n\n".join(f"第{i}段。" for i in range(25))
    project = _project(project_dir, report=f"---\ntitle: 报告\n---\n\n{body}\n")
    engine = CountingEngine(project.config)
    engine.fail_on_call = 10  # the second batch fails after the first was answered
    usage = Usage()
    stopped = _run(project, "report", engine, usage=usage)  # no exception: the article stops
    assert stopped.machine == 10 and stopped.failed == 16 and stopped.left == 0
    assert stopped.failure is not None
    first = usage.billed_characters
    assert usage.requests == 1 + 3 and first == sum(map(len, engine.sent)) + 7
    result = _run(project, "report", engine, usage=usage)  # the next run sends only the rest
    assert result.cached == 0 and result.machine == 16 and result.failed == 0  # 10 were saved
    assert result.usage is usage
    assert usage.billed_characters == sum(map(len, engine.sent)) + 7  # nothing left out
    assert usage.unconfirmed_characters == 7
    assert usage.requests == 1 + 3 + 2
