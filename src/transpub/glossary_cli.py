"""The ``transpub glossary`` actions, over the library's glossary functions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from transpub.article import Project
from transpub.glossary import GlossaryError, load_glossary, merged, to_csv, validate


def run(project: Project, args: argparse.Namespace) -> int:
    """Run one glossary action; 0 done, 1 problems found."""
    path = project.root / project.config.glossary.path
    if args.action == "check":
        problems = validate(path)
        for problem in problems:
            print(f"Error: {problem}", file=sys.stderr)
        if not problems:
            print(f"{path}: {len(load_glossary(path))} entries, no problems")
        return 1 if problems else 0
    if args.action == "import":
        from transpub.tbx import import_file

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
        from transpub.tbx import export_tbx

        text = export_tbx(glossary.terms, None)
    if args.output:
        from transpub.textfile import write_atomic

        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
