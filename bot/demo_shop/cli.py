"""``python -m bot.demo_shop [--host H] [--port P] [--chat-url URL] [--token-ttl S]``.

Serves the demo shop until SIGINT (Ctrl-C) or SIGTERM, then stops cleanly: the
listening socket closes, open requests finish, exit code 0. Exit code 2: a bad
option or environment variable (the message names it and how to fix it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from aiohttp import web

from actions.errors import SettingsError
from actions.settings import load_settings
from bot.demo_shop.app import create_app
from bot.demo_shop.errors import DemoShopSettingsError
from bot.demo_shop.settings import DemoShopSettings

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2
SHUTDOWN_TIMEOUT_SECONDS = 5.0


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """The parser; defaults come from the environment (see bot.demo_shop.settings)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.demo_shop",
        description="A demo shop page embedding the shopbot chat widget.",
    )
    parser.add_argument(
        "--host", default=env.get("SHOPBOT_DEMO_HOST", "127.0.0.1"), help="interface"
    )
    parser.add_argument(
        "--port", default=env.get("SHOPBOT_DEMO_PORT", "8000"), help="TCP port"
    )
    parser.add_argument(
        "--chat-url",
        default=env.get("SHOPBOT_CHAT_URL", "http://localhost:5005"),
        help="base URL of the Rasa server with the shopbot channel",
    )
    parser.add_argument(
        "--token-ttl",
        default=env.get("SHOPBOT_DEMO_TOKEN_TTL", "3600"),
        help="lifetime of minted shopper tokens, seconds",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def _whole_number(option: str, text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError as error:
        raise DemoShopSettingsError(
            f"{option} is '{text}', not a whole number."
        ) from error


def settings_from_args(
    args: argparse.Namespace, env: Mapping[str, str]
) -> DemoShopSettings:
    """Combine the options with the action server's store and secret.

    Raises:
        DemoShopSettingsError: an option has a bad value.
        SettingsError: the action server's settings are invalid.
    """
    actions = load_settings(env)
    return DemoShopSettings(
        host=args.host,
        port=_whole_number("--port", args.port),
        chat_url=args.chat_url,
        token_ttl_seconds=_whole_number("--token-ttl", args.token_ttl),
        database_url=actions.database_url,
        token_secret=actions.token_secret,
    )


def main(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> int:
    """Run the demo shop until it is told to stop.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.
        env: the environment; ``os.environ`` when None.

    Returns:
        The exit code.
    """
    env = os.environ if env is None else env
    args = build_parser(env).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = settings_from_args(args, env)
    except (DemoShopSettingsError, SettingsError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE
    logger.info(
        "Demo shop on http://%s:%d/ (chat server %s).",
        settings.host,
        settings.port,
        settings.chat_url,
    )
    try:
        # run_app turns SIGINT and SIGTERM into a graceful shutdown.
        web.run_app(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            print=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
            handle_signals=True,
        )
    except OSError as error:
        sys.stderr.write(
            f"error: cannot listen on {settings.host}:{settings.port} ({error}); "
            "choose another --port or stop what uses it.\n"
        )
        return EXIT_USAGE
    logger.info("Demo shop stopped.")
    return EXIT_OK
