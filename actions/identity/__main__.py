"""``python -m actions.identity token CUSTOMER_ID [--ttl SECONDS]``: mint a token.

What a shop's page does for a logged-in shopper, for demos and tests; it uses
``SHOPBOT_TOKEN_SECRET`` (the development placeholder when unset).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from actions.errors import ActionsError
from actions.identity.tokens import sign_token
from actions.settings import get_settings

DEFAULT_TTL_SECONDS = 3600


def main(argv: Sequence[str] | None = None) -> int:
    """Print a signed token; exit 2 on bad arguments or settings."""
    parser = argparse.ArgumentParser(prog="python -m actions.identity")
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="mint a shopper token")
    token.add_argument("customer_id", type=int)
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS)
    args = parser.parse_args(argv)
    try:
        expires = int(time.time()) + args.ttl
        sys.stdout.write(
            sign_token(args.customer_id, expires, get_settings().token_secret) + "\n"
        )
    except ActionsError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
