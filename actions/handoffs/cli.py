"""``python -m actions.handoffs``: list, show and replay handoffs.

Until the agent console exists, this is how a person finds the conversations
waiting for them::

    python -m actions.handoffs list [--status waiting] [--json] [--database-url URL]
    python -m actions.handoffs show ID [--json]
    python -m actions.handoffs replay [--spool PATH]

The list shows no names or emails (an email typed in the last message is
masked); ``show`` prints the whole packet for the agent. Exit status: 0 on
success, 2 when the store is unreachable, the id is unknown or an argument is
bad (with a message saying what to do).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actions.errors import ActionsError
from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import HandoffNotFoundError
from actions.handoffs.spool import pending_lines, rejected_path, replay_spool
from actions.handoffs.store import HandoffRecord, get_handoff, list_handoffs
from actions.store.db import engine_for, redact, session_scope
from actions.store.schema import HANDOFF_STATUSES

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILURE = 2
SNIPPET_LENGTH = 60
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_emails(text: str) -> str:
    """``text`` with every email address replaced by ``[email]``."""
    return _EMAIL.sub("[email]", text)


def snippet(text: str | None, length: int = SNIPPET_LENGTH) -> str:
    """The first line of ``text``, emails masked, cut to ``length`` characters."""
    if not text:
        return ""
    first = mask_emails(text.strip().split("\n", 1)[0].strip())
    return first if len(first) <= length else first[: length - 1] + "\u2026"


def summary(record: HandoffRecord) -> dict[str, Any]:
    """The list view of a handoff: no name, no email."""
    churn = record.packet.churn_probability
    return {
        "id": record.id,
        "created_at": record.created_at.isoformat(timespec="seconds"),
        "status": record.status,
        "customer_id": record.customer_id,
        "reason": record.reason,
        "risk_score": record.risk_score,
        "churn_probability": churn,
        "last_message": snippet(record.packet.last_shopper_text()),
    }


def format_list(records: Sequence[HandoffRecord]) -> str:
    """The handoffs as an aligned text table."""
    header = ("ID", "CREATED", "STATUS", "CUSTOMER", "REASON", "RISK", "CHURN", "LAST")
    rows = [header]
    for record in records:
        view = summary(record)
        rows.append(
            (
                str(view["id"]),
                record.created_at.strftime("%Y-%m-%d %H:%M"),
                view["status"],
                "-" if view["customer_id"] is None else str(view["customer_id"]),
                view["reason"],
                _fraction(view["risk_score"]),
                _fraction(view["churn_probability"]),
                view["last_message"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    ]
    return "".join(line.rstrip() + "\n" for line in lines)


def format_packet(record: HandoffRecord) -> str:
    """Everything in a handoff, laid out for the agent."""
    packet: HandoffPacket = record.packet
    risk = packet.risk
    out = [
        f"Handoff {record.id}: {record.status} (reason: {record.reason})",
        f"Created {record.created_at:%Y-%m-%d %H:%M:%S} UTC, updated "
        f"{record.updated_at:%Y-%m-%d %H:%M:%S} UTC, agent: {record.agent or '-'}",
        f"Conversation: {packet.conversation_id}",
        f"Risk: {risk.score:.2f}"
        + (f" ({'; '.join(risk.reasons)})" if risk.reasons else ""),
    ]
    profile = packet.profile
    if profile is None:
        out.append("Customer: anonymous (not signed in)")
    else:
        out.append(
            f"Customer #{profile.customer_id}: {profile.name}, {profile.tier} tier, "
            f"{profile.order_count} orders, "
            f"{profile.lifetime_value_cents / 100:.2f} {profile.currency} lifetime, "
            f"{profile.open_tickets} open tickets"
        )
        if profile.last_order is not None:
            last = profile.last_order
            out.append(
                f"  Last order {last.number}: {last.status}"
                + (f", placed {last.placed_at}" if last.placed_at else "")
            )
    out.append(f"Churn probability: {_fraction(packet.churn_probability)}")
    out.extend(
        f"  - {reason.text} (+{reason.contribution:.2f})"
        for reason in packet.churn_reasons
    )
    out.append("Intent ranking (latest message):")
    out.extend(
        f"  - {score.name} {score.confidence:.2f}" for score in packet.intent_ranking
    )
    offer = packet.suggested_offer
    out.append(
        "Suggested offer: none"
        if offer is None
        else f"Suggested offer: {offer.code} {offer.title} (arm: {offer.arm}"
        + ("; hold-out, do not give it)" if offer.arm == "holdout" else ")")
    )
    out.append("Past cases:" if packet.retrieval_candidates else "Past cases: none")
    for number, case in enumerate(packet.retrieval_candidates, start=1):
        out.append(f"  {number}. ({case.score:.2f}) Q: {case.question}")
        out.append(f"     A: {case.answer}")
    out.append(f"Transcript ({len(packet.transcript)} messages):")
    for line in packet.transcript:
        at = f"[{line.at}] " if line.at else ""
        text = line.text.replace("\n", "\n" + " " * 4)
        out.append(f"  {at}{line.speaker}: {text}")
    return "\n".join(out) + "\n"


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


# --- commands ------------------------------------------------------------------


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    from actions.settings import get_settings

    return get_settings().database_url


def _spool_path(args: argparse.Namespace) -> Path:
    if args.spool:
        return Path(args.spool)
    from actions.settings import get_settings

    return get_settings().handoff_spool


def _list(args: argparse.Namespace) -> int:
    with session_scope(engine_for(_database_url(args))) as session:
        records = list_handoffs(session=session, status=args.status, limit=args.limit)
    if args.json:
        sys.stdout.write(json.dumps([summary(r) for r in records], indent=2) + "\n")
    elif not records:
        which = f"{args.status} " if args.status else ""
        sys.stdout.write(f"No {which}handoffs.\n")
    else:
        sys.stdout.write(format_list(records))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    with session_scope(engine_for(_database_url(args))) as session:
        record = get_handoff(session=session, handoff_id=args.id)
    if record is None:
        raise HandoffNotFoundError(
            f"No handoff has id {args.id}; list them with "
            "`python -m actions.handoffs list`."
        )
    if args.json:
        view = {**summary(record), "agent": record.agent, "key": record.key}
        view["packet"] = record.packet.to_dict()
        sys.stdout.write(json.dumps(view, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_packet(record))
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    spool = _spool_path(args)
    if pending_lines(spool) == 0:
        sys.stdout.write(f"No spooled handoffs in {spool}.\n")
        return EXIT_OK
    url = _database_url(args)
    with session_scope(engine_for(url)) as session:
        count = replay_spool(session=session, path=spool)
    left = pending_lines(spool)
    sys.stdout.write(
        f"Replayed {count} spooled handoff(s) into {redact(url)}; {left} still "
        "pending.\n"
    )
    rejected = rejected_path(spool)
    if rejected.exists():
        sys.stdout.write(
            f"Unreadable or refused lines are kept in {rejected}; see the log.\n"
        )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the store (default: SHOPBOT_DATABASE_URL).",
    )
    parser = argparse.ArgumentParser(
        prog="python -m actions.handoffs",
        description="Conversations handed to a person, until the agent console exists.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", parents=[common], help="list handoffs")
    listing.add_argument("--status", choices=HANDOFF_STATUSES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    show = commands.add_parser("show", parents=[common], help="print one packet")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)
    replay = commands.add_parser(
        "replay", parents=[common], help="move spooled handoffs into the store"
    )
    replay.add_argument("--spool", help="spool file (default: SHOPBOT_HANDOFF_SPOOL)")
    replay.set_defaults(handler=_replay)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status: 0, or 2 with a message on stderr.
    """
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ActionsError as error:
        # Store outages, unknown ids, spool and settings problems: the message
        # says what failed and what to do.
        logger.debug("Command '%s' failed.", args.command, exc_info=True)
        sys.stderr.write(f"error: {error}\n")
        return EXIT_FAILURE
