"""Commands on the articles of a project: add, sync, status, build, check, approve."""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import (
    FAILED,
    FINDINGS,
    OK,
    args_slugs,
    err,
    open_project,
    say_sourceless,
)
from transpub.errors import TranspubError
from transpub.wording import counted


def cmd_add(args: argparse.Namespace) -> int:
    from transpub.article import add_article

    if args.translation:
        from transpub.align import add_with_translation

        article, stats = add_with_translation(
            open_project(args), args.file, args.translation, args.slug
        )
        print(
            f"added {article.source}; {article.catalog}: {stats.drafted} of {stats.entries} "
            f"entries drafted from {args.translation} ({stats.share:.0%}, origin aligned), "
            f"{stats.low_confidence} low-confidence and {stats.unpaired} unpaired left for people"
        )
        return OK
    article = add_article(open_project(args), args.file, args.slug)
    print(f"added {article.source}")
    return OK


def cmd_sync(args: argparse.Namespace) -> int:
    from transpub.catalog.sync import sync_article

    project = open_project(args)
    say_sourceless(project, args.slugs)
    status = OK
    for article in project.select(args.slugs):
        try:
            r = sync_article(project, article)
        except TranspubError as exc:
            err(exc)
            status = FAILED
            continue
        change = "updated" if r.written else "unchanged"
        print(
            f"{r.slug}: {change}, {counted(r.stats.entries, 'entry', 'entries')} "
            f"({r.stats.new} new, {r.stats.fuzzy} fuzzy, {r.stats.obsolete} obsolete); "
            f"{r.counts.reviewed} reviewed, {counted(r.counts.draft, 'draft')}, "
            f"{r.counts.untranslated} untranslated"
        )
    return status


def cmd_status(args: argparse.Namespace) -> int:
    from transpub.article import missing_source_hint
    from transpub.catalog.queue import ArticleState
    from transpub.catalog.status import format_table, queue

    project = open_project(args)
    errors: list[TranspubError] = []
    rows = queue(project, args.slugs, errors)
    if args.json:
        import json

        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
    else:
        print(format_table(rows))
        for row in rows:
            if row.state is ArticleState.SOURCE_MISSING:
                folder = project.articles_dir / row.slug
                print(f"{row.slug}: source missing; {missing_source_hint(folder)}")
    for exc in errors:
        err(exc)
    return FAILED if errors else OK


def cmd_build(args: argparse.Namespace) -> int:
    from transpub.catalog.sync import build_article

    project = open_project(args)
    text = build_article(project, project.article(args.slug), include_drafts=args.fuzzy)
    if args.output:
        from transpub.textfile import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return OK


def cmd_check(args: argparse.Namespace) -> int:
    from transpub.checks.report import check_article, project_glossary

    project = open_project(args)
    say_sourceless(project, args.slugs)
    glossary = project_glossary(project)
    reports = []
    failed = False
    for article in project.select(args.slugs):
        try:
            reports.append(check_article(project, article, glossary))
        except TranspubError as exc:  # one broken article: its line, the others go on
            err(exc)
            failed = True
    if args.json:
        import json

        data = [{k: v for k, v in r.as_dict().items() if k != "translation_hash"} for r in reports]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            for finding in report.findings:
                print(finding)
            print(
                f"{report.slug}: {counted(len(report.errors), 'error')}, "
                f"{counted(len(report.warnings), 'warning')}"
            )
    if failed:
        return FAILED
    return FINDINGS if any(r.errors for r in reports) else OK


def cmd_approve(args: argparse.Namespace) -> int:
    from transpub.review.actions import approve_checked

    project = open_project(args)
    given = approve_checked(project, project.article(args.slug), args.by)
    print(f"{args.slug}: approved by {given.editor} at {given.at}")
    return OK


def args_add(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the Chinese Markdown document")
    p.add_argument("--slug", help="the article's folder name (default: from the file name)")
    p.add_argument(
        "--translation",
        metavar="EN.md",
        help="a published English translation: aligned pairs pre-fill the catalog as drafts",
    )


def args_status(p: argparse.ArgumentParser) -> None:
    args_slugs(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the article")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    p.add_argument("--fuzzy", action="store_true", help="use drafts (fuzzy entries) too")


def args_check(p: argparse.ArgumentParser) -> None:
    args_slugs(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")


def args_approve(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the article")
    p.add_argument("--by", required=True, help="the approving editor's name")
