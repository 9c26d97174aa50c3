"""The translate flow: sync each article, pre-fill drafts (memory, glossary, engine), check it.

Every task calls library functions; the flow adds Prefect's retries, concurrency, progress,
artifacts and run logs. With no engine configured it pre-fills from the translation memory and the
glossary and leaves the rest for human translators.

A run that uses an engine holds the engine account's run lock for the project (a second run waits,
then pays only for what is left) and sends each distinct text once. One article's failure does not
stop the others; a run that could not do all its work (an article failed, the quota stopped it, the
engine refused) ends in a Failed state whose message says why, and still returns its Outcome.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.objects import State
from prefect.concurrency.sync import concurrency
from prefect.context import TaskRunContext
from prefect.exceptions import MissingContextError, ObjectAlreadyExists, ObjectNotFound
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ephemeral import start_temporary_server
from transpub.article import Article, Project
from transpub.catalog.status import HEADERS, QueueRow, queue, table_rows
from transpub.catalog.sync import sync_article
from transpub.checks.report import check_article, project_glossary
from transpub.engines import Engine, Usage, create_engine
from transpub.engines.pretranslate import EngineCache, Pretranslation, RunTexts, pretranslate
from transpub.engines.runlock import run_lock
from transpub.engines.tm import TranslationMemory
from transpub.errors import EngineTransientError, TranspubError
from transpub.glossary.model import Glossary

#: Set by the command line to draw a progress bar: (slug, done, total).
PROGRESS: Callable[[str, int, int], None] | None = None


@dataclass
class ArticleRun:
    """One article's run: what pre-translation did and where the time went."""

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


def _transient(task: object, task_run: object, state: object) -> bool:
    """Retry a task only when its engine failed temporarily."""
    try:
        state.result()  # type: ignore[attr-defined]
    except EngineTransientError:
        return True
    except Exception:
        return False
    return False


def _logger() -> Any:
    """Prefect's run logger, or a plain one when a task's ``.fn`` runs outside a flow."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("transpub.flows")


def _retries_left() -> bool:
    """Whether Prefect will run this task again if it raises now."""
    context = TaskRunContext.get()
    return context is not None and context.task_run.run_count <= context.task.retries


def _failure(article: Article, exc: TranspubError) -> str:
    """One line naming the article and what went wrong."""
    text = str(exc)
    return text if exc.path is not None else f"{article.slug}: {text}"


@task(
    name="translate-article",
    task_run_name="translate {article.slug}",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_transient,
    cache_policy=NO_CACHE,
)
def translate_article(
    project: Project,
    article: Article,
    glossary: Glossary | None,
    engine: Engine | None,
    cache: EngineCache | None,
    limiter: threading.Semaphore,
    progress: Callable[[int, int], None] | None,
    shared: RunTexts | None = None,
    usage: Usage | None = None,
) -> ArticleRun | State[Any]:
    """Sync, pre-translate and check one article; a Failed state (with the ArticleRun) when the
    article could not be done. ``usage`` outlives Prefect's retries of the task."""
    logger = _logger()
    run = ArticleRun(article.slug)
    try:
        t0 = time.perf_counter()
        sync_article(project, article)
        t1 = time.perf_counter()
        with TranslationMemory.for_project(project) as memory:
            run.pretranslation = pretranslate(
                project,
                article,
                memory=memory,
                glossary=glossary,
                engine=engine,
                cache=cache,
                limiter=limiter,
                progress=progress,
                shared=shared,
                usage=usage,
            )
        t2 = time.perf_counter()
        failed = run.pretranslation.failed
        if failed:
            run.failure = (
                f"{article.slug}: {failed} entr{'y' if failed == 1 else 'ies'} got no usable "
                f"machine translation and stay untranslated: {run.pretranslation.failure}; "
                "the next run of transpub translate sends exactly these again"
            )
        report = check_article(project, article, glossary)
        run.errors, run.warnings = len(report.errors), len(report.warnings)
        run.seconds = {
            "sync": t1 - t0,
            "pretranslate": t2 - t1,
            "engine": run.pretranslation.engine_seconds,
            "checks": time.perf_counter() - t2,
        }
    except EngineTransientError as exc:
        if _retries_left():
            logger.warning("%s; Prefect retries the article", _failure(article, exc))
            raise
        run.failure = _failure(article, exc)
    except TranspubError as exc:
        run.failure = _failure(article, exc)
    if run.failure is not None:
        if run.pretranslation is None:  # what earlier attempts were billed still counts
            run.pretranslation = Pretranslation(article.slug, usage=usage or Usage())
        logger.error(run.failure)
        return Failed(message=run.failure, data=run)
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


def limit_name(project: Project, account: str) -> str:
    """The Prefect global concurrency limit of an engine account and project."""
    return re.sub(
        r"[^A-Za-z0-9_.-]+", "-", f"transpub-translate-{project.config.project.name}-{account}"
    )


