"""A translate run over a project's articles: sync, pre-translate and check each one, in this
process, with no orchestrator.

This is the body of the Prefect translate flow (``flows/translate.py``) and what ``transpub
translate`` runs on a laptop without a Prefect API. The host says how the articles are run
(``run_articles``: here a thread pool with the same retry rule as the flow's tasks; there Prefect
tasks), how runs on several machines take turns (``account_limit``) and where the progress goes.

Failure rule, the same on both paths: an engine error stops its article (answered drafts are
kept), the other articles go on; a missing key or a bad glossary stops the run before anything is
sent. Shapes: ``Outcome`` (per article an ``ArticleRun``, the queue rows, the failures).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from transpub.article import Article, Project
from transpub.catalog.status import QueueRow, queue
from transpub.catalog.sync import sync_article
from transpub.checks.report import check_article, project_glossary
from transpub.engines import Engine, Usage, create_engine
from transpub.engines.pretranslate import EngineCache, Pretranslation, RunTexts, pretranslate
from transpub.engines.runlock import run_lock
from transpub.engines.tm import TranslationMemory
from transpub.errors import EngineTransientError, TranspubError
from transpub.glossary.model import Glossary

#: An article whose engine failed temporarily is tried again this many times, after these delays
#: (seconds); the Prefect task uses the same figures as its retries.
RETRIES = 2
RETRY_DELAYS = (2, 10)
#: Articles worked on at once (engine requests are bounded by ``[translate] max_concurrency``).
ARTICLE_WORKERS = 4

LOGGER = logging.getLogger("transpub.translate")


@dataclass
class ArticleRun:
    """One article's run: what pre-translation did and where the time went (seconds)."""

    slug: str
    pretranslation: Pretranslation | None = None
    errors: int = 0
    warnings: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    failure: str | None = None


@dataclass
class Outcome:
    """What a translate run did: per article, the queue afterwards and the failures."""

    engine: str = "none"
    runs: list[ArticleRun] = field(default_factory=list)
    rows: list[QueueRow] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: How much the account's usage rose during the run, where the engine reports it (DeepL).
    account_characters: int | None = None
    #: Seconds spent waiting for another run on the same engine account and project.
    waited: float = 0.0
    #: The project's name (``[project] name``), empty when the project could not be opened.
    project: str = ""
    #: Whether the articles were worked on (False: the run stopped before, see ``failures``).
    ran: bool = False

    @property
    def stopped(self) -> str | None:
        """Why the engine stopped sending (the quota), if it did."""
        return next(
            (
                r.pretranslation.stopped
                for r in self.runs
                if r.pretranslation and r.pretranslation.stopped
            ),
            None,
        )

    @property
    def waiting(self) -> int:
        """Entries left for the next run (or for people, with no engine)."""
        return sum(r.pretranslation.left for r in self.runs if r.pretranslation)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for run in self.runs:
            if run.pretranslation is not None:
                total.merge(run.pretranslation.usage)
        return total

    @property
    def problems(self) -> list[str]:
        """Why the run could not do all its work: failed articles, then the quota stop."""
        return [*self.failures, *([self.stopped] if self.stopped else [])]


@dataclass
class ArticleJob:
    """Everything one article's work needs; ``usage`` outlives retries of the article."""

    project: Project
    article: Article
    glossary: Glossary | None
    engine: Engine | None
    cache: EngineCache | None
    limiter: threading.Semaphore
    progress: Callable[[int, int], None] | None
    shared: RunTexts | None
    usage: Usage


#: Runs the jobs (in any order, at once or not) and returns their ArticleRuns in the same order.
ArticleRunner = Callable[[list[ArticleJob]], list[ArticleRun]]
#: Across machines, one run at a time per engine account: (project, account, on_wait) → context.
AccountLimit = Callable[[Project, str, Callable[[str], None]], AbstractContextManager[None]]


def failure_line(article: Article, exc: TranspubError) -> str:
    """One line naming the article (or its file) and what went wrong."""
    text = str(exc)
    return text if exc.path is not None else f"{article.slug}: {text}"


