"""Aligning existing translations: ``transpub align ZH.md EN.md [-o OUT.tmx]``."""

from __future__ import annotations

import argparse
import sys

from transpub.cli.common import OK, open_project


def cmd_align(args: argparse.Namespace) -> int:
    from pathlib import Path

    from transpub.align import align_files, to_tmx
    from transpub.config import AlignSettings, find_config

    options = None
    threshold = AlignSettings().min_confidence
    if args.project or find_config(Path.cwd()) is not None:  # inside a project: its settings
        project = open_project(args)
        options = project.segment_options
        threshold = project.config.align.min_confidence
    if args.min_confidence is not None:
        threshold = args.min_confidence
    alignment = align_files(args.zh, args.en, options)
    text = to_tmx(alignment, args.output)
    if not args.output:
        sys.stdout.write(text)
    shapes = ", ".join(f"{n} {shape}" for shape, n in alignment.shapes().items())
    zh_left, en_left = alignment.unpaired()
    confident = len(alignment.confident(threshold))
    print(
        f"{args.zh} ↔ {args.en}: {len(alignment.pairs)} pairs ({shapes or 'none'}); {zh_left} "
        f"Chinese and {en_left} English units unpaired; {confident} pairs at confidence "
        f"≥ {threshold:g} (what `transpub tm import` keeps)",
        file=sys.stdout if args.output else sys.stderr,
    )
    return OK


def args_align(p: argparse.ArgumentParser) -> None:
    p.add_argument("zh", help="the Chinese Markdown document")
    p.add_argument("en", help="its published English translation (Markdown)")
    p.add_argument("-o", "--output", help="write the TMX here (default: standard output)")
    p.add_argument(
        "--min-confidence",
        type=float,
        metavar="X",
        help="the confidence (0–1) counted as usable in the summary (default: [align] "
        "min_confidence)",
    )
