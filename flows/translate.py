"""The translate flow: sync each article, pre-fill drafts (memory, glossary, engine), check it.

The work is the library's translate run (``transpub.engines.run``, what ``transpub translate``
runs without a Prefect API); the flow adds Prefect's retries, concurrency, progress, artifacts,
run logs and, where runs share a Prefect server, a global concurrency limit per engine account.
With no engine configured it pre-fills from the translation memory and the glossary and leaves the
rest for human translators.

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
from collections.abc import Callable, Iterator
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.context import TaskRunContext
from prefect.exceptions import MissingContextError
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ephemeral import start_temporary_server
from transpub.article import Article, Project
from transpub.catalog.status import HEADERS, table_rows
from transpub.engines import Engine, Usage
from transpub.engines import run as library
from transpub.engines.pretranslate import EngineCache, RunTexts
from transpub.engines.run import ArticleJob, ArticleRun, Outcome, cost_rows
from transpub.errors import EngineTransientError, TranspubError
from transpub.glossary.model import Glossary

__all__ = [
    "PROGRESS",
    "ArticleRun",
    "Outcome",
    "account_limit",
    "cost_rows",
    "limit_name",
    "translate",
    "translate_article",
    "translate_flow",
]

#: Set by the command line to draw a progress bar: (slug, done, total).
PROGRESS: Callable[[str, int, int], None] | None = None


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


@task(
    name="translate-article",
    task_run_name="translate {article.slug}",
    retries=library.RETRIES,
    retry_delay_seconds=list(library.RETRY_DELAYS),
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
    """Sync, pre-translate and check one article (``library.translate_article``); a Failed state
    (with the ArticleRun) when the article could not be done. ``usage`` outlives retries."""
    job = ArticleJob(
        project, article, glossary, engine, cache, limiter, progress, shared, usage or Usage()
    )
    run = library.translate_article(job, _logger(), retrying=_retries_left())
    if run.failure is not None:
        return Failed(message=run.failure, data=run)
    return run


def _as_tasks(jobs: list[ArticleJob]) -> list[ArticleRun]:
    """One Prefect task per article, run by the flow's task runner."""
    futures = [
        translate_article.submit(
            j.project,
            j.article,
            j.glossary,
            j.engine,
            j.cache,
            j.limiter,
            j.progress,
            j.shared,
            j.usage,
        )
        for j in jobs
    ]
    return [_article_run(f, j.article.slug) for f, j in zip(futures, jobs, strict=True)]


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
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

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


@flow(name="translate", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def translate_flow(
    root: str, slugs: list[str] | None = None, engine: str | None = None
) -> Outcome | State[Any]:
    """Translate the selected articles (all by default) with the configured engine.

    Ends Failed (with the Outcome as its data) when an article failed, the engine's quota
    stopped the run, or the engine could not be used at all."""
    progress = _Progress()
    outcome = library.translate_project(
        root,
        slugs,
        engine,
        logger=_logger(),
        run_articles=_as_tasks,
        account_limit=account_limit,
        progress=library.RunProgress(on_article=PROGRESS, on_total=progress),
    )
    if outcome.ran:
        _artifacts(outcome)
    problems = outcome.problems
    if problems:
        return Failed(message=_reason(problems), data=outcome)
    return outcome


def _reason(problems: list[str]) -> str:
    first = problems[0]
    more = len(problems) - 1
    return first if not more else f"{first} (and {more} more: see the run's logs)"


class _Progress:
    """One Prefect progress artifact for the run (percent of units sent), made at the first
    report and updated only when the whole percent changes."""

    def __init__(self) -> None:
        self.artifact: Any = None
        self.shown = -1
        self.lock = threading.Lock()

    def __call__(self, percent: float) -> None:
        with self.lock:
            if int(percent) == self.shown:
                return
            self.shown = int(percent)
            if self.artifact is None:
                self.artifact = create_progress_artifact(
                    percent, description="Units sent to the engine"
                )
            else:
                update_progress_artifact(self.artifact, percent)


def _artifacts(outcome: Outcome) -> None:
    create_table_artifact(
        key="review-queue",
        table=[dict(zip(HEADERS, cells, strict=True)) for cells in table_rows(outcome.rows)],
        description=f"Review queue of {outcome.project} after the translate run.",
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
