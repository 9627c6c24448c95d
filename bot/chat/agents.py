"""The agent socket and sign-in: queue, open, claim, reply, grant, release, resolve.

Every change of a handoff goes through the profile store first (its guarded
updates decide races: exactly one of two agents claiming at once wins), then
to the conversation's tracker (agent messages, the hand-back) and only then to
the sockets. Agent messages are recorded in the tracker whether or not the
shopper is connected, so they are in the history when the shopper comes back.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any

from websockets.exceptions import ConnectionClosed

from bot.chat import store_ops
from bot.chat.conversations import (
    agent_message_event,
    append_events,
    load_events,
    resume_events,
)
from bot.chat.history import message_object, recent_messages
from bot.chat.hub import AgentPresence, Connection, HandoffView, client_frames
from bot.chat.protocol import (
    AgentCommand,
    AgentReply,
    Hello,
    Ping,
    Typing,
    error_frame,
    frame,
    parse_agent_frame,
    utc_text,
)
from bot.chat.server import ChatServer
from bot.chat.store_ops import StoreOpError

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
TRANSCRIPT_LIMIT = 200
LOGIN_WINDOW_SECONDS = 300
LOGIN_MAX_FAILURES = 5
MAX_TRACKED_USERNAMES = 10_000
# Recent failed sign-ins per username; bounded, so guessing random usernames
# cannot grow it without limit.
_failures: dict[str, deque[float]] = {}


def back_to_bot_text(shop_name: str, agent_name: str) -> str:
    """What the bot says when an agent hands the conversation back."""
    return (
        f"{agent_name} has handed you back to the {shop_name} assistant. I'm here if "
        "there's anything else I can help with."
    )


def offer_text(title: str, code: str) -> str:
    """The agent's message when granting an offer."""
    return f"I've added an offer for you: {title}. Use code {code} at checkout."


def login_blocked(username: str, now: float) -> bool:
    """Whether this username failed too often lately (throttles guessing)."""
    recent = _failures.get(username)
    if recent is None:
        return False
    while recent and now - recent[0] > LOGIN_WINDOW_SECONDS:
        recent.popleft()
    if not recent:
        del _failures[username]
        return False
    return len(recent) >= LOGIN_MAX_FAILURES


def note_failure(username: str, now: float) -> None:
    """Count a failed sign-in."""
    if username not in _failures and len(_failures) >= MAX_TRACKED_USERNAMES:
        del _failures[next(iter(_failures))]  # the longest-tracked username
    _failures.setdefault(username, deque(maxlen=LOGIN_MAX_FAILURES)).append(now)


async def sign_in(
    server: ChatServer, username: str, password: str
) -> dict[str, Any] | None:
    """Check credentials; the login response body, or None when they are wrong."""
    from actions.agents.tokens import sign_agent_token

    account = await store_ops.authenticate(username, password)
    if account is None:
        return None
    now = datetime.now(timezone.utc)
    ttl = server.config.agent_token_hours * 3600
    token = sign_agent_token(account.username, server.secret, now, ttl_seconds=ttl)
    return {
        "token": token,
        "username": account.username,
        "display_name": account.display_name,
        "expires_at": utc_text(now + timedelta(seconds=ttl)),
    }


async def serve_agent(server: ChatServer, socket: Any) -> None:
    """Run one agent socket until it closes."""
    connection = Connection(socket, "agent socket")
    presence: AgentPresence | None = None
    try:
        async for parsed in client_frames(socket, connection, parse_agent_frame):
            if presence is None:
                presence = await _hello(server, connection, parsed)
                if presence is None:
                    return
                continue
            try:
                await _dispatch(server, presence, parsed)
            except StoreOpError as error:
                connection.send(
                    error_frame(error.code, error.message, _frame_id(parsed))
                )
            except Exception:  # noqa: BLE001 - report, keep the socket
                logger.exception("Agent '%s' command failed.", presence.username)
                connection.send(
                    error_frame(
                        "internal", "the server failed; see its log", _frame_id(parsed)
                    )
                )
    except ConnectionClosed:
        logger.debug("Agent socket closed.")
    finally:
        if presence is not None:
            server.hub.agents.discard(presence)
        await connection.finish()


