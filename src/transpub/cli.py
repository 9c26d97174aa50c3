"""The ``transpub`` command: a thin shell over the library. Exit 0 done, 1 findings, 2 failure."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from transpub.errors import StructureError, TranspubError
from transpub.web_cli import args_review, args_users, cmd_review, cmd_users

OK, FINDINGS, FAILED = 0, 1, 2


def _project(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from transpub.article import Project

    return Project.open(args.project)


def _err(message: object) -> None:
    print(f"Error: {message}", file=sys.stderr)


def cmd_add(args: argparse.Namespace) -> int:
    from transpub.article import add_article

    article = add_article(_project(args), args.file, args.slug)
    print(f"added {article.source}")
    return OK


def cmd_sync(args: argparse.Namespace) -> int:
    from transpub.sync import sync_article

    project = _project(args)
    status = OK
    for article in project.select(args.slugs):
        try:
            r = sync_article(project, article)
        except TranspubError as exc:
            _err(exc)
            status = FAILED
            continue
        change = "updated" if r.written else "unchanged"
        print(
            f"{r.slug}: {change}, {r.stats.entries} entries ({r.stats.new} new, "
            f"{r.stats.fuzzy} fuzzy, {r.stats.obsolete} obsolete); "
            f"{r.counts.reviewed} reviewed, {r.counts.draft} drafts, "
            f"{r.counts.untranslated} untranslated"
        )
    return status


def cmd_status(args: argparse.Namespace) -> int:
    from transpub.status import format_table, queue

    rows = queue(_project(args), args.slugs)
    if args.json:
        import json

        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
    else:
        print(format_table(rows))
    return OK


def cmd_md2po(args: argparse.Namespace) -> int:
    from transpub.convert import md2po

    n = md2po(args.source, args.output)
    if not args.quiet:
        print(f"{args.output}: {n} entries", file=sys.stderr)
    return OK


def cmd_po2md(args: argparse.Namespace) -> int:
    from transpub.convert import po2md

    po2md(args.source, args.catalog, args.output, include_drafts=args.fuzzy)
    return OK


def cmd_build(args: argparse.Namespace) -> int:
    from transpub.sync import build_article

    project = _project(args)
    text = build_article(project, project.article(args.slug), include_drafts=args.fuzzy)
    if args.output:
        from transpub.textfile import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return OK


def cmd_approve(args: argparse.Namespace) -> int:
    from transpub.review import approve_checked

    project = _project(args)
    given = approve_checked(project, project.article(args.slug), args.by)
    print(f"{args.slug}: approved by {given.editor} at {given.at}")
    return OK


def cmd_check(args: argparse.Namespace) -> int:
    from transpub.qa import check_article, project_glossary

    project = _project(args)
    glossary = project_glossary(project)
    reports = [check_article(project, a, glossary) for a in project.select(args.slugs)]
    if args.json:
        import json

        data = [{k: v for k, v in r.as_dict().items() if k != "translation_hash"} for r in reports]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            for finding in report.findings:
                print(finding)
            print(f"{report.slug}: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return FINDINGS if any(r.errors for r in reports) else OK


def cmd_glossary(args: argparse.Namespace) -> int:
    from transpub import glossary_cli

    return glossary_cli.run(_project(args), args)


def cmd_translate(args: argparse.Namespace) -> int:
    from transpub.engines import create_engine
    from transpub.status import format_table

    project = _project(args)
    project.select(args.slugs)  # validate the slugs before starting Prefect
    create_engine(project.config, None, args.engine)  # a missing key is reported before, too
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # the machines are offline
    try:
        import flows.translate as translate_flows
    except ImportError as exc:
        raise TranspubError(
            f"the Prefect flows are not installed ({exc})",
            hint="reinstall transpub: pip install -e .",
        ) from exc
    with _progress_bar(translate_flows):
        outcome = translate_flows.translate(str(project.root), args.slugs or None, args.engine)
    for failure in outcome.failures:
        _err(failure)
    if not outcome.runs:
        return FAILED
    print(format_table(outcome.rows))
    print()
    print(_cost_table(translate_flows.cost_rows(outcome)))
    waiting = sum(r.pretranslation.left for r in outcome.runs if r.pretranslation)
    stopped = [
        r.pretranslation.stopped
        for r in outcome.runs
        if r.pretranslation and r.pretranslation.stopped
    ]
    if outcome.engine == "none":
        print(
            'No machine translation engine is configured ([translate] engine = "none"): '
            f"drafts came from the translation memory and glossary; {waiting} entries wait for "
            "human translators."
        )
    if stopped:
        _err(f"{stopped[0]} {waiting} entries are left for the next run.")
    if outcome.failures:
        return FAILED
    return FINDINGS if stopped else OK


def _cost_table(rows: list[dict[str, str]]) -> str:
    from transpub.status import text_table

    return text_table(list(rows[0]), [list(r.values()) for r in rows])


def _progress_bar(module: object) -> contextlib.AbstractContextManager[None]:
    """A terminal progress bar per article while the engine works (stderr, only on a terminal)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.progress import Progress

    @contextlib.contextmanager
    def bar() -> Iterator[None]:
        with Progress(transient=True) as progress:
            tasks: dict[str, Any] = {}

            def report(slug: str, done: int, total: int) -> None:
                if slug not in tasks:
                    tasks[slug] = progress.add_task(slug, total=total)
                progress.update(tasks[slug], completed=done, total=total)

            module.PROGRESS = report  # type: ignore[attr-defined]
            try:
                yield
            finally:
                module.PROGRESS = None  # type: ignore[attr-defined]

    return bar()


