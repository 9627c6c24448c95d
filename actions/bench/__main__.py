"""``python -m actions.bench``: see :mod:`actions.bench.cli`."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from actions.bench.cli import main

    sys.exit(main())