def translate_article(job: ArticleJob, logger: Any = LOGGER, retrying: bool = False) -> ArticleRun:
    """Sync, pre-translate and check one article. A TranspubError becomes the run's ``failure``;
    an EngineTransientError is raised instead when ``retrying`` (the caller tries again)."""
    article = job.article
    run = ArticleRun(article.slug)
    try:
        t0 = time.perf_counter()
        sync_article(job.project, article)
        t1 = time.perf_counter()
        with TranslationMemory.for_project(job.project) as memory:
            run.pretranslation = pretranslate(
                job.project,
                article,
                memory=memory,
                glossary=job.glossary,
                engine=job.engine,
                cache=job.cache,
                limiter=job.limiter,
                progress=job.progress,
                shared=job.shared,
                usage=job.usage,
            )
        t2 = time.perf_counter()
        failed = run.pretranslation.failed
        if failed:
            run.failure = (
                f"{article.slug}: {failed} entr{'y' if failed == 1 else 'ies'} got no usable "
                f"machine translation and stay untranslated: {run.pretranslation.failure}; "
                "the next run of transpub translate sends exactly these again"
            )
        report = check_article(job.project, article, job.glossary)
        run.errors, run.warnings = len(report.errors), len(report.warnings)
        run.seconds = {
            "sync": t1 - t0,
            "pretranslate": t2 - t1,
            "engine": run.pretranslation.engine_seconds,
            "checks": time.perf_counter() - t2,
        }
    except EngineTransientError as exc:
        if retrying:
            logger.warning("%s; the article is tried again", failure_line(article, exc))
            raise
        run.failure = failure_line(article, exc)
    except TranspubError as exc:
        run.failure = failure_line(article, exc)
    if run.failure is not None:
        if run.pretranslation is None:  # what earlier attempts were billed still counts
            run.pretranslation = Pretranslation(article.slug, usage=job.usage)
        logger.error(run.failure)
        return run
    p = run.pretranslation
    assert p is not None  # set above unless the article failed
    logger.info(
        "%s: %d from memory, %d from the glossary, %d from the engine cache, %d machine drafts "
        "(%d flagged, %d shared with identical texts), %d waiting; %d requests, %d characters "
        "billed; %d check errors, %d warnings",
        article.slug,
        p.tm,
        p.glossary,
        p.cached,
        p.machine,
        p.flagged,
        p.duplicates,
        p.left,
        p.usage.requests,
        p.usage.billed_characters,
        run.errors,
        run.warnings,
    )
    if p.stopped:
        logger.error("%s: %s", article.slug, p.stopped)
    return run


def in_threads(logger: Any = LOGGER, sleep: Callable[[float], None] = time.sleep) -> ArticleRunner:
    """Run articles ``ARTICLE_WORKERS`` at a time in this process, each tried again after
    ``RETRY_DELAYS`` when its engine failed temporarily (as the flow's Prefect tasks are)."""

    def one(job: ArticleJob) -> ArticleRun:
        for attempt in range(RETRIES + 1):
            try:
                return translate_article(job, logger, retrying=attempt < RETRIES)
            except EngineTransientError:
                sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
        raise AssertionError("the last attempt returns")  # pragma: no cover

    def run_all(jobs: list[ArticleJob]) -> list[ArticleRun]:
        if len(jobs) <= 1:
            return [one(job) for job in jobs]
        with ThreadPoolExecutor(ARTICLE_WORKERS, thread_name_prefix="transpub-article") as pool:
            return list(pool.map(one, jobs))

    return run_all


class RunProgress:
    """Per-article progress callbacks: ``on_article(slug, done, total)`` for a terminal and
    ``on_total(percent)`` (0–100, units sent over units planned) for the whole run."""

    def __init__(
        self,
        on_article: Callable[[str, int, int], None] | None = None,
        on_total: Callable[[float], None] | None = None,
    ) -> None:
        self.on_article = on_article
        self.on_total = on_total
        self.state: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def __call__(self, slug: str) -> Callable[[int, int], None] | None:
        if self.on_article is None and self.on_total is None:
            return None

        def report(done: int, total: int) -> None:
            with self.lock:
                self.state[slug] = (done, total)
                sent = sum(d for d, _ in self.state.values())
                planned = sum(t for _, t in self.state.values())
            if planned and self.on_total is not None:
                self.on_total(100.0 * sent / planned)
            if self.on_article is not None:
                self.on_article(slug, done, total)

        return report

    def finish(self) -> None:
        """The run is over: 100 % (also when there was nothing to send)."""
        if self.on_total is not None:
            self.on_total(100.0)


