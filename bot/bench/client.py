"""I/O: one benchmark shopper on its own websocket.

:func:`connect_shopper` opens the socket and says hello; :func:`play` then
sends the shopper's planned messages (and pings) on time while a reader task
records every ``ack``, reply, ``pong`` and ``error`` frame into the
shopper's :class:`~bot.bench.accounting.SentRecord` objects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from typing import Any

from websockets.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bot.bench.accounting import SentRecord
from bot.bench.plan import LevelPlan, ShopperPlan
from bot.bench.results import ShopperRun

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 60.0
MAX_FRAME_BYTES = 2**20


class ShopperSocket:
    """An open shopper socket past ``hello`` and the frames it has received."""

    def __init__(self, socket: Any, run: ShopperRun) -> None:
        self.socket = socket
        self.run = run
        self.by_id: dict[str, SentRecord] = {}
        self.pings: deque[tuple[float, bool]] = deque()
        self.answered = asyncio.Condition()
        self.unanswered = 0
        self._settled: set[str] = set()
        self._closed = False
        self._reader: asyncio.Task[None] | None = None

    def start_reading(self) -> None:
        """Start recording the frames that arrive."""
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                await self._on_frame(time.monotonic(), raw)
        except ConnectionClosed:
            pass
        code = getattr(self.socket, "close_code", None)
        if code not in (None, 1000):
            self.run.close_code = code
            self.run.failure = self.run.failure or f"closed by server ({code})"
        self._closed = True
        async with self.answered:
            self.answered.notify_all()

    async def _settle(self, record: SentRecord) -> None:
        """The server is done with a message (answered, or refused with an
        error): it no longer counts against the in-flight cap."""
        if record.client_id in self._settled:
            return
        self._settled.add(record.client_id)
        async with self.answered:
            self.unanswered -= 1
            self.answered.notify_all()

    async def _on_frame(self, now: float, raw: str | bytes) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            logger.warning("Shopper %d got a frame that is not JSON.", self.run.index)
            return
        kind = frame.get("type")
        if kind == "ack":
            record = self.by_id.get(frame.get("id"))
            if record is None:
                return
            if frame.get("duplicate"):
                record.duplicate_acks += 1
            else:
                record.acks += 1
                record.ack_at = record.ack_at or now
        elif kind == "message" and frame.get("from") == "bot":
            record = self.by_id.get(frame.get("reply_to"))
            if record is None:
                return
            record.replies += 1
            if record.first_reply_at is None:
                record.first_reply_at = now
            await self._settle(record)
        elif kind == "pong":
            if self.pings:
                sent_at, measured = self.pings.popleft()
                if measured:
                    self.run.ping_ms.append((now - sent_at) * 1000.0)
        elif kind == "error":
            record = self.by_id.get(frame.get("id"))
            if record is not None:
                record.errors.append(str(frame.get("code")))
                await self._settle(record)
            else:
                logger.warning(
                    "Shopper %d got error '%s': %s",
                    self.run.index,
                    frame.get("code"),
                    frame.get("message"),
                )

    async def send_message(self, record: SentRecord, text: str) -> None:
        """Send a ``message`` frame and note when it left."""
        self.by_id[record.client_id] = record
        self.unanswered += 1
        sent_at = time.monotonic()
        try:
            await self.socket.send(
                json.dumps(
                    {"v": 1, "type": "message", "id": record.client_id, "text": text}
                )
            )
        except ConnectionClosed:
            self.unanswered -= 1
            del self.by_id[record.client_id]
            raise
        record.sent_at = sent_at

    async def send_ping(self, measured: bool) -> bool:
        """Send a ``ping`` unless one is unanswered (False: skipped)."""
        if self.pings:
            return False
        self.pings.append((time.monotonic(), measured))
        await self.socket.send(json.dumps({"v": 1, "type": "ping"}))
        return True

    async def wait_below(self, cap: int, deadline: float) -> bool:
        """Wait until fewer than ``cap`` messages are unanswered (True) or the
        deadline passes or the socket closes (False)."""
        async with self.answered:
            while self.unanswered >= cap:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    return False
                try:
                    await asyncio.wait_for(self.answered.wait(), remaining)
                except asyncio.TimeoutError:
                    return False
        return True

    @property
    def closed(self) -> bool:
        """Whether the socket is gone (the reader has seen it close)."""
        return self._closed

    @property
    def outstanding(self) -> int:
        """Sent messages without an ack or a reply yet (a message refused with
        an error frame is not waited for)."""
        return sum(
            1
            for record in self.by_id.values()
            if not record.errors and (record.first_reply_at is None or record.acks == 0)
        )

    async def close(self) -> None:
        """Close the socket and stop the reader."""
        await self.socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def connect_shopper(
    url: str, run: ShopperRun, token: str | None, timeout: float = CONNECT_TIMEOUT_S
) -> ShopperSocket | None:
    """Open a shopper socket and say hello.

    Args:
        url: the shopper websocket URL.
        run: where the session id, connect time and any failure go.
        token: a signed customer token, or None for an anonymous shopper.
        timeout: seconds for the handshake and the ``welcome``.

    Returns:
        The socket, reading, or None when it failed (``run.failure`` says why).
    """
    started = time.monotonic()
    try:
        socket = await asyncio.wait_for(
            connect(url, ping_interval=None, max_size=MAX_FRAME_BYTES, close_timeout=5),
            timeout,
        )
    except (OSError, InvalidHandshake, asyncio.TimeoutError) as error:
        run.failure = f"connect failed ({type(error).__name__})"
        logger.warning("Shopper %d could not connect: %s", run.index, error)
        return None
    try:
        await socket.send(
            json.dumps({"v": 1, "type": "hello", "session_id": None, "token": token})
        )
        deadline = started + timeout
        while True:
            raw = await asyncio.wait_for(
                socket.recv(), max(0.01, deadline - time.monotonic())
            )
            frame = json.loads(raw)
            if frame.get("type") == "welcome":
                run.session_id = str(frame["session_id"])
                break
            if frame.get("type") == "error" and frame.get("code") == "token_invalid":
                run.failure = "token refused"
                logger.warning("Shopper %d: token refused: %s", run.index, frame)
    except (ConnectionClosed, asyncio.TimeoutError, ValueError, KeyError) as error:
        run.failure = f"no welcome ({type(error).__name__})"
        logger.warning("Shopper %d got no welcome: %s", run.index, error)
        await socket.close()
        return None
    run.connect_ms = (time.monotonic() - started) * 1000.0
    shopper = ShopperSocket(socket, run)
    shopper.start_reading()
    return shopper


async def play(
    shopper: ShopperSocket, plan: ShopperPlan, level: LevelPlan, t0: float
) -> None:
    """Send the planned messages and pings on time.

    ``shopper.run.records`` holds one record per planned message, in order.
    A message due while ``level.max_in_flight`` are unanswered waits for an
    answer; the shopper stops at the end of the send window (monotonic ``t0``
    is the level's start) or when its socket closes. Messages not sent keep
    ``sent_at`` None.
    """
    window_end = t0 + level.send_window
    measured_from = t0 + level.warmup
    pings = asyncio.create_task(_ping(shopper, plan, t0, measured_from, window_end))
    try:
        for planned, record in zip(plan.messages, shopper.run.records, strict=True):
            await _sleep_until(t0 + planned.due)
            if level.max_in_flight and not await shopper.wait_below(
                level.max_in_flight, window_end
            ):
                break
            if shopper.closed:
                break
            try:
                await shopper.send_message(record, planned.line.text)
            except ConnectionClosed:
                break
            # Measured by when it left: under the cap a message due in the
            # warm-up may go out after it.
            record.measured = (
                record.sent_at is not None and record.sent_at >= measured_from
            )
    finally:
        pings.cancel()
        await asyncio.gather(pings, return_exceptions=True)


async def _ping(
    shopper: ShopperSocket,
    plan: ShopperPlan,
    t0: float,
    measured_from: float,
    window_end: float,
) -> None:
    for offset in plan.ping_times:
        moment = t0 + offset
        if moment >= window_end:
            return
        await _sleep_until(moment)
        if shopper.closed:
            return
        try:
            if not await shopper.send_ping(moment >= measured_from):
                shopper.run.pings_skipped += 1
        except ConnectionClosed:
            return


async def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
