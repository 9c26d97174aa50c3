"""The translate flow: sync each article, pre-fill drafts (memory, glossary, engine), check it.

Every task calls library functions; the flow adds Prefect's retries, concurrency, progress and
artifacts. With no engine configured it pre-fills from the translation memory and the glossary and
leaves the rest for human translators.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prefect import flow, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from transpub.article import Article, Project
from transpub.catalog.status import HEADERS, QueueRow, queue, table_rows
from transpub.catalog.sync import sync_article
from transpub.checks.report import check_article, project_glossary
from transpub.engines import Engine, Usage, create_engine
from transpub.engines.pretranslate import EngineCache, Pretranslation, pretranslate
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
) -> ArticleRun:
    """Sync, pre-translate and check one article."""
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
    except EngineTransientError:
        raise
    except TranspubError as exc:
        run.failure = str(exc)
    return run


@flow(name="translate", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def translate_flow(root: str, slugs: list[str] | None = None, engine: str | None = None) -> Outcome:
    """Translate the selected articles (all by default) with the configured engine."""
    started = time.perf_counter()
    project = Project.open(root)
    articles = project.select(slugs)
    glossary = project_glossary(project)
    try:
        machine = create_engine(project.config, glossary, engine)
        if machine is not None:
            machine.prepare()
    except TranspubError as exc:  # a missing or refused key: say it once, no traceback
        return Outcome(engine=engine or project.config.translate.engine, failures=[str(exc)])
    outcome = Outcome(engine=machine.engine_id if machine else "none")
    cache = None
    if machine is not None:
        cache = EngineCache(project.root / ".transpub" / "mt-cache.sqlite", machine)
    limiter = threading.BoundedSemaphore(project.config.translate.max_concurrency)
    progress = _progress(len(articles))
    futures = [
        translate_article.submit(project, a, glossary, machine, cache, limiter, progress(a.slug))
        for a in articles
    ]
    outcome.runs = [f.result() for f in futures]
    if cache is not None:
        cache.close()
    outcome.failures = [r.failure for r in outcome.runs if r.failure]
    outcome.rows = queue(project, [a.slug for a in articles])
    outcome.seconds = time.perf_counter() - started
    _artifacts(project, outcome)
    return outcome


def _progress(articles: int) -> Callable[[str], Callable[[int, int], None]]:
    """Per-article progress callbacks feeding one Prefect progress artifact (and the terminal)."""
    artifact = create_progress_artifact(0.0, description="Units sent to the engine")
    state: dict[str, tuple[int, int]] = {}
    lock = threading.Lock()

    def for_article(slug: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            with lock:
                state[slug] = (done, total)
                sent = sum(d for d, _ in state.values())
                planned = sum(t for _, t in state.values())
            if planned:
                update_progress_artifact(artifact, 100.0 * sent / planned)  # type: ignore[arg-type]
            if PROGRESS is not None:
                PROGRESS(slug, done, total)

        return report

    return for_article


def cost_rows(outcome: Outcome) -> list[dict[str, str]]:
    """Per article and in total: what was pre-filled, sent, flagged and billed."""
    rows = []
    total = Pretranslation("total")
    for run in outcome.runs:
        p = run.pretranslation or Pretranslation(run.slug)
        rows.append(_cost_row(run.slug, p, run.errors, run.warnings))
        for name in ("tm", "glossary", "cached", "machine", "flagged", "failed", "left"):
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
    """Run the flow in-process (Prefect's ephemeral mode when no server is configured)."""
    return translate_flow(root, slugs, engine)