def translate_project(
    root: str,
    slugs: Sequence[str] | None = None,
    engine: str | None = None,
    *,
    logger: Any = LOGGER,
    run_articles: ArticleRunner | None = None,
    account_limit: AccountLimit | None = None,
    progress: RunProgress | None = None,
) -> Outcome:
    """Translate the selected articles (all by default) of the project at ``root`` with the
    configured engine (or ``engine``: "none", "deepl", "llm").

    Never raises a TranspubError: a run that could not start has it as its only failure; check
    ``Outcome.problems``. A run with an engine holds the account's run lock for the project (and
    ``account_limit``, when given) while it sends."""
    started = time.perf_counter()
    outcome = Outcome(engine=engine or "none")
    run_articles = run_articles or in_threads(logger)
    progress = progress or RunProgress()
    try:
        project = Project.open(root)
        outcome.project = project.config.project.name
        articles = project.select(list(slugs) if slugs else None)
        glossary = project_glossary(project)
        outcome.engine = engine or project.config.translate.engine
        machine = create_engine(project.config, glossary, engine)
        account = None
        if machine is not None:
            machine.check_key()
            account = machine.account()
    except TranspubError as exc:  # a missing key, a bad glossary…: said once, no traceback
        return _failed(logger, outcome, str(exc))
    logger.info(
        "translating %d article(s) of %s with %s",
        len(articles),
        project.config.project.name,
        machine.name if machine else "no engine (memory and glossary only)",
    )
    with contextlib.ExitStack() as lock:
        if account is not None:  # one run at a time per engine account and project
            waiting_since = time.perf_counter()
            if account_limit is not None:
                lock.enter_context(account_limit(project, account, logger.warning))
            lock.enter_context(run_lock(project, account, on_wait=logger.warning))
            outcome.waited = time.perf_counter() - waiting_since
        before = None
        try:
            if machine is not None:
                machine.prepare()
                before = _characters_used(machine, logger)
        except TranspubError as exc:
            return _failed(logger, outcome, str(exc))
        with _engine_cache(project, machine) as cache:
            limiter = threading.BoundedSemaphore(project.config.translate.max_concurrency)
            shared = RunTexts()
            jobs = [
                ArticleJob(
                    project, a, glossary, machine, cache, limiter, progress(a.slug), shared, Usage()
                )
                for a in articles
            ]
            outcome.runs = run_articles(jobs)
            outcome.ran = True
            progress.finish()
        if machine is not None and before is not None:
            after = _characters_used(machine, logger)
            if after is not None:
                outcome.account_characters = after - before
    outcome.failures = [r.failure for r in outcome.runs if r.failure]
    outcome.rows = queue(project, [a.slug for a in articles])
    outcome.seconds = time.perf_counter() - started
    usage = outcome.usage
    logger.info(
        "%s: %d requests, %d characters billed%s%s",
        outcome.engine,
        usage.requests,
        usage.billed_characters,
        f" ({usage.unconfirmed_characters} of them for requests left without an answer)"
        if usage.unconfirmed_characters
        else "",
        f"; the account's usage rose by {outcome.account_characters} characters"
        if outcome.account_characters is not None
        else "",
    )
    return outcome


@contextlib.contextmanager
def _engine_cache(project: Project, machine: Engine | None) -> Iterator[EngineCache | None]:
    if machine is None:
        yield None
        return
    cache = EngineCache(project.root / ".transpub" / "mt-cache.sqlite", machine)
    try:
        yield cache
    finally:
        cache.close()


def _failed(logger: Any, outcome: Outcome, reason: str) -> Outcome:
    logger.error(reason)
    outcome.failures = [reason]
    return outcome


def _characters_used(machine: Engine, logger: Any) -> int | None:
    """The account's usage, or None (with a warning) when it cannot be had."""
    try:
        return machine.characters_used()
    except TranspubError as exc:
        logger.warning("the account's usage is not known: %s", exc)
        return None


def cost_rows(outcome: Outcome) -> list[dict[str, str]]:
    """Per article and in total: what was pre-filled, sent, flagged and billed."""
    rows = []
    total = Pretranslation("total")
    for run in outcome.runs:
        p = run.pretranslation or Pretranslation(run.slug)
        rows.append(_cost_row(run.slug, p, run.errors, run.warnings))
        for name in (
            "tm",
            "glossary",
            "cached",
            "machine",
            "flagged",
            "failed",
            "left",
            "duplicates",
        ):
            setattr(total, name, getattr(total, name) + getattr(p, name))
        total.usage.merge(p.usage)
    errors = sum(r.errors for r in outcome.runs)
    warnings = sum(r.warnings for r in outcome.runs)
    rows.append(_cost_row("total", total, errors, warnings))
    return rows


def _cost_row(slug: str, p: Pretranslation, errors: int, warnings: int) -> dict[str, str]:
    return {
        "article": slug,
        "from memory": str(p.tm),
        "from glossary": str(p.glossary),
        "engine cache": str(p.cached),
        "machine drafts": str(p.machine),
        "identical texts": str(p.duplicates),
        "flagged": str(p.flagged),
        "failed": str(p.failed),
        "waiting": str(p.left),
        "requests": str(p.usage.requests),
        "characters billed": str(p.usage.billed_characters),
        "tokens (in/out)": f"{p.usage.input_tokens}/{p.usage.output_tokens}",
        "check errors": str(errors),
        "check warnings": str(warnings),
    }
