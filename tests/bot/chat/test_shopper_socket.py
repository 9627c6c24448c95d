"""The shopper socket against a running shopbot (real Rasa server, action server
and SQLite profile store): hello, ordering, resends, reconnects, identity, bad input."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import websockets

from actions.identity.tokens import sign_token
from tests.bot.chat.peer import Peer, shopper

LONG = "x" * 10_001


def _secret() -> str:
    from actions.settings import DEVELOPMENT_SECRET

    return DEVELOPMENT_SECRET


def demo_ids(stack: Any) -> dict[str, int]:
    """The seeded demo customers of the stack's store."""
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import demo_customers

    with session_scope(engine_for(stack.env["SHOPBOT_DATABASE_URL"])) as session:
        return demo_customers(session)


def token_for(customer_id: int, expires_in: int = 3600) -> str:
    return sign_token(customer_id, int(time.time()) + expires_in, _secret())


async def test_a_new_session_is_welcomed_with_an_empty_history(chat_stack: Any) -> None:
    peer = await Peer.connect(chat_stack.shopper_ws)
    await peer.send("hello", session_id=None, token=None)
    welcome = await peer.expect("welcome")
    history = await peer.expect("history")
    assert len(welcome["session_id"]) >= 16
    assert welcome["customer"] is None and welcome["handoff"] is None
    assert history["messages"] == []
    await peer.close()


async def test_messages_are_acked_first_and_answered_in_order(chat_stack: Any) -> None:
    peer, _ = await shopper(chat_stack.shopper_ws)
    ids = ["m1", "m2", "m3"]
    texts = ["hello", "where is my order?", "thanks"]
    for frame_id, text in zip(ids, texts, strict=False):
        await peer.send("message", id=frame_id, text=text)
    for frame_id in ids:
        await peer.expect(
            "ack", lambda f, i=frame_id: f["id"] == i and not f["duplicate"]
        )
    await peer.expect("message", lambda f: f["reply_to"] == "m3")
    replies = [f["reply_to"] for f in peer.received if f["type"] == "message"]
    assert replies == sorted(replies) and set(replies) == set(ids)
    for frame_id in ids:  # each ack precedes every reply to it
        ack = next(i for i, f in enumerate(peer.received) if f.get("id") == frame_id)
        first = next(
            i for i, f in enumerate(peer.received)
            if f["type"] == "message" and f["reply_to"] == frame_id
        )  # fmt: skip
        assert ack < first
    await peer.close()


async def test_a_resent_message_is_acked_as_duplicate_and_handled_once(
    chat_stack: Any,
) -> None:
    peer, welcome = await shopper(chat_stack.shopper_ws)
    await peer.send("message", id="same", text="hi there")
    await peer.expect("ack", lambda f: not f["duplicate"])
    await peer.expect("typing", lambda f: f["on"] is False)
    await peer.close()
    again, _ = await shopper(chat_stack.shopper_ws, session_id=welcome["session_id"])
    await again.send("message", id="same", text="hi there")
    await again.expect("ack", lambda f: f["duplicate"] is True)
    assert not [f for f in await again.quiet(2.0) if f["type"] == "message"]
    await again.close()
    reload, _ = await shopper(chat_stack.shopper_ws, session_id=welcome["session_id"])
    history = reload.received[1]["messages"]
    assert [m["text"] for m in history if m["from"] == "user"] == ["hi there"]
    await reload.close()


async def test_reconnecting_replays_the_conversation(chat_stack: Any) -> None:
    peer, welcome = await shopper(chat_stack.shopper_ws)
    await peer.send("message", id="a", text="where is my order 12345?")
    reply = await peer.expect("message", lambda f: f["reply_to"] == "a")
    await peer.close()
    again, second = await shopper(
        chat_stack.shopper_ws, session_id=welcome["session_id"]
    )
    assert second["session_id"] == welcome["session_id"]
    history = again.received[1]["messages"]
    assert history[0]["from"] == "user" and "12345" in history[0]["text"]
    assert reply["text"] in [m["text"] for m in history if m["from"] == "bot"]
    await again.close()


