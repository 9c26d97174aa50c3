"""The ``transpub glossary`` actions, over the library's glossary functions."""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import open_project


def cmd_glossary(args: argparse.Namespace) -> int:
    """Run one glossary action; 0 done, 1 problems found."""
    from pathlib import Path

    from transpub.glossary.model import GlossaryError, load_glossary, merged, to_csv, validate

    project = open_project(args)
    path = project.root / project.config.glossary.path
    if args.action == "check":
        problems = validate(path)
        for problem in problems:
            print(f"Error: {problem}", file=sys.stderr)
        if not problems:
            print(f"{path}: {len(load_glossary(path))} entries, no problems")
        return 1 if problems else 0
    if args.action == "import":
        from transpub.glossary.tbx import import_file

        incoming = import_file(Path(args.file))
        base = load_glossary(path) if path.is_file() else None
        if base is None:
            raise GlossaryError(
                "no glossary to import into",
                path=path,
                hint="create it with the header of glossary/README.md",
            )
        result, added, skipped = merged(base, incoming)
        result.save(path)
        print(f"{path}: {added} terms added, {skipped} already present")
        return 0
    glossary = load_glossary(path)
    if args.format == "csv":
        text = to_csv(glossary)
    else:
        from transpub.glossary.tbx import export_tbx

        text = export_tbx(glossary.terms, None)
    if args.output:
        from transpub.textfile import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def args_glossary(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("check", help="validate the glossary: every problem with its line")
    imp = sub.add_parser("import", help="add the terms of a TBX or CSV file the glossary lacks")
    imp.add_argument("file", help="a TBX (.tbx, .xml) or CSV file (Weblate, Crowdin, transpub)")
    exp = sub.add_parser("export", help="write the glossary as TBX (or CSV)")
    exp.add_argument("-o", "--output", help="the file to write (default: standard output)")
    exp.add_argument("--format", choices=("tbx", "csv"), default="tbx", help="default: tbx")
