"""The post flow: each published article to each configured channel, once, with a table artifact
of the posts and their links.

The publish flow calls ``post_flow`` as a step; a deployment (``flows/prefect.yaml``, with a
schedule if wanted) or ``transpub post --at TIME`` runs it on its own. Every task calls the
library (``transpub.publish.channels.posting``), which records each post's intent before sending
and never sends an intent twice. Tokens come from the worker's environment, else from Prefect
Secret blocks named after the variable (``LINKEDIN_ACCESS_TOKEN`` → ``linkedin-access-token``).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, cast

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from transpub.article import Project
from transpub.publish.channels import create_channel
from transpub.publish.channels.base import secret_block_name
from transpub.publish.channels.posting import PostOutcome, post_article

#: The deployment that `transpub post --at` schedules (flows/prefect.yaml).
DEPLOYMENT = "post/post"


def secrets(variables: list[str]) -> dict[str, str]:
    """The environment, completed from Prefect Secret blocks for variables it lacks."""
    from prefect.blocks.system import Secret

    env = dict(os.environ)
    for variable in variables:
        if env.get(variable):
            continue
        try:
            block = cast(Any, Secret.load(secret_block_name(variable)))
            env[variable] = str(block.get())
        except Exception:  # no such block (or no API): the channel previews without it
            continue
    return env


def _variables(project: Project, ids: list[str]) -> list[str]:
    return [
        name
        for channel_id in ids
        for name in create_channel(channel_id, project.config, {}, project.root).secret_variables()
    ]


@task(name="post-article", cache_policy=NO_CACHE)
def post_article_task(
    root: str, slug: str, channel_ids: list[str], dry_run: bool
) -> list[PostOutcome]:
    """One article to its channels (in parallel); no Prefect retries: the library retries what
    is safe to retry and leaves the rest to an editor. Secrets are read here, never passed as
    parameters (Prefect records those)."""
    project = Project.open(root)
    env = secrets(_variables(project, channel_ids))
    channels = [create_channel(c, project.config, env, project.root) for c in channel_ids]
    return post_article(project, project.article(slug), channels, dry_run=dry_run)


@flow(name="post", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def post_flow(
    root: str = ".",
    slugs: list[str] | None = None,
    channels: list[str] | None = None,
    dry_run: bool = False,
) -> list[PostOutcome]:
    """Post the selected published articles (default: all) to ``channels`` (default:
    ``[channels] enabled``); leaves a table artifact with each post's status and link."""
    project = Project.open(root)
    ids = channels or list(project.config.channels.enabled)
    if not ids:
        print("No channel is enabled ([channels] enabled): nothing to post.")
        return []
    futures = [
        post_article_task.submit(str(project.root), a.slug, ids, dry_run)
        for a in project.select(slugs)
    ]
    outcomes = [o for f in futures for o in f.result()]
    create_table_artifact(
        key="posts",
        table=[
            {
                "article": o.slug,
                "post": o.key,
                "status": o.status,
                "link": o.url,
                "length": f"{o.post.length}/{o.post.limit}" if o.post else "",
                "note": o.message,
            }
            for o in outcomes
        ],
        description=f"Posts of {project.config.project.name}",
    )
    for outcome in outcomes:
        print(f"{outcome.slug} · {outcome.key}: {outcome.status} {outcome.url}".rstrip())
    return outcomes


def schedule(at: datetime, root: str, slugs: list[str] | None, channels: list[str] | None) -> str:
    """Schedule a run of the post deployment at ``at`` on the Prefect server; its run's id."""
    from prefect.deployments import run_deployment

    run = cast(Any, run_deployment)(
        DEPLOYMENT,
        parameters={"root": root, "slugs": slugs, "channels": channels},
        scheduled_time=at,
        timeout=0,
    )
    return str(run.id)
