"""``python -m bot.bench``: see :mod:`bot.bench.cli`."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from bot.bench.cli import main

    sys.exit(main())
