"""``python -m bot.demo_shop``: run the demo shop (see :mod:`bot.demo_shop.cli`)."""

import sys

from bot.demo_shop.cli import main

if __name__ == "__main__":
    sys.exit(main())
