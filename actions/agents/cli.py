"""Command line of agent accounts: ``python -m actions.agents COMMAND``.

Commands::

    add USERNAME --name "Display Name" [--password-stdin]
    list
    disable USERNAME
    enable USERNAME
    passwd USERNAME [--password-stdin]
    demo        # development only: account 'demo', password 'shopbot-demo'

Without ``--password-stdin`` the password is asked for twice on the terminal
(not echoed); with it, the first line of standard input is the password.
Every command first migrates the store (``SHOPBOT_DATABASE_URL``, or
``--database-url``). Exit codes: 0 done, 2 bad input (one line on stderr
saying what to fix), 1 the store cannot be reached or stays locked.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from actions.agents.accounts import (
    AgentAccountRecord,
    create_account,
    create_or_reset_account,
    list_accounts,
    set_active,
    set_password,
)
from actions.agents.errors import AgentInputError
from actions.agents.validation import check_password
from actions.errors import ActionsError, SettingsError, StoreUnavailableError
from actions.settings import get_settings
from actions.store import migrate
from actions.store.clock import utcnow
from actions.store.db import engine_for, redact, session_scope

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_USAGE = 2
DEMO_USERNAME = "demo"
DEMO_DISPLAY_NAME = "Alex (demo)"
DEMO_PASSWORD = "shopbot-demo"

Prompt = Callable[[str], str]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m actions.agents``."""
    url_help = (
        "SQLAlchemy database URL (default: SHOPBOT_DATABASE_URL or var/shopbot.db)"
    )
    parser = argparse.ArgumentParser(
        prog="python -m actions.agents",
        description="Manage the accounts agents use to sign in to the console.",
    )
    parser.add_argument("--database-url", help=url_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=argparse.SUPPRESS, help=url_help)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS
    )
    stdin_help = "read the password from the first line of standard input"
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", parents=[common], help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name shoppers see")
    add.add_argument("--password-stdin", action="store_true", help=stdin_help)
    commands.add_parser("list", parents=[common], help="list the accounts")
    for verb, what in (("disable", "refuse its sign-ins"), ("enable", "allow them")):
        command = commands.add_parser(verb, parents=[common], help=what)
        command.add_argument("username")
    passwd = commands.add_parser("passwd", parents=[common], help="set a password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help=stdin_help)
    commands.add_parser(
        "demo",
        parents=[common],
        help=f"development only: account '{DEMO_USERNAME}', password "
        f"'{DEMO_PASSWORD}'",
    )
    return parser


def _database_url(args: argparse.Namespace) -> str:
    url = str(args.database_url or get_settings().database_url)
    try:
        make_url(url)
    except ArgumentError as error:
        raise AgentInputError(
            f"'{url}' is not a database URL ({error}); use e.g. "
            "sqlite:///var/shopbot.db or postgresql+psycopg2://user@host/db."
        ) from error
    return url


def read_password(use_stdin: bool, stdin: TextIO, prompt: Prompt) -> str:
    """The new password, from standard input or asked twice.

    Args:
        use_stdin: read the first line of ``stdin`` instead of prompting.
        stdin: where ``--password-stdin`` reads.
        prompt: asks without echo (``getpass.getpass``).

    Returns:
        The checked password.

    Raises:
        AgentInputError: nothing on stdin, the two entries differ, or the
            password has a bad length.
    """
    if use_stdin:
        line = stdin.readline()
        if not line:
            raise AgentInputError(
                "--password-stdin was given but standard input is empty; pipe the "
                "password in, e.g. `printf '%s\\n' \"$PASSWORD\" | python -m "
                "actions.agents add ...`."
            )
        return check_password(line.rstrip("\r\n"))
    first = check_password(prompt("Password: "))
    if prompt("Repeat the password: ") != first:
        raise AgentInputError("The two passwords differ; run the command again.")
    return first


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _when(moment: object) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def format_accounts(accounts: Sequence[AgentAccountRecord]) -> str:
    """The accounts as an aligned text table."""
    rows = [("USERNAME", "DISPLAY NAME", "ACTIVE", "CREATED", "LAST SIGN-IN")]
    for account in accounts:
        rows.append(
            (
                account.username,
                account.display_name,
                "yes" if account.active else "no",
                _when(account.created_at),
                _when(account.last_login_at),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )


def _run(args: argparse.Namespace, stdin: TextIO, prompt: Prompt) -> int:
    if args.command == "demo" and get_settings().environment == "production":
        raise AgentInputError(
            "refusing to create the demo agent account with a published password "
            "while SHOPBOT_ENV=production; create real accounts with "
            "`python -m actions.agents add USERNAME --name NAME`."
        )
    url = _database_url(args)
    password = None
    if args.command in ("add", "passwd"):
        password = read_password(args.password_stdin, stdin, prompt)
    migrate.upgrade(url)
    with session_scope(engine_for(url)) as session:
        if args.command == "add":
            account = create_account(
                session=session,
                username=args.username,
                display_name=args.name,
                password=str(password),
                now=utcnow(),
            )
            _write(
                f"Created agent account '{account.username}' "
                f"({account.display_name})."
            )
        elif args.command == "list":
            accounts = list_accounts(session=session)
            _write(
                format_accounts(accounts)
                if accounts
                else f"No agent accounts in {redact(url)}; add one with "
                "`python -m actions.agents add USERNAME --name NAME`."
            )
        elif args.command in ("disable", "enable"):
            account = set_active(
                session=session,
                username=args.username,
                active=args.command == "enable",
            )
            _write(f"Agent account '{account.username}' is {args.command}d.")
        elif args.command == "passwd":
            account = set_password(
                session=session, username=args.username, password=str(password)
            )
            _write(f"Changed the password of agent account '{account.username}'.")
        else:
            account = create_or_reset_account(
                session=session,
                username=DEMO_USERNAME,
                display_name=DEMO_DISPLAY_NAME,
                password=DEMO_PASSWORD,
                now=utcnow(),
            )
            _write(
                f"Demo agent account '{account.username}' ({account.display_name}) "
                f"is ready: sign in with password '{DEMO_PASSWORD}' "
                "(development only)."
            )
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    prompt: Prompt = getpass.getpass,
) -> int:
    """Run one command.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.
        stdin: where ``--password-stdin`` reads; ``sys.stdin`` when None.
        prompt: asks for a password without echo.

    Returns:
        The exit code (see the module docstring).
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return _run(args, sys.stdin if stdin is None else stdin, prompt)
    except StoreUnavailableError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_UNAVAILABLE
    except (ActionsError, SettingsError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("error: no password was entered; nothing changed.\n")
        return EXIT_USAGE
