"""Command line of the profile store: ``python -m actions.store COMMAND``.

Commands:

* ``migrate``: apply the Alembic migrations (``upgrade head``).
* ``seed``: migrate, then seed the demo shop if the store has no customers
  (``--reset`` empties it first; ``--count``, ``--as-of``, ``--seed``, ``--data``).
* ``demo``: list the walkthrough customers and what each one is for.
* ``info``: the schema revision and the row count of every table.

``--database-url`` overrides ``SHOPBOT_DATABASE_URL``. Exit codes: 0 done,
1 the store or data is not as expected (not migrated, not seeded, bad CSV),
2 bad arguments or an unreachable / locked database.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from actions.errors import ActionsError, SettingsError, StoreUnavailableError
from actions.settings import get_settings
from actions.store import migrate, seed
from actions.store.db import engine_for, redact, session_scope
from actions.store.errors import SeedDataNotFoundError
from actions.store.schema import OPEN_STATUSES, Base, Customer, DemoCustomer, Order

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_STATE = 1
EXIT_USAGE = 2


class UsageError(ActionsError, ValueError):
    """A command-line value is malformed."""


def _as_of(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2025-06-01."
        ) from error


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number.") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} customers; seed at least 1.")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m actions.store``."""
    url_help = (
        "SQLAlchemy database URL (default: SHOPBOT_DATABASE_URL or var/shopbot.db)"
    )
    parser = argparse.ArgumentParser(
        prog="python -m actions.store",
        description="Migrate, seed and inspect shopbot's customer profile store.",
    )
    parser.add_argument("--database-url", help=url_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database-url", default=argparse.SUPPRESS, help=url_help)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("migrate", parents=[common], help="apply the migrations")
    seeding = commands.add_parser(
        "seed", parents=[common], help="migrate, then seed the demo shop if empty"
    )
    seeding.add_argument("--count", type=_count, default=seed.DEFAULT_COUNT)
    seeding.add_argument("--seed", type=int, default=seed.DEFAULT_SEED)
    seeding.add_argument(
        "--as-of",
        type=_as_of,
        default=None,
        help="the demo's 'today', YYYY-MM-DD (default: today, UTC)",
    )
    seeding.add_argument(
        "--reset", action="store_true", help="empty every table before seeding"
    )
    seeding.add_argument(
        "--data", type=Path, default=seed.DEFAULT_DATA_PATH, help="churn CSV"
    )
    commands.add_parser("demo", parents=[common], help="list the demo customers")
    commands.add_parser("info", parents=[common], help="row counts per table")
    return parser


def _database_url(args: argparse.Namespace) -> str:
    url = args.database_url or get_settings().database_url
    try:
        make_url(url)
    except ArgumentError as error:
        raise UsageError(
            f"'{url}' is not a database URL ({error}); use e.g. "
            "sqlite:///var/shopbot.db or postgresql+psycopg2://user@host/db."
        ) from error
    return url


def _write(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _shop_currency() -> str:
    from actions.shop import get_shop_config

    try:
        currency = get_shop_config().currency.strip().upper()
    except ActionsError:
        return "EUR"
    return currency if len(currency) == 3 and currency.isalpha() else "EUR"


def _migrate(url: str) -> int:
    migrate.upgrade(url)
    _write(f"Profile store {redact(url)} is at revision {migrate.current(url)}.")
    return EXIT_OK


def _seed(url: str, args: argparse.Namespace) -> int:
    migrate.upgrade(url)
    rows = seed.load_rows(args.data)
    as_of = args.as_of or datetime.utcnow().replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    engine = engine_for(url)
    if args.reset:
        with session_scope(engine) as session:
            seed.reset_store(session)
        _write("Emptied every table.")
    with session_scope(engine) as session:
        summary = seed.seed_demo_shop(
            session=session,
            rows=rows,
            as_of=as_of,
            count=args.count,
            seed=args.seed,
            currency=_shop_currency(),
        )
    from actions.offers.catalogue import seed_offers

    with session_scope(engine) as session:
        offers = seed_offers(session)
    if offers:
        _write(f"Seeded {offers} offers into the catalogue.")
    if not summary.seeded:
        _write(
            "The store already has customers: nothing seeded "
            "(use --reset to start again)."
        )
        return EXIT_OK
    _write(
        f"Seeded {summary.customers} customers ({summary.churned} from churned rows) "
        f"as of {as_of:%Y-%m-%d}: {summary.orders} orders, {summary.refunds} "
        f"refunds, {summary.tickets} tickets, {summary.coupon_redemptions} coupons."
    )
    _write(f"Orders by status: {summary.orders_by_status}")
    _write(f"Refunds by status: {summary.refunds_by_status}")
    _write("Demo customers: " + ", ".join(f"{k}={v}" for k, v in summary.demo.items()))
    return EXIT_OK


def _not_migrated(url: str) -> bool:
    if migrate.current(url) is None:
        sys.stderr.write(
            f"error: the profile store {redact(url)} is not migrated; run "
            "`python -m actions.store migrate` (or `seed`).\n"
        )
        return True
    return False


def _demo(url: str) -> int:
    if _not_migrated(url):
        return EXIT_STATE
    with session_scope(engine_for(url)) as session:
        rows = session.execute(
            select(
                DemoCustomer.role,
                DemoCustomer.purpose,
                Customer.id,
                Customer.name,
                Customer.email,
                Customer.loyalty_tier,
                Customer.personalisation_consent,
                select(func.count(Order.id))
                .where(
                    Order.customer_id == Customer.id,
                    Order.status.in_(OPEN_STATUSES),
                )
                .scalar_subquery(),
            )
            .join(Customer, Customer.id == DemoCustomer.customer_id)
            .order_by(DemoCustomer.role)
        ).all()
    if not rows:
        sys.stderr.write(
            "error: no demo customers; run `python -m actions.store seed` first.\n"
        )
        return EXIT_STATE
    for role, purpose, cid, name, email, tier, consent, open_orders in rows:
        agreed = "yes" if consent else "no"
        _write(
            f"{role:<11} id={cid:<5} tier={tier:<9} consent={agreed:<4}"
            f"open orders={open_orders}  {name} <{email}>"
        )
        _write(f"{'':<11} {purpose}")
    return EXIT_OK


def _info(url: str) -> int:
    revision = migrate.current(url)
    _write(f"Profile store {redact(url)}, revision {revision or 'none'}.")
    if revision is None:
        _write("Not migrated: run `python -m actions.store migrate`.")
        return EXIT_STATE
    engine = engine_for(url)
    present = set(inspect(engine).get_table_names())
    with session_scope(engine) as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in present:
                _write(f"{table.name:<22} missing")
                continue
            count = session.execute(select(func.count()).select_from(table)).scalar()
            _write(f"{table.name:<22} {count}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit code (see the module docstring).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        url = _database_url(args)
        if args.command == "migrate":
            return _migrate(url)
        if args.command == "seed":
            return _seed(url, args)
        if args.command == "demo":
            return _demo(url)
        return _info(url)
    except (UsageError, SettingsError, SeedDataNotFoundError) as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE
    except StoreUnavailableError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_USAGE
    except ActionsError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_STATE
