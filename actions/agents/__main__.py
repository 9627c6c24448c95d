"""``python -m actions.agents``: see :mod:`actions.agents.cli`."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from actions.agents.cli import main

    sys.exit(main())
