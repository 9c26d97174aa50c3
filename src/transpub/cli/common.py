"""What every command module shares: exit codes, the project of ``-C``, one-line errors.

Imports stay inside the command handlers, so that the command line starts fast.
"""

from __future__ import annotations

import argparse
import sys

OK, FINDINGS, FAILED = 0, 1, 2


def open_project(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The project of ``-C DIR`` (or the nearest one from the current folder up)."""
    from transpub.article import Project

    return Project.open(getattr(args, "project", None))


def err(message: object) -> None:
    """Print ``Error: message`` on standard error."""
    print(f"Error: {message}", file=sys.stderr)


def say_sourceless(project, slugs: list[str] | None) -> None:  # type: ignore[no-untyped-def]
    """Listing every article (no ``slugs``): one line on standard error per article folder whose
    catalog is there but whose ``zh.md`` is gone, with what to do (commands skip such folders)."""
    if slugs:
        return  # a named article without its source is refused by Project.article
    from transpub.article import missing_source_hint
    from transpub.errors import typed_path

    for article in project.sourceless():
        print(
            f"source missing: {typed_path(article.source)}; {missing_source_hint(article.folder)}",
            file=sys.stderr,
        )


def args_slugs(p: argparse.ArgumentParser) -> None:
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="articles (default: all)")
