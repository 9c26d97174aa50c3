"""Machine translation commands: translate (the Prefect flow), usage, tm."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from transpub.cli.common import FAILED, FINDINGS, OK, args_slugs, err, open_project
from transpub.errors import TranspubError


def cmd_translate(args: argparse.Namespace) -> int:
    from transpub.catalog.status import format_table
    from transpub.engines import create_engine

    project = open_project(args)
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
        err(failure)
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
        err(f"{stopped[0]} {waiting} entries are left for the next run.")
    if outcome.failures:
        return FAILED
    return FINDINGS if stopped else OK


def _cost_table(rows: list[dict[str, str]]) -> str:
    from transpub.catalog.status import text_table

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

    project = open_project(args)
    engine = create_engine(project.config, None, args.engine)
    if engine is None:
        print('No machine translation engine is configured ([translate] engine = "none").')
        return OK
    print(engine.usage_report())
    return OK


def cmd_tm(args: argparse.Namespace) -> int:
    from transpub.engines import tm

    project = open_project(args)
    if args.action == "import":
        added = tm.import_tmx(project, args.file)
        print(f"{args.file}: {added} translation units added to the memory")
        return OK
    text = tm.export_tmx(project, args.output)
    if not args.output:
        sys.stdout.write(text)
    return OK


def args_translate(p: argparse.ArgumentParser) -> None:
    args_slugs(p)
    p.add_argument("--engine", choices=("none", "deepl", "llm"), help="override [translate] engine")


def args_usage(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("deepl", "llm"), help="override [translate] engine")


def args_tm(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add a TMX file's Chinese–English units to the memory")
    imp.add_argument("file", help="the TMX file")
    exp = sub.add_parser("export", help="write the memory as TMX")
    exp.add_argument("-o", "--output", help="the file to write (default: standard output)")