async def test_a_signed_in_shopper_is_greeted_by_name_and_owns_the_session(
    chat_stack: Any,
) -> None:
    ids = demo_ids(chat_stack)
    loyal, other = ids["loyal"], ids["high_risk"]
    peer, welcome = await shopper(chat_stack.shopper_ws, token=token_for(loyal))
    assert welcome["customer"] and welcome["customer"]["name"]
    await peer.send("message", id="x1", text="hello")
    await peer.expect("message", lambda f: f["reply_to"] == "x1")
    await peer.close()
    # Another customer (or a guest) presenting this session id gets a new session.
    for token in (token_for(other), None):
        intruder = await Peer.connect(chat_stack.shopper_ws)
        await intruder.send("hello", session_id=welcome["session_id"], token=token)
        error = await intruder.expect("error")
        new = await intruder.expect("welcome")
        history = await intruder.expect("history")
        assert error["code"] == "session_forbidden"
        assert new["session_id"] != welcome["session_id"] and history["messages"] == []
        await intruder.close()
    # The owner gets it back.
    owner, back = await shopper(
        chat_stack.shopper_ws, session_id=welcome["session_id"], token=token_for(loyal)
    )
    assert back["session_id"] == welcome["session_id"]
    await owner.close()


@pytest.mark.parametrize(
    "token",
    [
        token_for(1, expires_in=-10),  # expired
        token_for(1)[:-4] + "AAAA",  # forged signature
        "v1.not-a-token",  # malformed
    ],
    ids=["expired", "forged", "malformed"],
)
async def test_a_bad_token_leaves_the_shopper_anonymous(
    chat_stack: Any, token: str
) -> None:
    peer = await Peer.connect(chat_stack.shopper_ws)
    await peer.send("hello", session_id=None, token=token)
    error = await peer.expect("error")
    welcome = await peer.expect("welcome")
    assert error["code"] == "token_invalid" and token not in error["message"]
    assert welcome["customer"] is None
    await peer.send("message", id="q", text="hi")
    await peer.expect("message", lambda f: f["reply_to"] == "q")
    await peer.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        (json.dumps({"v": 2, "type": "ping"}), "unsupported_version"),
        (json.dumps({"v": 1, "type": "dance"}), "unknown_type"),
        (json.dumps({"v": 1, "type": "message", "id": "z", "text": 5}), "bad_frame"),
        (json.dumps({"v": 1, "type": "message", "id": "z", "text": " "}), "bad_frame"),
        (json.dumps({"v": 1, "type": "message", "id": "z", "text": LONG}), "too_large"),
        (json.dumps({"v": 1, "type": "rating", "score": 6}), "bad_frame"),
        ("x" * (64 * 1024 + 1), "too_large"),
    ],
    ids=[
        "not-json", "array", "version", "unknown-type", "text-not-string", "blank",
        "long-text", "rating-range", "oversized-frame",
    ],
)  # fmt: skip
async def test_bad_frames_get_a_clear_error_and_the_socket_keeps_working(
    chat_stack: Any, raw: str, code: str
) -> None:
    peer, _ = await shopper(chat_stack.shopper_ws)
    await peer.send_raw(raw)
    error = await peer.expect("error")
    assert error["code"] == code and error["message"]
    await peer.send("ping")
    await peer.expect("pong")
    await peer.close()


async def test_frames_before_hello_are_refused(chat_stack: Any) -> None:
    peer = await Peer.connect(chat_stack.shopper_ws)
    await peer.send("message", id="early", text="hello?")
    assert (await peer.expect("error"))["code"] == "hello_required"
    await peer.send("hello", session_id=None, token=None)
    await peer.expect("welcome")
    await peer.close()


async def test_a_foreign_origin_is_refused_at_the_handshake(chat_stack: Any) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
        await websockets.connect(chat_stack.shopper_ws, origin="https://evil.example")
    assert refused.value.status_code == 403
    allowed = await websockets.connect(
        chat_stack.shopper_ws, origin=chat_stack.shop_url
    )
    await allowed.close()


async def test_a_rating_is_stored(chat_stack: Any) -> None:
    from actions.store.db import engine_for, session_scope
    from actions.store.ratings import ratings_summary

    def count() -> int:
        with session_scope(
            engine_for(chat_stack.env["SHOPBOT_DATABASE_URL"])
        ) as session:
            return int(ratings_summary(session=session)["count"])

    before = count()
    peer, _ = await shopper(chat_stack.shopper_ws)
    await peer.send("rating", score=4, comment="quick and friendly")
    assert (await peer.expect("rated"))["score"] == 4
    assert count() == before + 1
    await peer.close()


async def test_two_tabs_of_one_session_both_see_the_conversation(
    chat_stack: Any,
) -> None:
    first, welcome = await shopper(chat_stack.shopper_ws)
    second, _ = await shopper(chat_stack.shopper_ws, session_id=welcome["session_id"])
    await first.send("message", id="t1", text="hello")
    echoed = await second.expect("message", lambda f: f["from"] == "user")
    reply = await second.expect("message", lambda f: f["reply_to"] == "t1")
    assert echoed["text"] == "hello" and reply["text"]
    await asyncio.gather(first.close(), second.close())
