"""The shopper socket: hello, messages, typing, rating (PROTOCOL.md).

A connection's first frame must be ``hello``. The customer token is verified
here (a bad one leaves the shopper anonymous, with a ``token_invalid`` error),
the session id is checked against the customer who owns it, and the recent
history is replayed. Messages are acknowledged at once and handled in order by
the session's worker: through Rasa while the bot has the conversation; while a
handoff is open they are recorded (Rasa keeps a paused conversation silent)
and forwarded to the agents who have it open.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage
from websockets.exceptions import ConnectionClosed

from actions.errors import TokenError
from actions.identity.tokens import verify_token
from bot.chat import store_ops
from bot.chat.conversations import load_events
from bot.chat.history import (
    META_CLIENT_ID,
    META_CUSTOMER,
    META_DISPLAY_TEXT,
    META_TOKEN,
    accepted_client_ids,
    message_object,
    recent_messages,
    session_owner,
)
from bot.chat.hub import Connection, HandoffView, SessionState, client_frames
from bot.chat.output import CHANNEL_NAME, SessionOutput
from bot.chat.protocol import (
    Hello,
    Ping,
    Rating,
    ShopperMessage,
    Typing,
    error_frame,
    frame,
    parse_shopper_frame,
)
from bot.chat.server import ChatServer, handoff_state
from bot.chat.store_ops import StoreOpError

logger = logging.getLogger(__name__)
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MessageHandler = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Shopper:
    """Who is on a shopper socket, as verified at ``hello``."""

    state: SessionState
    customer_id: int | None
    token: str | None


@dataclass(frozen=True)
class Inbound:
    """A shopper message waiting in its session's inbox."""

    message: ShopperMessage
    shopper: Shopper


def new_session_id() -> str:
    """A fresh, unguessable session id (also the Rasa sender id)."""
    return secrets.token_urlsafe(18)


async def serve_shopper(
    server: ChatServer, socket: Any, on_new_message: MessageHandler
) -> None:
    """Run one shopper socket until it closes."""
    connection = Connection(socket, "shopper socket")
    shopper: Shopper | None = None
    try:
        async for parsed in client_frames(socket, connection, parse_shopper_frame):
            if shopper is None:
                if not isinstance(parsed, Hello):
                    connection.send(
                        error_frame("hello_required", "send a hello frame first")
                    )
                    continue
                shopper = await _hello(server, connection, parsed)
                continue
            await _dispatch(server, connection, shopper, parsed, on_new_message)
    except ConnectionClosed:
        logger.debug("Shopper socket closed.")
    finally:
        if shopper is not None:
            _leave(server, shopper.state, connection)
        await connection.finish()


async def _dispatch(
    server: ChatServer,
    connection: Connection,
    shopper: Shopper,
    parsed: Any,
    on_new_message: MessageHandler,
) -> None:
    state = shopper.state
    if isinstance(parsed, ShopperMessage):
        _accept(server, connection, shopper, parsed, on_new_message)
    elif isinstance(parsed, Typing):
        if state.handoff is not None:
            server.hub.to_watchers(
                state.handoff.handoff_id,
                frame("typing", handoff_id=state.handoff.handoff_id, on=parsed.on),
            )
    elif isinstance(parsed, Rating):
        await _rate(connection, shopper, parsed)
    elif isinstance(parsed, Ping):
        connection.send(frame("pong"))
    else:
        connection.send(error_frame("bad_frame", "hello was already received"))


async def _hello(server: ChatServer, connection: Connection, hello: Hello) -> Shopper:
    customer_id, token = _identity(connection, hello.token, server.secret)
    session_id = hello.session_id
    if session_id is not None and not _SESSION_ID.fullmatch(session_id):
        connection.send(
            error_frame(
                "bad_frame",
                "session_id must be 8-64 letters, digits, '-' or '_'; a new session "
                "was started",
            )
        )
        session_id = None
    events: list[Any] = []
    if session_id is not None:
        events = await load_events(server.rasa_agent, session_id)
        known = server.hub.sessions.get(session_id)
        owner = session_owner(events)
        if owner is None and known is not None:
            owner = known.customer_id
        if owner is not None and owner != customer_id:
            logger.info(
                "Session '%s' refused: it belongs to another customer.", session_id
            )
            connection.send(
                error_frame(
                    "session_forbidden",
                    "that conversation belongs to another customer; a new one was "
                    "started",
                )
            )
            session_id, events = None, []
    state = server.hub.session(session_id or new_session_id())
    if not state.loaded:
        for client_id in accepted_client_ids(events):
            state.accept(client_id)
        state.loaded = True
    if customer_id is not None:
        state.customer_id = customer_id
    if events and state.handoff is None:
        state.handoff = await _stored_handoff(state.session_id)
    state.connections.add(connection)
    name = await _first_name(customer_id)
    connection.send(
        frame(
            "welcome",
            session_id=state.session_id,
            customer=None if name is None else {"name": name},
            handoff=handoff_state(state.handoff),
        )
    )
    connection.send(
        frame("history", messages=recent_messages(events, server.config.history_limit))
    )
    if state.handoff is not None:
        server.forget_position(state.session_id)
        server.refresh_queue()
        server.hub.to_watchers(
            state.handoff.handoff_id,
            frame("presence", handoff_id=state.handoff.handoff_id, shopper_online=True),
        )
    return Shopper(state=state, customer_id=customer_id, token=token)


