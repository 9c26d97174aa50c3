"""Social channel commands: post (preview by default without tokens), channels check."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from transpub.cli.common import FAILED, FINDINGS, OK, args_slugs, err, open_project
from transpub.errors import TranspubError

if TYPE_CHECKING:
    from transpub.article import Project


def cmd_post(args: argparse.Namespace) -> int:
    from transpub.publish.channels.posting import format_outcome, post_articles

    project = open_project(args)
    if (args.confirm or args.retry) and not (args.channel and len(args.channel) == 1):
        raise TranspubError(
            "--confirm and --retry need one --channel", hint="e.g. --channel linkedin --retry"
        )
    if args.at:
        return _schedule(project, args)
    outcomes = post_articles(
        project,
        args.slugs or None,
        args.channel,
        dry_run=args.dry_run,
        confirm=args.confirm,
        retry=args.retry,
    )
    for outcome in outcomes:
        if outcome.key:  # an article that could not be read is one error line below
            print(format_outcome(outcome))
            print()
    counts = {s: sum(o.status == s for o in outcomes) for s in {o.status for o in outcomes}}
    print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to post")
    if args.dry_run and not args.channel and not project.config.channels.enabled:
        print(
            f"No channel is enabled yet ([channels] enabled in {project.config.path}): these are "
            "previews for every channel; list the ones to post to there, or pass --channel."
        )
    for outcome in outcomes:
        if outcome.status == "failed":
            err(outcome.message)
    if counts.get("failed"):
        return FAILED
    return FINDINGS if counts.get("waiting") else OK


def _schedule(project: Project, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    try:
        at = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise TranspubError(
            f"--at {args.at!r} is not a time", hint="write it as 2026-12-01T09:30+08:00"
        ) from exc
    if at.tzinfo is None:
        at = at.astimezone(UTC)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not os.environ.get("PREFECT_API_URL"):
        raise TranspubError(
            "--at schedules a run on a Prefect server, and PREFECT_API_URL is not set",
            hint="start a server (`prefect server start`), export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api, deploy the flows (`transpub deploy`) and "
            "start a worker (`prefect worker start --pool transpub`)",
        )
    import flows.post as post_flows

    try:
        run_id = post_flows.schedule(at, str(project.root), args.slugs or None, args.channel)
    except Exception as exc:
        raise TranspubError(
            f"could not schedule the post run ({type(exc).__name__}: {exc})",
            hint=f"deploy {post_flows.DEPLOYMENT} first (`transpub deploy`)",
        ) from exc
    print(f"Post run {run_id} scheduled for {at.isoformat()} (deployment {post_flows.DEPLOYMENT}).")
    return OK


def cmd_channels(args: argparse.Namespace) -> int:
    from transpub.publish.channels import ChannelError, channel_ids, create_channel

    project = open_project(args)
    ids = args.channel or list(project.config.channels.enabled) or channel_ids()
    failed = False
    for channel_id in ids:
        channel = create_channel(channel_id, project.config, os.environ, project.root)
        missing = channel.missing_credentials()
        if missing:
            print(f"{channel.name}: not configured ({missing} is not set): posts are previews")
            continue
        try:
            account = channel.check()
        except ChannelError as exc:
            failed = True
            print(f"{channel.name}: {exc}")
            continue
        failed = failed or not account.ready
        print(f"{channel.name}: {account.account}; token {account.token}")
    return FAILED if failed else OK


def args_post(p: argparse.ArgumentParser) -> None:
    args_slugs(p)
    p.add_argument(
        "--channel",
        action="append",
        metavar="CHANNEL",
        help="linkedin, mastodon or bluesky; repeat for several (default: [channels] enabled)",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="show each post as it would be sent; send nothing"
    )
    p.add_argument(
        "--confirm",
        metavar="URL",
        help="an attempt left no result and the post exists at URL: record it as posted",
    )
    p.add_argument(
        "--retry", action="store_true", help="an attempt left no result and no post: send again"
    )
    p.add_argument(
        "--at",
        metavar="TIME",
        help="schedule the post run on the Prefect server at TIME (ISO 8601, e.g. "
        "2026-12-01T09:30+08:00)",
    )


def args_channels(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="each channel's account and token validity")
    check.add_argument("--channel", action="append", metavar="CHANNEL", help="only this channel")
