"""The translate flow: bring every article's catalog in step with its source, then show the queue.

Engines and the translation memory plug in here later (pre-fill, then machine drafts); today the
flow segments, merges and checks each article and ends with the review-queue table as an artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from transpub.article import Project
from transpub.errors import TranspubError
from transpub.qa import check_article, project_glossary
from transpub.status import HEADERS, QueueRow, queue, table_rows
from transpub.sync import sync_article


@dataclass
class Outcome:
    """What a translate run did: the queue afterwards and the articles that failed."""

    rows: list[QueueRow] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@task(name="sync-article", task_run_name="sync {slug}")
def sync_task(root: str, slug: str) -> str | None:
    """Segment one article, merge its catalog and check it; the error sentence if it failed."""
    project = Project.open(root)
    try:
        article = project.article(slug)
        sync_article(project, article)
        check_article(project, article, project_glossary(project))
    except TranspubError as exc:
        return str(exc)
    return None


@flow(name="translate", log_prints=True)
def translate_flow(root: str, slugs: list[str] | None = None) -> Outcome:
    """Sync the selected articles (all by default), then publish the queue as a table artifact."""
    project = Project.open(root)
    chosen = [a.slug for a in project.select(slugs)]
    futures = [sync_task.submit(root, slug) for slug in chosen]
    failures = [msg for msg in (f.result() for f in futures) if msg]
    rows = queue(project, chosen)
    create_table_artifact(
        key="review-queue",
        table=[dict(zip(HEADERS, cells, strict=True)) for cells in table_rows(rows)],
        description=f"Review queue of {project.config.project.name} after the translate run.",
    )
    return Outcome(rows, failures)


def translate(root: str, slugs: list[str] | None = None) -> Outcome:
    """Run the flow in-process (Prefect's ephemeral mode when no server is configured)."""
    return translate_flow(root, slugs)
