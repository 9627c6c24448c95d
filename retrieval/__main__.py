"""Entry point of ``python -m retrieval`` (see :mod:`retrieval.cli`)."""

from __future__ import annotations

import sys

from retrieval.cli import main

if __name__ == "__main__":
    sys.exit(main())
