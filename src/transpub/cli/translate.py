"""Machine translation commands: translate (in this process, or the Prefect flow), usage, tm."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from transpub.cli.common import FAILED, OK, args_slugs, err, open_project
from transpub.errors import TranspubError
from transpub.wording import counted

if TYPE_CHECKING:
    from transpub.engines.run import Outcome


def cmd_translate(args: argparse.Namespace) -> int:
    """Translate; exit 0 done, 2 when an article failed or the quota stopped it. With a Prefect
    API (``PREFECT_API_URL``) or ``--prefect``, through the Prefect flow; else the same run in
    this process, without Prefect."""
    from transpub import events
    from transpub.catalog.status import format_table
    from transpub.engines import create_engine
    from transpub.engines.run import cost_rows

    project = open_project(args)
    project.select(args.slugs)  # validate the slugs before starting anything
    machine = create_engine(project.config, None, args.engine)
    if machine is not None:
        machine.check_key()  # a missing key is reported before Prefect starts, too
    if args.prefect or events.configured():
        if events.configured():
            events.require_api()  # a server that is down: one line, before the flow waits on it
        outcome = _through_prefect(str(project.root), args.slugs or None, args.engine)
    else:
        outcome = _in_process(str(project.root), args.slugs or None, args.engine)
    if outcome.runs:  # the tables come first, whatever failed
        print(format_table(outcome.rows))
        print()
        print(_cost_table(cost_rows(outcome)))
        if outcome.account_characters is not None:
            print(
                f"The {outcome.engine} account's usage rose by {outcome.account_characters:,} "
                "characters during the run."
            )
    if outcome.engine == "none":
        print(
            'No machine translation engine is configured ([translate] engine = "none"): '
            f"drafts came from the translation memory and glossary; "
            f"{counted(outcome.waiting, 'entry', 'entries')} "
            f"{'waits' if outcome.waiting == 1 else 'wait'} for human translators."
        )
    for failure in outcome.failures:
        err(failure)
    if outcome.stopped:
        waiting = counted(outcome.waiting, "entry", "entries")
        verb = "waits" if outcome.waiting == 1 else "wait"
        err(f"{outcome.stopped}. {waiting} {verb} for the next run.")
    return FAILED if outcome.failures or outcome.stopped else OK


def _in_process(root: str, slugs: list[str] | None, engine: str | None) -> Outcome:
    """The translate run in this process: no Prefect, its log lines on standard error."""
    from transpub.engines.run import LOGGER, RunProgress, translate_project

    handler = _StderrHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s | %(levelname)-7s | %(message)s", "%H:%M:%S")
    )
    saved = LOGGER.level, LOGGER.propagate
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    try:
        with _terminal([handler]) as report:
            return translate_project(root, slugs, engine, progress=RunProgress(on_article=report))
    finally:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(saved[0])
        LOGGER.propagate = saved[1]


def _through_prefect(root: str, slugs: list[str] | None, engine: str | None) -> Outcome:
    """The Prefect translate flow (Prefect's temporary server when no API is configured)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # the machines are offline
    try:
        import flows.translate as translate_flows
    except ImportError as exc:
        raise TranspubError(
            f"the Prefect flows are not installed ({exc})",
            hint="reinstall transpub: pip install -e .",
        ) from exc
    with _terminal(prefect_console_handlers()) as report:
        translate_flows.PROGRESS = report
        try:
            return translate_flows.translate(root, slugs, engine)
        finally:
            translate_flows.PROGRESS = None


class _StderrHandler(logging.Handler):
    """Log lines on standard error, or on ``console`` (a rich Console) while a bar is drawn."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.console: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            if self.console is not None:
                self.console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _cost_table(rows: list[dict[str, str]]) -> str:
    from transpub.catalog.status import text_table

    return text_table(list(rows[0]), [list(r.values()) for r in rows])


class _WithoutTraceback(logging.Formatter):
    """A log formatter that leaves tracebacks out (they are for TRANSPUB_DEBUG=1)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def prefect_console_handlers() -> list[logging.Handler]:
    """The handlers through which Prefect prints its log lines on the terminal."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    found: list[logging.Handler] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, PrefectConsoleHandler) and handler not in found:
                found.append(handler)
    return found


@contextlib.contextmanager
def _terminal(
    handlers: list[logging.Handler], console: Any = None
) -> Iterator[Callable[[str, int, int], None] | None]:
    """Log lines of ``handlers`` without tracebacks (unless TRANSPUB_DEBUG=1) and, on a terminal
    (or the rich ``console`` given), a progress bar per article that the log lines print above:
    yields the callback (slug, done, total) that draws the bars, None when there are none."""
    formatters = [h.formatter for h in handlers]
    consoles = [getattr(h, "console", None) for h in handlers]
    if not os.environ.get("TRANSPUB_DEBUG"):
        for handler in handlers:
            handler.setFormatter(_WithoutTraceback(handler.formatter))
    try:
        if console is None and not sys.stderr.isatty():
            yield None
            return
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=console or Console(stderr=True), transient=True) as progress:
            for handler in handlers:
                handler.console = progress.console  # type: ignore[attr-defined]
            tasks: dict[str, Any] = {}

            def report(slug: str, done: int, total: int) -> None:
                if slug not in tasks:
                    tasks[slug] = progress.add_task(slug, total=total)
                progress.update(tasks[slug], completed=done, total=total)

            yield report
    finally:
        for handler, formatter, console in zip(handlers, formatters, consoles, strict=True):
            handler.setFormatter(formatter)
            if console is not None:
                handler.console = console  # type: ignore[attr-defined]


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
    p.add_argument(
        "--prefect",
        action="store_true",
        help="run the Prefect flow even without PREFECT_API_URL (Prefect's temporary server)",
    )


def args_usage(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("deepl", "llm"), help="override [translate] engine")


def args_tm(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="add a TMX file's Chinese–English units to the memory")
    imp.add_argument("file", help="the TMX file")
    exp = sub.add_parser("export", help="write the memory as TMX")
    exp.add_argument("-o", "--output", help="the file to write (default: standard output)")
