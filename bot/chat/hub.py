"""Who is connected: shopper sessions, agent sockets, and fan-out between them.

Each websocket gets a :class:`Connection` with its own bounded send queue and
writer task, so one slow client never holds up another and frames to one
socket keep their order. A :class:`SessionState` is one conversation (the Rasa
sender id is the session id): its sockets (several tabs), the client message
ids it has accepted (resends are acknowledged, not handled twice) and its
inbox, which one worker task drains in order, whether or not the shopper is
still connected. All state lives in this process's memory; the conversation
itself lives in Rasa's tracker store and the handoffs in the profile store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.chat.protocol import ProtocolError, error_frame

logger = logging.getLogger(__name__)

MAX_PENDING_FRAMES = 1024
REMEMBERED_CLIENT_IDS = 2000
MAX_IDLE_SESSIONS = 10_000
CLOSE_TOO_SLOW = 1013


class Connection:
    """One websocket: frames are queued and written in order by a writer task."""

    def __init__(self, socket: Any, label: str, max_pending: int = MAX_PENDING_FRAMES):
        self._socket = socket
        self.label = label
        self.closed = False
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(max_pending)
        self._writer = asyncio.create_task(self._write())

    def send(self, text: str) -> None:
        """Queue a frame; a client too slow to keep up is disconnected (it
        reconnects and gets the history replayed)."""
        if self.closed:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            logger.warning(
                "Closing %s: %d frames unsent.", self.label, self._queue.qsize()
            )
            self.closed = True
            asyncio.create_task(self._close(CLOSE_TOO_SLOW, "client too slow"))

    async def _write(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            try:
                await self._socket.send(text)
            except Exception:  # noqa: BLE001 - any send failure means the socket is gone
                logger.debug("Send to %s failed; socket closed.", self.label)
                self.closed = True
                return

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self._socket.close(code, reason)
        except Exception:  # noqa: BLE001 - closing a dead socket
            logger.debug("Closing %s failed.", self.label)

    async def finish(self, code: int | None = None, reason: str = "") -> None:
        """Flush what is queued (briefly), then stop the writer (and close)."""
        if not self._writer.done():
            try:
                self._queue.put_nowait(None)
            except asyncio.QueueFull:
                self._writer.cancel()
            try:
                await asyncio.wait_for(asyncio.shield(self._writer), timeout=2.0)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._writer.cancel()
        self.closed = True
        if code is not None:
            await self._close(code, reason)


@dataclass
class HandoffView:
    """The handoff state a session is in, as the widget sees it."""

    handoff_id: int
    status: str  # waiting | assigned
    agent_username: str | None = None
    agent_name: str | None = None


@dataclass
class SessionState:
    """One shopper conversation and its open sockets."""

    session_id: str
    customer_id: int | None = None
    connections: set[Connection] = field(default_factory=set)
    accepted: OrderedDict[str, None] = field(default_factory=OrderedDict)
    inbox: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None
    handoff: HandoffView | None = None
    last_handoff_id: int | None = None
    loaded: bool = False
    last_active: float = field(default_factory=time.monotonic)

    def broadcast(self, text: str, *, exclude: Connection | None = None) -> None:
        """Send a frame to every open socket of this session."""
        for connection in list(self.connections):
            if connection.closed:
                self.connections.discard(connection)
            elif connection is not exclude:
                connection.send(text)

    def accept(self, client_id: str) -> bool:
        """Remember a client message id; False when it was seen before."""
        if client_id in self.accepted:
            return False
        self.accepted[client_id] = None
        while len(self.accepted) > REMEMBERED_CLIENT_IDS:
            self.accepted.popitem(last=False)
        return True

    @property
    def online(self) -> bool:
        """Whether the shopper has an open socket."""
        return any(not connection.closed for connection in self.connections)

    def submit(self, item: Any, handle: Callable[[Any], Awaitable[None]]) -> None:
        """Queue an inbound message; one worker handles them in order.

        The worker is independent of the socket that sent the message, so a
        shopper who disconnects mid-reply still has the message handled and
        the reply recorded (it is in the history on reconnect).
        """
        self.inbox.put_nowait(item)
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._drain(handle))

    async def _drain(self, handle: Callable[[Any], Awaitable[None]]) -> None:
        while not self.inbox.empty():
            item = self.inbox.get_nowait()
            try:
                await handle(item)
            except Exception:  # noqa: BLE001 - one bad message must not stop the rest
                logger.exception(
                    "Handling a message of session '%s' failed.", self.session_id
                )
            self.last_active = time.monotonic()


@dataclass(eq=False)
class AgentPresence:
    """A signed-in agent's socket and the handoffs it has open."""

    connection: Connection
    username: str
    display_name: str
    watching: set[int] = field(default_factory=set)


class Hub:
    """All connected shoppers and agents of this server process."""

    def __init__(self, max_idle_sessions: int = MAX_IDLE_SESSIONS) -> None:
        self.sessions: dict[str, SessionState] = {}
        self.agents: set[AgentPresence] = set()
        self._max_idle = max_idle_sessions

    def session(self, session_id: str) -> SessionState:
        """The state of a session, created when new."""
        state = self.sessions.get(session_id)
        if state is None:
            self._evict_idle()
            state = SessionState(session_id=session_id)
            self.sessions[session_id] = state
        state.last_active = time.monotonic()
        return state

    def _evict_idle(self) -> None:
        """Forget the least recently active offline sessions past the cap."""
        if len(self.sessions) < self._max_idle:
            return
        idle = sorted(
            (s for s in self.sessions.values() if not s.online and s.inbox.empty()),
            key=lambda s: s.last_active,
        )
        for state in idle[: max(1, len(self.sessions) - self._max_idle + 1)]:
            del self.sessions[state.session_id]

    def session_for_handoff(self, handoff_id: int) -> SessionState | None:
        """The session whose active handoff this is, if connected or known."""
        for state in self.sessions.values():
            if state.handoff is not None and state.handoff.handoff_id == handoff_id:
                return state
        return None

    def watching(self, handoff_id: int) -> list[AgentPresence]:
        """Agents with this handoff open."""
        return [
            a
            for a in self.agents
            if handoff_id in a.watching and not a.connection.closed
        ]

    def to_agents(self, text: str) -> None:
        """Send a frame to every connected agent."""
        for presence in list(self.agents):
            if presence.connection.closed:
                self.agents.discard(presence)
            else:
                presence.connection.send(text)

    def to_watchers(self, handoff_id: int, text: str) -> None:
        """Send a frame to the agents with this handoff open."""
        for presence in self.watching(handoff_id):
            presence.connection.send(text)

    @property
    def shopper_count(self) -> int:
        """Open shopper sockets."""
        return sum(len(s.connections) for s in self.sessions.values())


async def client_frames(
    socket: Any, connection: Connection, parse: Callable[[str | bytes], Any]
) -> AsyncIterator[Any]:
    """The parsed frames a socket sends, until it closes.

    A frame that breaks the protocol is answered with its ``error`` frame and
    skipped; the socket stays open.
    """
    while True:
        raw = await socket.recv()
        if raw is None:
            return
        try:
            parsed = parse(raw)
        except ProtocolError as error:
            connection.send(error_frame(error.code, error.message, error.frame_id))
            continue
        yield parsed
