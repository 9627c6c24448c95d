"""Entry point of ``python -m actions.handoffs`` (see :mod:`actions.handoffs.cli`)."""

from __future__ import annotations

import sys

from actions.handoffs.cli import main

if __name__ == "__main__":
    sys.exit(main())
