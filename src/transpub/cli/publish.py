"""``transpub publish``: approved articles to the site, with a summary of what went where."""

from __future__ import annotations

import argparse

from transpub.cli.common import FAILED, FINDINGS, OK, err, open_project, say_sourceless


def args_publish(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="articles (default: all)")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be published; write nothing"
    )
    p.add_argument("--push", action="store_true", help="push the site repository afterwards")


def cmd_publish(args: argparse.Namespace) -> int:
    from transpub.publish.site import Action, publish
    from transpub.publish.summary import summary_text

    project = open_project(args)
    say_sourceless(project, args.slugs)
    run = publish(project, args.slugs or None, dry_run=args.dry_run, push=args.push)
    print(summary_text(run))
    failed = [r for r in run.results if r.action is Action.FAILED]
    for result in failed:
        err(result.reason)
    if failed:
        return FAILED
    refused = any(r.action is Action.REFUSED for r in run.results)
    named_blocked = bool(args.slugs) and any(r.action is Action.BLOCKED for r in run.results)
    return FINDINGS if refused or named_blocked else OK