@contextlib.contextmanager
def account_limit(
    project: Project, account: str, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Across machines: one run at a time per engine account and project, through a Prefect
    global concurrency limit of 1 (created when missing), where runs share a Prefect server.
    Prefect's temporary server serves one process only: there the run lock file is enough."""
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        yield
        return
    name = limit_name(project, account)
    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with contextlib.suppress(ObjectAlreadyExists):
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
            limit = client.read_global_concurrency_limit_by_name(name)
    if limit.active_slots >= limit.limit and on_wait is not None:
        on_wait(
            f"another translate run holds the Prefect concurrency limit {name!r}; this run waits "
            "for it to finish, then sends only what that run left untranslated"
        )
    with concurrency(name, occupy=1, strict=True):
        yield


def _article_run(future: Any, slug: str) -> ArticleRun:
    """The ArticleRun a task finished with, failed or not."""
    future.wait()
    state = future.state
    result = state.result(raise_on_failure=False)
    if isinstance(result, ArticleRun):
        return result
    reason = (
        str(result) if isinstance(result, TranspubError) else f"{type(result).__name__}: {result}"
    )
    return ArticleRun(slug, failure=f"{slug}: {reason}")


def _failed(logger: Any, outcome: Outcome, reason: str) -> State[Any]:
    logger.error(reason)
    return Failed(message=reason, data=outcome)


@flow(name="translate", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def translate_flow(
    root: str, slugs: list[str] | None = None, engine: str | None = None
) -> Outcome | State[Any]:
    """Translate the selected articles (all by default) with the configured engine.

    Ends Failed (with the Outcome as its data) when an article failed, the engine's quota
    stopped the run, or the engine could not be used at all."""
    logger = _logger()
    started = time.perf_counter()
    outcome = Outcome(engine=engine or "none")
    try:
        project = Project.open(root)
        articles = project.select(slugs)
        glossary = project_glossary(project)
        outcome.engine = engine or project.config.translate.engine
        machine = create_engine(project.config, glossary, engine)
        account = None
        if machine is not None:
            machine.check_key()
            account = machine.account()
    except TranspubError as exc:  # a missing key, a bad glossary…: said once, no traceback
        outcome.failures = [str(exc)]
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
            lock.enter_context(account_limit(project, account, on_wait=logger.warning))
            lock.enter_context(run_lock(project, account, on_wait=logger.warning))
            outcome.waited = time.perf_counter() - waiting_since
        before = None
        try:
            if machine is not None:
                machine.prepare()
                before = _characters_used(machine, logger)
        except TranspubError as exc:
            outcome.failures = [str(exc)]
            return _failed(logger, outcome, str(exc))
        cache = None
        if machine is not None:
            cache = EngineCache(project.root / ".transpub" / "mt-cache.sqlite", machine)
        limiter = threading.BoundedSemaphore(project.config.translate.max_concurrency)
        progress = _Progress()
        shared = RunTexts()
        futures = [
            translate_article.submit(
                project, a, glossary, machine, cache, limiter, progress(a.slug), shared, Usage()
            )
            for a in articles
        ]
        outcome.runs = [_article_run(f, a.slug) for f, a in zip(futures, articles, strict=True)]
        progress.finish()
        if cache is not None:
            cache.close()
        if machine is not None and before is not None:
            after = _characters_used(machine, logger)
            if after is not None:
                outcome.account_characters = after - before
    outcome.failures = [r.failure for r in outcome.runs if r.failure]
    outcome.rows = queue(project, [a.slug for a in articles])
    outcome.seconds = time.perf_counter() - started
    _artifacts(project, outcome)
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
    problems = [*outcome.failures, *([outcome.stopped] if outcome.stopped else [])]
    if problems:
        return Failed(message=_reason(problems), data=outcome)
    return outcome


def _reason(problems: list[str]) -> str:
    first = problems[0]
    more = len(problems) - 1
    return first if not more else f"{first} (and {more} more: see the run's logs)"


def _characters_used(machine: Engine, logger: Any) -> int | None:
    """The account's usage, or None (with a warning) when it cannot be had."""
    try:
        return machine.characters_used()
    except TranspubError as exc:
        logger.warning("the account's usage is not known: %s", exc)
        return None


class _Progress:
    """Per-article progress callbacks feeding one Prefect progress artifact (and the terminal)."""

    def __init__(self) -> None:
        self.artifact = create_progress_artifact(0.0, description="Units sent to the engine")
        self.state: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def __call__(self, slug: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            with self.lock:
                self.state[slug] = (done, total)
                sent = sum(d for d, _ in self.state.values())
                planned = sum(t for _, t in self.state.values())
            if planned:
                update_progress_artifact(self.artifact, 100.0 * sent / planned)  # type: ignore[arg-type]
            if PROGRESS is not None:
                PROGRESS(slug, done, total)

        return report

    def finish(self) -> None:
        """The run is over: 100 % (also when there was nothing to send)."""
        update_progress_artifact(self.artifact, 100.0)  # type: ignore[arg-type]


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


def _artifacts(project: Project, outcome: Outcome) -> None:
    create_table_artifact(
        key="review-queue",
        table=[dict(zip(HEADERS, cells, strict=True)) for cells in table_rows(outcome.rows)],
        description=f"Review queue of {project.config.project.name} after the translate run.",
    )
    create_table_artifact(
        key="translation-cost",
        table=cost_rows(outcome),
        description=f"What the {outcome.engine} run pre-filled, sent and was billed.",
    )


def translate(root: str, slugs: list[str] | None = None, engine: str | None = None) -> Outcome:
    """Run the flow in-process (Prefect's temporary server when no server is configured).

    Returns the Outcome also when the run ended Failed; raises StartupError when Prefect's
    temporary server does not start."""
    start_temporary_server()
    state = translate_flow(root, slugs, engine, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, Outcome):
        return result
    if isinstance(result, BaseException):
        raise result
    raise TranspubError(f"the translate flow ended {state.type.value} without an outcome")
