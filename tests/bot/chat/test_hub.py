"""Fan-out, resend detection and in-order handling (bot/chat/hub.py)."""

from __future__ import annotations

import asyncio

from bot.chat.hub import Connection, Hub, SessionState


class FakeSocket:
    """A socket that records what is sent (the hub's only dependency on it)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[str] = []
        self.delay = delay
        self.closed_with: tuple[int, str] | None = None

    async def send(self, text: str) -> None:
        await asyncio.sleep(self.delay)
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


async def test_frames_reach_every_tab_in_order() -> None:
    hub = Hub()
    state = hub.session("s1")
    sockets = [FakeSocket(), FakeSocket(delay=0.001)]
    connections = [Connection(s, "tab") for s in sockets]
    state.connections.update(connections)
    for i in range(20):
        state.broadcast(str(i))
    state.broadcast("only-first", exclude=connections[1])
    for connection in connections:
        await connection.finish()
    assert sockets[0].sent == [str(i) for i in range(20)] + ["only-first"]
    assert sockets[1].sent == [str(i) for i in range(20)]


async def test_a_client_too_slow_to_keep_up_is_closed() -> None:
    socket = FakeSocket(delay=10)
    connection = Connection(socket, "slow", max_pending=3)
    for i in range(10):
        connection.send(str(i))
    await asyncio.sleep(0.01)
    assert connection.closed and socket.closed_with is not None
    assert socket.closed_with[0] == 1013
    await connection.finish()


def test_resends_are_recognised() -> None:
    state = SessionState("s")
    assert state.accept("a") is True
    assert state.accept("a") is False
    assert state.accept("b") is True


async def test_messages_are_handled_one_at_a_time_in_order() -> None:
    state = SessionState("s")
    handled: list[int] = []
    running = 0

    async def handle(item: int) -> None:
        nonlocal running
        running += 1
        assert running == 1
        await asyncio.sleep(0.001 * (5 - item % 5))
        handled.append(item)
        running -= 1

    for i in range(12):
        state.submit(i, handle)
    assert state.worker is not None
    await state.worker
    assert handled == list(range(12))


async def test_a_failing_message_does_not_stop_the_rest() -> None:
    state = SessionState("s")
    handled: list[int] = []

    async def handle(item: int) -> None:
        if item == 1:
            raise RuntimeError("boom")
        handled.append(item)

    for i in range(3):
        state.submit(i, handle)
    assert state.worker is not None
    await state.worker
    assert handled == [0, 2]


def test_idle_offline_sessions_are_forgotten_past_the_cap() -> None:
    hub = Hub(max_idle_sessions=3)
    for i in range(5):
        hub.session(f"s{i}")
    assert len(hub.sessions) <= 3 and "s4" in hub.sessions


class ScriptedSocket(FakeSocket):
    """A socket that receives the given frames, then reports it closed (None)."""

    def __init__(self, frames: list[str]) -> None:
        super().__init__()
        self.frames = frames

    async def recv(self) -> str | None:
        return self.frames.pop(0) if self.frames else None


async def test_client_frames_answers_bad_frames_and_skips_them() -> None:
    from bot.chat.hub import client_frames
    from bot.chat.protocol import parse_shopper_frame

    socket = ScriptedSocket(
        ['{"v": 1, "type": "ping"}', "nope", '{"v": 1, "type": "ping"}']
    )
    connection = Connection(socket, "test")
    parsed = [
        frame async for frame in client_frames(socket, connection, parse_shopper_frame)
    ]
    await connection.finish()
    assert [type(frame).__name__ for frame in parsed] == ["Ping", "Ping"]
    assert len(socket.sent) == 1 and '"bad_json"' in socket.sent[0]
