"""The ``transpub`` command: a thin shell over the library. Exit 0 done, 1 findings, 2 failure.

Each command group lives in its own module of this package; this one parses and dispatches.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from transpub.cli import (
    align,
    articles,
    credits,
    deploy,
    files,
    glossary,
    post,
    publish,
    review,
    translate,
)
from transpub.cli.common import FAILED, FINDINGS, args_slugs, err
from transpub.errors import StructureError, TranspubError

Handler = Callable[[argparse.Namespace], int]
#: name → (handler, help, arguments), in the order `--help` lists them.
COMMANDS: dict[str, tuple[Handler, str, Callable[[argparse.ArgumentParser], None]]] = {
    "add": (
        articles.cmd_add,
        "Import a Markdown document as articles/<slug>/zh.md.",
        articles.args_add,
    ),
    "sync": (
        articles.cmd_sync,
        "Segment every source and merge it into its catalog (en.po).",
        args_slugs,
    ),
    "status": (
        articles.cmd_status,
        "Show the review queue: each article's state and counts.",
        articles.args_status,
    ),
    "translate": (
        translate.cmd_translate,
        "Translate: sync, pre-fill drafts (memory, glossary, engine), check (the Prefect flow "
        "with PREFECT_API_URL or --prefect).",
        translate.args_translate,
    ),
    "usage": (
        translate.cmd_usage,
        "Show the machine translation account's usage (DeepL).",
        translate.args_usage,
    ),
    "tm": (
        translate.cmd_tm,
        "Translation memory: `tm import FILE.tmx`, `tm export [-o FILE]`.",
        translate.args_tm,
    ),
    "align": (
        align.cmd_align,
        "Align a Chinese document with its published English translation into TMX (scored pairs "
        "for `tm import`).",
        align.args_align,
    ),
    "check": (
        articles.cmd_check,
        "Run the quality checks (glossary, markup, numbers…); exit 1 if any error.",
        articles.args_check,
    ),
    "glossary": (
        glossary.cmd_glossary,
        "Maintain the glossary: `glossary check`, `glossary import FILE`, `glossary export`.",
        glossary.args_glossary,
    ),
    "md2po": (
        files.cmd_md2po,
        "Extract a Markdown file's units into a PO catalog.",
        files.args_md2po,
    ),
    "po2md": (
        files.cmd_po2md,
        "Rebuild a Markdown file's translation from a PO catalog.",
        files.args_po2md,
    ),
    "build": (
        articles.cmd_build,
        "Print (or write) an article's English Markdown.",
        articles.args_build,
    ),
    "review": (
        review.cmd_review,
        "Serve the review web app: `review serve [--host H] [--port P] [--secure-cookies] "
        "[--trusted-proxy ADDR]`.",
        review.args_review,
    ),
    "users": (
        review.cmd_users,
        "Manage the review app's accounts: `users add NAME --role R`, `users list`, "
        "`users remove NAME`, `users passwd NAME`, `users role NAME R`, `users logout NAME`.",
        review.args_users,
    ),
    "approve": (
        articles.cmd_approve,
        "Approve an article's translation as an editor (bound to the text approved).",
        articles.args_approve,
    ),
    "credits": (
        credits.cmd_credits,
        "Recognition: tallies per person and period, the ladder, reports, exports "
        "(`credits [report|page|all-contributors|certificate|grant|migrate]`).",
        credits.args_credits,
    ),
    "publish": (
        publish.cmd_publish,
        "Publish approved articles to the site (its layout, credits, a git commit there).",
        publish.args_publish,
    ),
    "post": (
        post.cmd_post,
        "Post published articles to the social channels, each once (a preview without tokens "
        "or with --dry-run).",
        post.args_post,
    ),
    "channels": (
        post.cmd_channels,
        "Social channels: `channels check` shows each account and its token's validity.",
        post.args_channels,
    ),
    "deploy": (
        deploy.cmd_deploy,
        "Deploy the Prefect flows to the server of PREFECT_API_URL (the work pool if missing).",
        deploy.args_deploy,
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
        err(exc)
        return FINDINGS
    except TranspubError as exc:
        err(exc)
        return FAILED
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except OSError as exc:
        err(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return FAILED
    except Exception as exc:
        if os.environ.get("TRANSPUB_DEBUG"):
            raise
        err(f"internal error ({type(exc).__name__}: {exc}); set TRANSPUB_DEBUG=1 for details")
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