def _frame_id(parsed: Any) -> str | None:
    return parsed.id if isinstance(parsed, AgentReply) else None


async def _hello(
    server: ChatServer, connection: Connection, parsed: Any
) -> AgentPresence | None:
    from actions.agents.errors import AgentError
    from actions.agents.tokens import verify_agent_token

    if not isinstance(parsed, Hello) or parsed.token is None:
        await _refuse(connection, "send a hello frame with your sign-in token first")
        return None
    try:
        username = verify_agent_token(
            parsed.token, server.secret, datetime.now(timezone.utc)
        )
    except (AgentError, ValueError) as error:
        await _refuse(connection, f"{error} Sign in again.")
        return None
    try:
        account = await store_ops.active_account(username)
    except StoreOpError as error:
        await _refuse(connection, error.message)
        return None
    if account is None:
        await _refuse(connection, "this agent account is disabled or no longer exists")
        return None
    presence = AgentPresence(connection, account.username, account.display_name)
    server.hub.agents.add(presence)
    connection.send(
        frame(
            "welcome",
            agent={"username": account.username, "display_name": account.display_name},
        )
    )
    try:
        connection.send(await server.queue_frame())
    except StoreOpError as error:
        connection.send(error_frame(error.code, error.message))
    logger.info("Agent '%s' connected.", account.username)
    return presence


async def _refuse(connection: Connection, message: str) -> None:
    connection.send(error_frame("unauthorized", message))
    await connection.finish(CLOSE_UNAUTHORIZED, "unauthorized")


async def _dispatch(server: ChatServer, presence: AgentPresence, parsed: Any) -> None:
    connection = presence.connection
    if isinstance(parsed, Ping):
        connection.send(frame("pong"))
    elif isinstance(parsed, Hello):
        connection.send(error_frame("bad_frame", "hello was already received"))
    elif isinstance(parsed, AgentReply):
        await _reply(server, presence, parsed)
    elif isinstance(parsed, Typing):
        _typing(server, presence, parsed)
    elif isinstance(parsed, AgentCommand):
        handler = {
            "open": _open,
            "claim": _claim,
            "grant_offer": _grant,
            "release": _release,
            "resolve": _resolve,
        }[parsed.type]
        await handler(server, presence, parsed.handoff_id)


async def _open(server: ChatServer, presence: AgentPresence, handoff_id: int) -> None:
    record, grant = await store_ops.handoff_with_grant(handoff_id)
    events = await load_events(server.rasa_agent, record.conversation_id)
    holder = None
    if record.agent:
        account = await store_ops.active_account(record.agent)
        holder = account.display_name if account else record.agent
    state = server.hub.sessions.get(record.conversation_id)
    presence.watching.add(handoff_id)
    presence.connection.send(
        frame(
            "handoff",
            handoff_id=record.id,
            conversation_id=record.conversation_id,
            status=record.status,
            agent=holder,
            held_by_you=record.agent == presence.username
            and record.status == "assigned",
            packet=record.packet.to_dict(),
            messages=recent_messages(events, TRANSCRIPT_LIMIT),
            shopper_online=bool(state and state.online),
            offer_granted=None
            if grant is None
            else {"code": grant.code, "title": grant.title},
        )
    )


async def _claim(server: ChatServer, presence: AgentPresence, handoff_id: int) -> None:
    record = await store_ops.claim(handoff_id, presence.username)
    state = server.hub.session(record.conversation_id)
    state.handoff = HandoffView(
        record.id, "assigned", presence.username, presence.display_name
    )
    server.forget_position(state.session_id)
    server.send_state(state, kind="agent_joined")
    presence.connection.send(
        frame("claimed", handoff_id=record.id, agent=presence.display_name)
    )
    logger.info("Agent '%s' claimed handoff %d.", presence.username, record.id)
    await _open(server, presence, handoff_id)
    server.refresh_queue()


