"""Entry point: ``python bench/roundtrip [--tools ...] [--repeat N] [--json OUT]``."""

import sys
from pathlib import Path

if not __package__:
    # Run as ``python bench/roundtrip``: make ``bench/`` importable so the package
    # can use ordinary relative imports.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roundtrip.cli import main

if __name__ == "__main__":
    sys.exit(main())
