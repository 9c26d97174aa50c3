"""The publish flow: approved articles to the site, with a Markdown artifact of what went where.

Thin: one task calls the library's ``publish``; the flow adds Prefect's logging, the artifact
(links to the pages) and a failed state when a hand-edited page was refused.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from transpub.article import Project
from transpub.publish.site import Action, PublishRefused, PublishRun, publish
from transpub.publish.summary import summary_markdown, summary_text
from transpub.store import ContentRepo, save_publications


@task(name="publish-articles", cache_policy=NO_CACHE)
def publish_articles(
    project: Project, slugs: list[str] | None, dry_run: bool, push: bool
) -> PublishRun:
    return publish(project, slugs, dry_run=dry_run, push=push)


@task(name="pull-content", cache_policy=NO_CACHE)
def pull_content(project: Project) -> None:
    ContentRepo(project.root).pull()


@task(name="save-publications", cache_policy=NO_CACHE)
def save_records(project: Project, run: PublishRun) -> str | None:
    return save_publications(project, run)


@flow(name="publish", log_prints=True)
def publish_flow(
    root: str = ".",
    slugs: list[str] | None = None,
    dry_run: bool = False,
    push: bool = False,
    post: bool = True,
    sync_content: bool = False,
) -> PublishRun:
    """Publish the named articles (default: every approved one) to the site of ``[site]``; then,
    with ``post`` and channels in ``[channels] enabled``, post them (the post flow, a subflow:
    each article once per channel). With ``sync_content`` the content repository is pulled first
    and the publish records are committed and pushed after (see ``transpub.store``)."""
    project = Project.open(root)
    if sync_content and not dry_run:
        pull_content(project)
    run = publish_articles(project, slugs or None, dry_run, push)
    if sync_content:
        commit = save_records(project, run)
        if commit:
            print(f"Publish records committed to the content repository: {commit[:12]}")
    print(summary_text(run))
    create_markdown_artifact(
        key="publish",
        markdown=summary_markdown(run),
        description=f"What {project.config.project.name} published where, with links.",
    )
    stopped = (Action.REFUSED, Action.FAILED)
    refused = [r.reason for r in run.results if r.action in stopped]
    if refused:
        raise PublishRefused(refused[0])
    held = (Action.BLOCKED, *stopped)
    on_site = [r.slug for r in run.results if r.action not in held]
    if post and not dry_run and on_site and project.config.channels.enabled:
        from flows.post import post_flow

        post_flow(str(project.root), on_site)
    return run