def _identity(
    connection: Connection, token: str | None, secret: str
) -> tuple[int | None, str | None]:
    if token is None:
        return None, None
    try:
        identity = verify_token(token, secret, time.time())
    except TokenError as error:
        connection.send(
            error_frame(
                "token_invalid",
                f"{error} You are chatting as a guest; reload the shop page to sign in "
                "again.",
            )
        )
        return None, None
    return identity.customer_id, token


async def _stored_handoff(session_id: str) -> HandoffView | None:
    try:
        record = await store_ops.active_handoff(session_id)
    except StoreOpError:
        return None
    if record is None:
        return None
    name = None
    if record.agent:
        account = await store_ops.active_account(record.agent)
        name = account.display_name if account else record.agent
    return HandoffView(record.id, record.status, record.agent, name)


async def _first_name(customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    try:
        return await store_ops.customer_name(customer_id)
    except StoreOpError:
        return None


def _accept(
    server: ChatServer,
    connection: Connection,
    shopper: Shopper,
    message: ShopperMessage,
    on_new_message: MessageHandler,
) -> None:
    state = shopper.state
    if not state.accept(message.id):
        connection.send(frame("ack", id=message.id, duplicate=True))
        return
    connection.send(frame("ack", id=message.id, duplicate=False))
    # The shopper's other tabs show the message too.
    state.broadcast(
        frame("message", **message_object("user", message.text, client_id=message.id)),
        exclude=connection,
    )

    async def handle(item: Inbound) -> None:
        await _handle(server, item, on_new_message)

    state.submit(Inbound(message, shopper), handle)


async def _handle(
    server: ChatServer, item: Inbound, on_new_message: MessageHandler
) -> None:
    message, shopper = item.message, item.shopper
    state = shopper.state
    metadata: dict[str, Any] = {
        META_CLIENT_ID: message.id,
        META_CUSTOMER: shopper.customer_id,
    }
    if shopper.token is not None:
        metadata[META_TOKEN] = shopper.token
    if message.payload is not None:
        metadata[META_DISPLAY_TEXT] = message.text
    handoff = state.handoff
    if handoff is not None:
        server.hub.to_watchers(
            handoff.handoff_id,
            frame(
                "message",
                handoff_id=handoff.handoff_id,
                **message_object("user", message.text, client_id=message.id),
            ),
        )
    else:
        state.broadcast(frame("typing", on=True, **{"from": "bot"}))
    output = SessionOutput(state, message.id)
    try:
        await on_new_message(
            UserMessage(
                text=message.payload or message.text,
                output_channel=output,
                sender_id=state.session_id,
                input_channel=CHANNEL_NAME,
                metadata=metadata,
            )
        )
    except Exception:  # noqa: BLE001 - the shopper must hear that it failed
        logger.exception(
            "Handling message '%s' of '%s' failed.", message.id, state.session_id
        )
        state.broadcast(
            error_frame(
                "internal",
                "sorry, something went wrong on our side; please send that again",
                message.id,
            )
        )
    finally:
        if handoff is None:
            state.broadcast(frame("typing", on=False, **{"from": "bot"}))
    if output.handoff_signalled:
        state.handoff = await _stored_handoff(state.session_id)
        server.forget_position(state.session_id)
        server.refresh_queue()


async def _rate(connection: Connection, shopper: Shopper, rating: Rating) -> None:
    state = shopper.state
    try:
        await store_ops.save_rating(
            state.session_id,
            shopper.customer_id,
            state.handoff.handoff_id if state.handoff else state.last_handoff_id,
            rating.score,
            rating.comment,
        )
    except StoreOpError as error:
        connection.send(error_frame(error.code, error.message))
        return
    connection.send(frame("rated", score=rating.score))


def _leave(server: ChatServer, state: SessionState, connection: Connection) -> None:
    state.connections.discard(connection)
    if state.handoff is not None and not state.online:
        server.hub.to_watchers(
            state.handoff.handoff_id,
            frame(
                "presence", handoff_id=state.handoff.handoff_id, shopper_online=False
            ),
        )
