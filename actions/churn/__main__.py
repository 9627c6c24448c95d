"""Entry point of ``python -m actions.churn`` (see :mod:`actions.churn.cli`)."""

from __future__ import annotations

import sys

from actions.churn.cli import main

if __name__ == "__main__":
    sys.exit(main())
