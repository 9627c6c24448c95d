"""``python -m actions.store``: see :mod:`actions.store.cli`."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from actions.store.cli import main

    sys.exit(main())
