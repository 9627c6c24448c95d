"""The chat protocol, version 1 (see PROTOCOL.md): parsing client frames and
building server frames.

Pure functions: :func:`parse_frame` turns the raw text of a websocket frame
into one of the typed frames below, or raises :class:`ProtocolError` carrying
the error code the client receives. Nothing here touches sockets or Rasa.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Union

VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
MAX_TEXT_CHARS = 10_000
MAX_CLIENT_ID_CHARS = 64
MAX_SESSION_ID_CHARS = 64
MAX_TOKEN_CHARS = 400
MAX_PAYLOAD_CHARS = 2_000
MAX_COMMENT_CHARS = 1_000


class ProtocolError(ValueError):
    """A frame breaks the protocol; ``code`` is the error code sent back."""

    def __init__(self, code: str, message: str, frame_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.frame_id = frame_id


@dataclass(frozen=True)
class Hello:
    """Opens a socket: a shopper's session and token, or an agent's token."""

    session_id: str | None
    token: str | None


@dataclass(frozen=True)
class ShopperMessage:
    """A shopper's message; ``payload`` is a quick reply's payload."""

    id: str
    text: str
    payload: str | None


@dataclass(frozen=True)
class Typing:
    """A typing indicator (``handoff_id`` only on the agent socket)."""

    on: bool
    handoff_id: int | None = None


@dataclass(frozen=True)
class Rating:
    """The shopper's end-of-chat satisfaction rating."""

    score: int
    comment: str | None


@dataclass(frozen=True)
class Ping:
    """Keep-alive."""


@dataclass(frozen=True)
class AgentCommand:
    """An agent's action on a handoff: open, claim, grant_offer, release, resolve."""

    type: str
    handoff_id: int


@dataclass(frozen=True)
class AgentReply:
    """An agent's message to the shopper."""

    handoff_id: int
    id: str
    text: str


ClientFrame = Union[  # noqa: UP007 - a runtime alias; `|` of classes needs 3.10+ only
    Hello, ShopperMessage, Typing, Rating, Ping, AgentCommand, AgentReply
]
SHOPPER_TYPES = ("hello", "message", "typing", "rating", "ping")
AGENT_COMMANDS = ("open", "claim", "grant_offer", "release", "resolve")
AGENT_TYPES = ("hello", "reply", "typing", "ping", *AGENT_COMMANDS)


