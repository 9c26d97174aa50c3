"""File-level commands, no project needed: md2po and po2md."""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import OK


def _keys(value: str | None) -> list[str] | None:
    return None if value is None else [k.strip() for k in value.split(",") if k.strip()]


def cmd_md2po(args: argparse.Namespace) -> int:
    from transpub.catalog.convert import file_options, md2po

    options = file_options(args.source, _keys(args.front_matter_keys))
    n = md2po(args.source, args.output, options)
    if not args.quiet:
        from transpub.wording import counted

        print(f"{args.output}: {counted(n, 'entry', 'entries')}", file=sys.stderr)
    return OK


def cmd_po2md(args: argparse.Namespace) -> int:
    from transpub.catalog.convert import file_options, po2md

    options = file_options(args.source, _keys(args.front_matter_keys))
    po2md(args.source, args.catalog, args.output, options, include_drafts=args.fuzzy)
    return OK


def args_md2po(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the Markdown source")
    p.add_argument("-o", "--output", required=True, help="the PO file to write or merge into")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    _front_matter_keys(p)


def _front_matter_keys(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--front-matter-keys",
        metavar="KEYS",
        help="front-matter values to translate, comma-separated (e.g. title,description,tags.*); "
        "default: [segment] front_matter_keys of the project around the file, else title,summary",
    )


def args_po2md(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="the Markdown source the catalog was made from")
    p.add_argument("catalog", help="the PO catalog")
    p.add_argument("-o", "--output", required=True, help="the Markdown file to write")
    p.add_argument("--fuzzy", action="store_true", help="use drafts (fuzzy entries) too")
    _front_matter_keys(p)
