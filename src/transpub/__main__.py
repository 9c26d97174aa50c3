"""``python -m transpub``: the command line, as the ``transpub`` script runs it."""

import sys

from transpub.cli import main

sys.exit(main())