def decode(raw: str | bytes) -> dict[str, Any]:
    """The JSON object of a frame, with its size and version checked.

    Raises:
        ProtocolError: ``too_large``, ``bad_json`` or ``unsupported_version``.
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8"))
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(
            "too_large",
            f"frame of {size} bytes exceeds the {MAX_FRAME_BYTES}-byte limit",
        )
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError("bad_json", f"frame is not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ProtocolError(
            "bad_json", f"frame is a JSON {type(data).__name__}; send a JSON object"
        )
    frame_id = data.get("id") if isinstance(data.get("id"), str) else None
    version = data.get("v")
    if version != VERSION or isinstance(version, bool):
        raise ProtocolError(
            "unsupported_version",
            f'protocol version {version!r} is not supported; send "v": {VERSION}',
            frame_id,
        )
    return data


def parse_shopper_frame(raw: str | bytes) -> ClientFrame:
    """Parse a frame from the shopper socket.

    Raises:
        ProtocolError: the frame breaks the protocol (the code says how).
    """
    data = decode(raw)
    kind = _type(data, SHOPPER_TYPES)
    if kind == "hello":
        return Hello(
            session_id=_optional_text(data, "session_id", MAX_SESSION_ID_CHARS),
            token=_optional_text(data, "token", MAX_TOKEN_CHARS),
        )
    if kind == "message":
        frame_id = _client_id(data)
        return ShopperMessage(
            id=frame_id,
            text=_message_text(data, frame_id),
            payload=_optional_text(data, "payload", MAX_PAYLOAD_CHARS, frame_id),
        )
    if kind == "typing":
        return Typing(on=_bool(data, "on"))
    if kind == "rating":
        score = data.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ProtocolError(
                "bad_frame",
                f"'score' must be a whole number from 1 to 5, got {score!r}",
            )
        comment = _optional_text(data, "comment", MAX_COMMENT_CHARS)
        return Rating(score=score, comment=comment.strip() or None if comment else None)
    return Ping()


def parse_agent_frame(raw: str | bytes) -> ClientFrame:
    """Parse a frame from the agent socket.

    Raises:
        ProtocolError: the frame breaks the protocol (the code says how).
    """
    data = decode(raw)
    kind = _type(data, AGENT_TYPES)
    if kind == "hello":
        return Hello(
            session_id=None, token=_optional_text(data, "token", MAX_TOKEN_CHARS)
        )
    if kind == "ping":
        return Ping()
    handoff_id = _handoff_id(data)
    if kind == "reply":
        frame_id = _client_id(data)
        return AgentReply(
            handoff_id=handoff_id, id=frame_id, text=_message_text(data, frame_id)
        )
    if kind == "typing":
        return Typing(on=_bool(data, "on"), handoff_id=handoff_id)
    return AgentCommand(type=kind, handoff_id=handoff_id)


def utc_text(moment: datetime) -> str:
    """``moment`` as ISO-8601 UTC with a ``Z`` (naive datetimes are UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def frame(kind: str, **fields: Any) -> str:
    """A server frame as JSON text."""
    return json.dumps({"v": VERSION, "type": kind, **fields}, ensure_ascii=False)


def error_frame(code: str, message: str, frame_id: str | None = None) -> str:
    """An ``error`` frame."""
    return frame("error", code=code, message=message, id=frame_id)


def _type(data: dict[str, Any], allowed: tuple[str, ...]) -> str:
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", "'type' is missing; every frame needs a type")
    if kind not in allowed:
        raise ProtocolError(
            "unknown_type",
            f"unknown frame type {kind[:40]!r}; this socket accepts "
            f"{', '.join(allowed)}",
            data.get("id") if isinstance(data.get("id"), str) else None,
        )
    return kind


def _client_id(data: dict[str, Any]) -> str:
    value = data.get("id")
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(
            "bad_frame", "'id' must be a non-empty string (a client id)"
        )
    if len(value) > MAX_CLIENT_ID_CHARS:
        raise ProtocolError(
            "bad_frame", f"'id' is longer than {MAX_CLIENT_ID_CHARS} characters"
        )
    return value


def _message_text(data: dict[str, Any], frame_id: str) -> str:
    value = data.get("text")
    if not isinstance(value, str):
        raise ProtocolError(
            "bad_frame",
            f"'text' must be a string, got {type(value).__name__}",
            frame_id,
        )
    if not value.strip():
        raise ProtocolError("bad_frame", "'text' is empty; type a message", frame_id)
    if len(value) > MAX_TEXT_CHARS:
        raise ProtocolError(
            "too_large",
            f"message of {len(value)} characters exceeds the "
            f"{MAX_TEXT_CHARS}-character "
            "limit; split it into shorter messages",
            frame_id,
        )
    return value


def _optional_text(
    data: dict[str, Any], key: str, limit: int, frame_id: str | None = None
) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(
            "bad_frame",
            f"'{key}' must be a string or null, got {type(value).__name__}",
            frame_id,
        )
    if len(value) > limit:
        raise ProtocolError(
            "bad_frame", f"'{key}' is longer than {limit} characters", frame_id
        )
    return value or None


def _bool(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ProtocolError(
            "bad_frame", f"'{key}' must be true or false, got {value!r}"
        )
    return value


def _handoff_id(data: dict[str, Any]) -> int:
    value = data.get("handoff_id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProtocolError(
            "bad_frame",
            f"'handoff_id' must be a positive whole number, got {value!r}",
            data.get("id") if isinstance(data.get("id"), str) else None,
        )
    return value
