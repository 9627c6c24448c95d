"""Parsing client frames and building server frames (bot/chat/protocol.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.chat.protocol import (
    MAX_FRAME_BYTES,
    AgentCommand,
    AgentReply,
    Hello,
    Ping,
    ProtocolError,
    Rating,
    ShopperMessage,
    Typing,
    error_frame,
    frame,
    parse_agent_frame,
    parse_shopper_frame,
    utc_text,
)


def raw(**fields: Any) -> str:
    return json.dumps({"v": 1, **fields})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (raw(type="hello"), Hello(session_id=None, token=None)),
        (raw(type="hello", session_id="abcdefgh", token="t"), Hello("abcdefgh", "t")),
        (raw(type="message", id="1", text="hi"), ShopperMessage("1", "hi", None)),
        (
            raw(type="message", id="1", text="Yes", payload="/affirm"),
            ShopperMessage("1", "Yes", "/affirm"),
        ),
        (raw(type="typing", on=True), Typing(on=True)),
        (raw(type="rating", score=5), Rating(5, None)),
        (raw(type="rating", score=1, comment="  slow  "), Rating(1, "slow")),
        (raw(type="rating", score=3, comment="   "), Rating(3, None)),
        (raw(type="ping"), Ping()),
    ],
)
def test_valid_shopper_frames_parse(text: str, expected: Any) -> None:
    assert parse_shopper_frame(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (raw(type="hello", token="a1.x"), Hello(None, "a1.x")),
        (raw(type="claim", handoff_id=3), AgentCommand("claim", 3)),
        (raw(type="resolve", handoff_id=3), AgentCommand("resolve", 3)),
        (raw(type="reply", handoff_id=3, id="r", text="ok"), AgentReply(3, "r", "ok")),
        (raw(type="typing", handoff_id=3, on=False), Typing(False, 3)),
    ],
)
def test_valid_agent_frames_parse(text: str, expected: Any) -> None:
    assert parse_agent_frame(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "names"),
    [
        ("nope", "bad_json", "JSON"),
        ("[]", "bad_json", "list"),
        (b"\xff\xfe", "bad_json", "JSON"),
        (json.dumps({"type": "ping"}), "unsupported_version", "version"),
        (json.dumps({"v": True, "type": "ping"}), "unsupported_version", "version"),
        (raw(), "bad_frame", "type"),
        (raw(type="claim", handoff_id=1), "unknown_type", "claim"),
        (raw(type="message", text="hi"), "bad_frame", "'id'"),
        (raw(type="message", id="x" * 65, text="hi"), "bad_frame", "64"),
        (raw(type="message", id="1", text=None), "bad_frame", "'text'"),
        (raw(type="message", id="1", text="\n\t "), "bad_frame", "empty"),
        (raw(type="message", id="1", text="a" * 10_001), "too_large", "10000"),
        (raw(type="message", id="1", text="hi", payload=3), "bad_frame", "payload"),
        (raw(type="typing", on="yes"), "bad_frame", "'on'"),
        (raw(type="rating", score=True), "bad_frame", "score"),
        (raw(type="rating", score=2.5), "bad_frame", "score"),
        (raw(type="rating", score=0), "bad_frame", "score"),
        (raw(type="rating", score=3, comment="c" * 1001), "bad_frame", "1000"),
        (raw(type="hello", session_id=12), "bad_frame", "session_id"),
        ("x" * (MAX_FRAME_BYTES + 1), "too_large", "bytes"),
    ],
)
def test_bad_shopper_frames_get_a_named_error(text: Any, code: str, names: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_shopper_frame(text)
    assert error.value.code == code
    assert names in error.value.message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (raw(type="claim"), "bad_frame"),
        (raw(type="claim", handoff_id=0), "bad_frame"),
        (raw(type="claim", handoff_id=True), "bad_frame"),
        (raw(type="claim", handoff_id="7"), "bad_frame"),
        (raw(type="reply", handoff_id=1, id="r", text=""), "bad_frame"),
        (raw(type="rating", score=3), "unknown_type"),
    ],
)
def test_bad_agent_frames_get_a_named_error(text: str, code: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_agent_frame(text)
    assert error.value.code == code


def test_errors_keep_the_offending_frame_id() -> None:
    with pytest.raises(ProtocolError) as error:
        parse_shopper_frame(raw(type="message", id="m7", text="a" * 10_001))
    assert error.value.frame_id == "m7"


def test_server_frames_are_versioned_json() -> None:
    assert json.loads(frame("ack", id="1", duplicate=False)) == {
        "v": 1, "type": "ack", "id": "1", "duplicate": False,
    }  # fmt: skip
    body = json.loads(error_frame("bad_json", "frame is not JSON"))
    assert body == {"v": 1, "type": "error", "code": "bad_json",
                    "message": "frame is not JSON", "id": None}  # fmt: skip
    assert "é" in frame("message", text="café")  # readable, not \\u escapes


def test_times_are_utc_with_a_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert (
        utc_text(datetime(2026, 1, 2, 12, 0, 5, 999, tzinfo=plus_two))
        == "2026-01-02T10:00:05Z"
    )
    assert utc_text(datetime(2026, 1, 2, 12, 0, 5)) == "2026-01-02T12:00:05Z"
