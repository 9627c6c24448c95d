"""The chat server's shared core: the hub, the handoff queue broadcast and the
handoff state frames both sockets send.

The queue is read from the profile store (the action server writes handoffs
there) by one task: on demand after every change this process makes, and every
:data:`QUEUE_POLL_SECONDS` while agents or queued shoppers are connected, which
picks up handoffs made through other channels. Agents get a ``queue`` frame when
the queue changed; queued shoppers get their new position.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from bot.chat import store_ops
from bot.chat.config import ChatConfig
from bot.chat.hub import HandoffView, Hub, SessionState
from bot.chat.protocol import frame
from bot.chat.store_ops import StoreOpError

logger = logging.getLogger(__name__)

QUEUE_POLL_SECONDS = 3.0


def handoff_state(
    view: HandoffView | None, position: int | None = None, state: str | None = None
) -> dict[str, Any] | None:
    """The protocol's handoff state object for a session's handoff."""
    if view is None:
        return None
    if state is None:
        state = "agent_joined" if view.status == "assigned" else "queued"
    return {
        "state": state,
        "position": position if state == "queued" else None,
        "agent_name": view.agent_name
        if state in ("agent_joined", "agent_left")
        else None,
        "handoff_id": view.handoff_id,
    }


class ChatServer:
    """State shared by the shopper and agent sockets of one Rasa server."""

    def __init__(self, config: ChatConfig, secret: str, hub: Hub | None = None) -> None:
        self.config = config
        self.secret = secret
        self.hub = hub or Hub()
        self.rasa_agent: Any = None
        # The last queue position sent to each queued session.
        self._positions: dict[str, int] = {}
        self._last_queue: str | None = None
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def refresh_queue(self) -> None:
        """Re-read the queue soon and tell agents and queued shoppers."""
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._queue_loop())
        self._wakeup.set()

    def _someone_waits(self) -> bool:
        return bool(self.hub.agents) or any(
            state.handoff is not None and state.online
            for state in self.hub.sessions.values()
        )

    async def _queue_loop(self) -> None:
        assert self._wakeup is not None
        while True:
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=QUEUE_POLL_SECONDS)
            except asyncio.TimeoutError:
                if not self._someone_waits():
                    continue
            self._wakeup.clear()
            try:
                items = await store_ops.open_queue()
            except StoreOpError:
                continue
            except Exception:  # noqa: BLE001 - the loop must survive for the next change
                logger.exception("Reading the handoff queue failed.")
                continue
            self.publish_queue(items)

    async def queue_frame(self) -> str:
        """The current ``queue`` frame (read now)."""
        items = await store_ops.open_queue()
        return frame("queue", items=[item.to_json() for item in items])

    def publish_queue(self, items: list[Any]) -> None:
        """Send the queue to agents (when it changed) and positions to shoppers."""
        payload = [item.to_json() for item in items]
        signature = json.dumps(
            [
                {k: v for k, v in item.items() if k != "waiting_seconds"}
                for item in payload
            ],
            sort_keys=True,
        )
        if signature != self._last_queue:
            self._last_queue = signature
            self.hub.to_agents(frame("queue", items=payload))
        self._sync_sessions(items)

    def _sync_sessions(self, items: list[Any]) -> None:
        """Bring each connected session's handoff view and position up to date."""
        open_ids = {item.handoff_id for item in items}
        position = 0
        for item in items:
            if item.status == "waiting":
                position += 1
            state = self.hub.sessions.get(item.conversation_id)
            if state is None:
                continue
            if state.handoff is None or state.handoff.handoff_id != item.handoff_id:
                state.handoff = HandoffView(item.handoff_id, item.status)
            state.handoff.status = item.status
            state.handoff.agent_name = item.agent
            if item.status == "waiting":
                if self._positions.get(state.session_id) != position:
                    self._positions[state.session_id] = position
                    self.send_state(state, position=position)
            else:
                self._positions.pop(state.session_id, None)
        for state in self.hub.sessions.values():
            if state.handoff is not None and state.handoff.handoff_id not in open_ids:
                # Closed outside this process (e.g. the handoffs CLI).
                state.handoff = None
                self._positions.pop(state.session_id, None)

    def send_state(
        self, state: SessionState, position: int | None = None, kind: str | None = None
    ) -> None:
        """Send the session's handoff state to its sockets."""
        body = handoff_state(state.handoff, position, kind)
        if body is not None:
            state.broadcast(frame("handoff", **body))

    def forget_position(self, session_id: str) -> None:
        """The next queue read re-sends this session's position."""
        self._positions.pop(session_id, None)
