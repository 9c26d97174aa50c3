"""``transpub credits``: tallies, the recognition report, exports, granted tiers."""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import OK, open_project

ACTIONS = ("show", "report", "page", "all-contributors", "certificate", "grant", "migrate")


def args_credits(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        nargs="?",
        default="show",
        choices=ACTIONS,
        help="show (default): the tally; report: write Markdown, HTML and charts to "
        "[credits] reports_dir; page: the bilingual contributors page; all-contributors: "
        "update .all-contributorsrc; certificate NAME: a PNG card; grant NAME TIER: record a "
        "granted tier; migrate: move the old local log into the credit files",
    )
    p.add_argument("names", nargs="*", metavar="ARG", help="NAME (certificate), NAME TIER (grant)")
    p.add_argument(
        "--period",
        default=None,
        help="2025, 2025-Q3, 2025-09, 2025-07-01..2025-09-30 or all (default: all; "
        "report and certificate: the last complete month)",
    )
    p.add_argument(
        "--format",
        choices=("table", "json", "md", "html"),
        default="table",
        help="how `show` prints the tally",
    )
    p.add_argument("-o", "--output", metavar="PATH", help="file (or folder for `page`) to write")
    p.add_argument("--by", metavar="NAME", default="", help="who grants the tier (grant)")


def cmd_credits(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from transpub.credits import contributions, exports
    from transpub.credits.report import charts, format_table, html, markdown, recognise
    from transpub.credits.tally import parse_period, previous_month
    from transpub.errors import TranspubError
    from transpub.textfile import write_atomic
    from transpub.wording import counted

    project = open_project(args)
    today = datetime.now(UTC).date()
    action = args.action
    wants = {"certificate": 1, "grant": 2}.get(action, 0)
    if len(args.names) != wants:
        raise TranspubError(
            f"`credits {action}` takes {wants or 'no'} argument{'s' if wants != 1 else ''}",
            hint="e.g. `transpub credits certificate wangwu`, "
            "`transpub credits grant wangwu reviewer --by li`",
        )
    if action == "migrate":
        moved = contributions.migrate(project)
        print(f"{counted(moved, 'record')} moved into {contributions.credits_dir(project)}")
        return OK
    if action == "grant":
        from transpub.credits.people import grant_tier

        person = grant_tier(project, args.names[0], args.names[1], today, args.by)
        print(f"{person.handle}: granted {args.names[1]} on {today.isoformat()}")
        return OK
    chosen = args.period or ("all" if action in ("show", "page", "all-contributors") else None)
    period = parse_period(chosen) if chosen else previous_month(today)
    rec = recognise(project, period)
    if action == "show":
        if args.format == "table":
            text = format_table(rec) + "\n"
        elif args.format == "json":
            import json

            text = json.dumps(rec.as_dict(), ensure_ascii=False, indent=2) + "\n"
        elif args.format == "md":
            text = markdown(rec, chart_dir=None)
        else:
            text = html(rec, charts(rec))
        if args.output:
            write_atomic(args.output, text)
        else:
            sys.stdout.write(text)
        if any(row.person.handle == contributions.UNKNOWN for row in rec.rows):
            print(f"Hint: {contributions.UNKNOWN_HINT}", file=sys.stderr)
        return OK
    if action == "report":
        from transpub.credits.report import write_report

        files = write_report(project, rec)
        print(f"{files.markdown}\n{files.html}")
        return OK
    if action == "page":
        pages = exports.contributors_page(rec)
        if args.output:
            for lang, text in pages.items():
                write_atomic(Path(args.output) / f"contributors.{lang}.md", text)
        else:
            sys.stdout.write(pages["zh"] + "\n" + pages["en"])
        return OK
    if action == "all-contributors":
        target = Path(args.output) if args.output else project.root / exports.ALL_CONTRIBUTORS
        data = exports.write_all_contributors(rec, target)
        print(f"{target}: {counted(len(data['contributors']), 'contributor')}")
        return OK
    credited = {r.user for r in contributions.read(project)}
    cert = exports.certificate_for(rec, args.names[0], today, credited)
    name = f"certificate-{cert.person.handle}-{period.label}.png"
    target = Path(args.output) if args.output else Path(name)
    exports.write_certificate(cert, project.config.project.name, target)
    print(target)
    return OK