async def _held(server: ChatServer, presence: AgentPresence, handoff_id: int) -> Any:
    """The handoff record, when this agent holds it."""
    record = await store_ops.get_handoff(handoff_id)
    if record.status != "assigned" or record.agent != presence.username:
        raise StoreOpError(
            "not_holder",
            f"you do not hold handoff {handoff_id}"
            + (f" ({record.agent} does)" if record.agent else "; claim it first"),
        )
    return record


async def _send_as_agent(
    server: ChatServer, presence: AgentPresence, record: Any, text: str
) -> None:
    """Record an agent message in the tracker, then deliver it."""
    await append_events(
        server.rasa_agent,
        record.conversation_id,
        [agent_message_event(text, presence.username, presence.display_name)],
    )
    message = message_object("agent", text, agent_name=presence.display_name)
    state = server.hub.sessions.get(record.conversation_id)
    if state is not None:
        state.broadcast(frame("message", **message))
    server.hub.to_watchers(record.id, frame("message", handoff_id=record.id, **message))


async def _reply(
    server: ChatServer, presence: AgentPresence, reply: AgentReply
) -> None:
    record = await _held(server, presence, reply.handoff_id)
    await _send_as_agent(server, presence, record, reply.text)
    presence.connection.send(frame("ack", id=reply.id, duplicate=False))


def _typing(server: ChatServer, presence: AgentPresence, typing: Typing) -> None:
    assert typing.handoff_id is not None
    state = server.hub.session_for_handoff(typing.handoff_id)
    if state is None or state.handoff is None:
        return
    if state.handoff.agent_username != presence.username:
        presence.connection.send(
            error_frame("not_holder", f"you do not hold handoff {typing.handoff_id}")
        )
        return
    state.broadcast(frame("typing", on=typing.on, **{"from": "agent"}))


async def _grant(server: ChatServer, presence: AgentPresence, handoff_id: int) -> None:
    record = await _held(server, presence, handoff_id)
    grant = await store_ops.grant_offer(handoff_id, presence.username)
    if not grant.already_granted:
        await _send_as_agent(
            server, presence, record, offer_text(grant.title, grant.code)
        )
    presence.connection.send(
        frame(
            "offer_granted",
            handoff_id=handoff_id,
            code=grant.code,
            title=grant.title,
            already_granted=grant.already_granted,
        )
    )


async def _release(
    server: ChatServer, presence: AgentPresence, handoff_id: int
) -> None:
    record = await store_ops.release(handoff_id, presence.username)
    state = server.hub.sessions.get(record.conversation_id)
    if state is not None:
        state.handoff = HandoffView(record.id, "waiting", None, presence.display_name)
        server.send_state(state, kind="agent_left")
        state.handoff.agent_name = None
        server.forget_position(state.session_id)
    presence.connection.send(frame("released", handoff_id=handoff_id))
    server.refresh_queue()


async def _resolve(
    server: ChatServer, presence: AgentPresence, handoff_id: int
) -> None:
    from actions.shop import shop_or_neutral

    record = await store_ops.resolve(handoff_id, presence.username)
    text = back_to_bot_text(shop_or_neutral().name, presence.display_name)
    await append_events(server.rasa_agent, record.conversation_id, resume_events(text))
    state = server.hub.sessions.get(record.conversation_id)
    if state is not None:
        view = state.handoff or HandoffView(record.id, "assigned")
        state.last_handoff_id = record.id
        state.handoff = None
        state.broadcast(
            frame(
                "handoff",
                state="back_to_bot",
                position=None,
                agent_name=presence.display_name,
                handoff_id=view.handoff_id,
            )
        )
        state.broadcast(frame("message", **message_object("bot", text)))
    server.hub.to_watchers(handoff_id, frame("resolved", handoff_id=handoff_id))
    for watcher in server.hub.watching(handoff_id):
        watcher.watching.discard(handoff_id)
    logger.info("Agent '%s' resolved handoff %d.", presence.username, handoff_id)
    server.refresh_queue()


def login_now() -> float:
    """The clock the sign-in throttle uses."""
    return time.monotonic()
