"""Entry point: ``python bench/roundtrip [--tools ...] [--repeat N] [--json OUT]``, or
``python bench/roundtrip pseudo [NAME=]DIR ...`` (the real-corpus mode, ``pseudo.py``)."""

import sys
from pathlib import Path

if not __package__:
    # Run as ``python bench/roundtrip``: make ``bench/`` importable so the package
    # can use ordinary relative imports.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    if sys.argv[1:2] == ["pseudo"]:  # the real-corpus mode runs this checkout's transpub
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
        from roundtrip.pseudo import main as pseudo

        sys.exit(pseudo(sys.argv[2:]))
    from roundtrip.cli import main

    sys.exit(main())