def cmd_usage(args: argparse.Namespace) -> int:
    from transpub.engines import create_engine

    project = _project(args)
    engine = create_engine(project.config, None, args.engine)
    if engine is None:
        print('No machine translation engine is configured ([translate] engine = "none").')
        return OK
    print(engine.usage_report())
    return OK


def cmd_tm(args: argparse.Namespace) -> int:
    from transpub import tm

    project = _project(args)
    if args.action == "import":
        added = tm.import_tmx(project, args.file)
        print(f"{args.file}: {added} translation units added to the memory")
        return OK
    text = tm.export_tmx(project, args.output)
    if not args.output:
        sys.stdout.write(text)
    return OK


def _args_add(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the Chinese Markdown document")
    p.add_argument("--slug", help="the article's folder name (default: from the file name)")


def _args_slugs(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="articles (default: all)")


def _args_status(p: argparse.ArgumentParser) -> None:
    _args_slugs(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _args_md2po(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the Markdown source")
    p.add_argument("-o", "--output", required=True, help="the PO file to write or merge into")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")


def _args_po2md(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the Markdown source the catalog was made from")
    p.add_argument("catalog", help="the PO catalog")
    p.add_argument("-o", "--output", required=True, help="the Markdown file to write")
    p.add_argument("--fuzzy", action="store_true", help="use drafts (fuzzy entries) too")


def _args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the article")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    p.add_argument("--fuzzy", action="store_true", help="use drafts (fuzzy entries) too")


def _args_check(p: argparse.ArgumentParser) -> None:
    _args_slugs(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")


def _args_glossary(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("check", help="validate the glossary: every problem with its line")
    imp = sub.add_parser("import", help="add the terms of a TBX or CSV file the glossary lacks")
    imp.add_argument("file", help="a TBX (.tbx, .xml) or CSV file (Weblate, Crowdin, transpub)")
    exp = sub.add_parser("export", help="write the glossary as TBX (or CSV)")
    exp.add_argument("-o", "--output", help="the file to write (default: standard output)")
    exp.add_argument("--format", choices=("tbx", "csv"), default="tbx", help="default: tbx")


def _args_translate(p: argparse.ArgumentParser) -> None:
    _args_slugs(p)
    p.add_argument("--engine", choices=("none", "deepl", "llm"), help="override [translate] engine")


def _args_usage(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("deepl", "llm"), help="override [translate] engine")


def _args_tm(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add a TMX file's Chinese–English units to the memory")
    imp.add_argument("file", help="the TMX file")
    exp = sub.add_parser("export", help="write the memory as TMX")
    exp.add_argument("-o", "--output", help="the file to write (default: standard output)")


def _args_approve(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the article")
    p.add_argument("--by", required=True, help="the approving editor's name")


Handler = Callable[[argparse.Namespace], int]
#: name → (handler, help, arguments), in the order `--help` lists them.
COMMANDS: dict[str, tuple[Handler, str, Callable[[argparse.ArgumentParser], None]]] = {
    "add": (cmd_add, "Import a Markdown document as articles/<slug>/zh.md.", _args_add),
    "sync": (
        cmd_sync,
        "Segment every source and merge it into its catalog (en.po).",
        _args_slugs,
    ),
    "status": (
        cmd_status,
        "Show the review queue: each article's state and counts.",
        _args_status,
    ),
    "translate": (
        cmd_translate,
        "Run the translate flow (Prefect): sync, pre-fill drafts (memory, glossary, engine), "
        "check.",
        _args_translate,
    ),
    "usage": (cmd_usage, "Show the machine translation account's usage (DeepL).", _args_usage),
    "tm": (cmd_tm, "Translation memory: `tm import FILE.tmx`, `tm export [-o FILE]`.", _args_tm),
    "check": (
        cmd_check,
        "Run the quality checks (glossary, markup, numbers…); exit 1 if any error.",
        _args_check,
    ),
    "glossary": (
        cmd_glossary,
        "Maintain the glossary: `glossary check`, `glossary import FILE`, `glossary export`.",
        _args_glossary,
    ),
    "md2po": (cmd_md2po, "Extract a Markdown file's units into a PO catalog.", _args_md2po),
    "po2md": (cmd_po2md, "Rebuild a Markdown file's translation from a PO catalog.", _args_po2md),
    "build": (cmd_build, "Print (or write) an article's English Markdown.", _args_build),
    "review": (
        cmd_review,
        "Serve the review web app: `review serve [--host H] [--port P] [--secure-cookies]`.",
        args_review,
    ),
    "users": (
        cmd_users,
        "Manage the review app's accounts: `users add NAME --role R`, `users list`, "
        "`users remove NAME`.",
        args_users,
    ),
    "approve": (
        cmd_approve,
        "Approve an article's translation as an editor (bound to the text approved).",
        _args_approve,
    ),
}


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without importing ``shutil`` (and its compression modules)."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ.get("COLUMNS", "0")) or os.get_terminal_size().columns
        except (OSError, ValueError):
            width = 80
        super().__init__(prog, width=max(width - 2, 40))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's (a file-level call starts faster)."""
    parser = argparse.ArgumentParser(
        prog="transpub",
        description="Chinese → English translation and publishing: Markdown ⇄ PO review queue.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument(
        "-C",
        "--project",
        metavar="DIR",
        help="the project folder (default: the nearest folder with transpub.toml, from the "
        "current one up)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (func, text, arguments) in COMMANDS.items():
        if only is None or name == only:
            p = sub.add_parser(name, help=text, description=text, formatter_class=_Formatter)
            arguments(p)
            p.set_defaults(func=func)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``, when it is plain to see (no top-level help asked)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in ("-C", "--project"):
            skip = True
        elif token.startswith("-"):
            if token in ("-h", "--help") or not token.startswith(("-C", "--project=")):
                return None
        else:
            return token if token in COMMANDS else None
    return None


def _version() -> str:
    from transpub import __version__

    return f"transpub {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_command_in(argv)).parse_args(argv)
    try:
        return int(args.func(args))
    except StructureError as exc:
        _err(exc)
        return FINDINGS
    except TranspubError as exc:
        _err(exc)
        return FAILED
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except OSError as exc:
        _err(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return FAILED
    except Exception as exc:
        if os.environ.get("TRANSPUB_DEBUG"):
            raise
        _err(f"internal error ({type(exc).__name__}: {exc}); set TRANSPUB_DEBUG=1 for details")
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
