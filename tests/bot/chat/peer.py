"""A websocket peer for the chat tests: sends protocol frames, waits for frames."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import websockets

Frame = dict[str, Any]


class Peer:
    """One socket (shopper or agent) and every frame it has received."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.received: list[Frame] = []
        self._seen = 0

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> Peer:
        """Open a socket to ``url``."""
        return cls(await websockets.connect(url, **kwargs))

    async def send(self, kind: str, **fields: Any) -> None:
        """Send a protocol frame."""
        await self.socket.send(json.dumps({"v": 1, "type": kind, **fields}))

    async def send_raw(self, raw: str | bytes) -> None:
        """Send anything."""
        await self.socket.send(raw)

    async def expect(
        self,
        kind: str,
        where: Callable[[Frame], bool] = lambda frame: True,
        timeout: float = 60.0,
        *,
        from_start: bool = False,
    ) -> Frame:
        """The next unseen frame of ``kind`` matching ``where`` (frames before it
        are kept in :attr:`received` but skipped); ``from_start`` also looks at
        frames seen already."""
        deadline = time.monotonic() + timeout
        if from_start:
            self._seen = 0
        while True:
            for index in range(self._seen, len(self.received)):
                frame = self.received[index]
                if frame.get("type") == kind and where(frame):
                    self._seen = index + 1
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no '{kind}' frame within {timeout} s; got "
                    f"{[f.get('type') for f in self.received[self._seen:]]}"
                )
            raw = await asyncio.wait_for(self.socket.recv(), timeout=remaining)
            self.received.append(json.loads(raw))

    async def quiet(self, seconds: float) -> list[Frame]:
        """Everything that arrives in the next ``seconds``."""
        frames: list[Frame] = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(self.socket.recv(), timeout=remaining)
            except asyncio.TimeoutError:
                break
            frame = json.loads(raw)
            self.received.append(frame)
            frames.append(frame)
        self._seen = len(self.received)
        return frames

    async def close(self) -> None:
        """Close the socket."""
        await self.socket.close()


async def shopper(
    url: str, session_id: str | None = None, token: str | None = None
) -> tuple[Peer, Frame]:
    """A shopper socket past hello: the peer and its welcome frame."""
    peer = await Peer.connect(url)
    await peer.send("hello", session_id=session_id, token=token)
    welcome = await peer.expect("welcome")
    await peer.expect("history")
    return peer, welcome


def login(rasa_url: str, username: str, password: str) -> tuple[int, Any]:
    """``POST /webhooks/shopbot/agent/login``: status and JSON body."""
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/shopbot/agent/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def agent(stack: Any, username: str, password: str) -> Peer:
    """A signed-in agent socket past hello and the first queue frame."""
    status, body = login(stack.rasa_url, username, password)
    assert status == 200, body
    peer = await Peer.connect(stack.agent_ws)
    await peer.send("hello", token=body["token"])
    await peer.expect("welcome")
    await peer.expect("queue")
    return peer
