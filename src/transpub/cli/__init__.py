"""The ``transpub`` command: one module per command group, thin over the library."""

from transpub.cli.main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
