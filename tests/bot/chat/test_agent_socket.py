"""Live human handoff against a running shopbot: escalation, the queue, claiming
(also two agents at once), chat both ways, offers, release, resolve, bad input."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import websockets

from tests.bot.chat.peer import Peer, agent, login, shopper
from tests.bot.chat.test_shopper_socket import demo_ids, token_for
from tests.conftest import AGENTS

ASK_FOR_PERSON = "I want to talk to a human agent"
ALEX = AGENTS["alex"][0]


def alex(stack: Any) -> Any:
    return agent(stack, "alex", AGENTS["alex"][1])


def sam(stack: Any) -> Any:
    return agent(stack, "sam", AGENTS["sam"][1])


async def escalated(stack: Any, token: str | None = None) -> tuple[Peer, str, int]:
    """A shopper who asked for a person: peer, session id, handoff id."""
    peer, welcome = await shopper(stack.shopper_ws, token=token)
    await peer.send("message", id="esc", text=ASK_FOR_PERSON)
    state = await peer.expect("handoff", lambda f: f["state"] == "queued")
    assert state["position"] >= 1
    return peer, welcome["session_id"], state["handoff_id"]


def tracker(stack: Any, session_id: str) -> dict[str, Any]:
    """The conversation's tracker from Rasa's HTTP API."""
    url = f"{stack.rasa_url}/conversations/{session_id}/tracker"
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return dict(json.loads(response.read()))


async def test_full_handoff_and_back_to_the_bot(chat_stack: Any) -> None:
    console = await alex(chat_stack)
    customer = demo_ids(chat_stack)["high_risk"]
    peer, session_id, handoff_id = await escalated(chat_stack, token_for(customer))
    queue = await console.expect(
        "queue", lambda f: any(i["handoff_id"] == handoff_id for i in f["items"])
    )
    item = next(i for i in queue["items"] if i["handoff_id"] == handoff_id)
    assert item["status"] == "waiting" and item["customer_name"]

    await console.send("open", handoff_id=handoff_id)
    opened = await console.expect("handoff")
    assert opened["packet"]["conversation_id"] == session_id
    assert [m["from"] for m in opened["messages"]][:2] == ["user", "bot"]

    await console.send("claim", handoff_id=handoff_id)
    await console.expect("claimed")
    joined = await peer.expect("handoff", lambda f: f["state"] == "agent_joined")
    assert joined["agent_name"] == ALEX

    # The shopper's message reaches the agent; the bot stays silent.
    await peer.send("message", id="h1", text="my parcel never arrived")
    await peer.expect("ack", lambda f: f["id"] == "h1")
    forwarded = await console.expect("message", lambda f: f["from"] == "user")
    assert forwarded["text"] == "my parcel never arrived"
    quiet = await peer.quiet(3.0)
    assert not [f for f in quiet if f["type"] == "message" and f["from"] == "bot"]

    await console.send(
        "reply", handoff_id=handoff_id, id="r1", text="Sorry! I'm on it."
    )
    await console.expect("ack", lambda f: f["id"] == "r1")
    said = await peer.expect("message", lambda f: f["from"] == "agent")
    assert said["text"] == "Sorry! I'm on it." and said["agent_name"] == ALEX

    await console.send("grant_offer", handoff_id=handoff_id)
    granted = await console.expect("offer_granted")
    offer = await peer.expect("message", lambda f: f["from"] == "agent")
    assert granted["code"] in offer["text"] and not granted["already_granted"]
    await console.send("grant_offer", handoff_id=handoff_id)
    assert (await console.expect("offer_granted"))["already_granted"] is True
    await console.send("open", handoff_id=handoff_id)  # e.g. after a reload
    reopened = await console.expect("handoff")
    assert reopened["offer_granted"]["code"] == granted["code"]
    assert opened.get("offer_granted") is None

    await console.send("resolve", handoff_id=handoff_id)
    await console.expect("resolved")
    back = await peer.expect("handoff", lambda f: f["state"] == "back_to_bot")
    assert back["handoff_id"] == handoff_id
    await peer.expect("message", lambda f: f["from"] == "bot")

    # The bot answers again, and the conversation kept its slots.
    await peer.send("message", id="after", text="where is my order?")
    reply = await peer.expect("message", lambda f: f["reply_to"] == "after")
    assert reply["from"] == "bot" and reply["text"]
    state = tracker(chat_stack, session_id)
    assert state["paused"] is False
    assert state["slots"]["customer_id"] in (customer, str(customer))
    agent_lines = [
        e for e in state["events"]
        if e["event"] == "bot"
        and (e.get("metadata") or {}).get("shopbot_sender") == "agent"
    ]  # fmt: skip
    assert [e["text"] for e in agent_lines][0] == "Sorry! I'm on it."
    await asyncio.gather(peer.close(), console.close())


async def test_two_agents_claiming_at_once_exactly_one_wins(chat_stack: Any) -> None:
    first, second = await alex(chat_stack), await sam(chat_stack)
    peer, _, handoff_id = await escalated(chat_stack)
    await asyncio.gather(
        first.send("claim", handoff_id=handoff_id),
        second.send("claim", handoff_id=handoff_id),
    )

    async def outcome(console: Peer) -> str:
        for _ in range(200):
            frame = json.loads(await asyncio.wait_for(console.socket.recv(), 30))
            console.received.append(frame)
            if frame["type"] == "claimed":
                return "won"
            if frame["type"] == "error":
                assert frame["code"] == "already_claimed", frame
                return "lost"
        raise AssertionError("no answer to the claim")

    outcomes = await asyncio.gather(outcome(first), outcome(second))
    assert sorted(outcomes) == ["lost", "won"]
    loser = first if outcomes[0] == "lost" else second
    # The loser cannot act on it.
    await loser.send("reply", handoff_id=handoff_id, id="sneak", text="hi")
    refused = await loser.expect("error", lambda f: f["id"] == "sneak")
    assert refused["code"] == "not_holder"
    for command in ("resolve", "release", "grant_offer"):
        await loser.send(command, handoff_id=handoff_id)
        assert (await loser.expect("error"))["code"] == "not_holder"
    # The queue shows who holds it.
    await loser.expect(
        "queue",
        lambda f: any(
            i["handoff_id"] == handoff_id and i["status"] == "assigned" and i["agent"]
            for i in f["items"]
        ),
        from_start=True,
    )
    await asyncio.gather(first.close(), second.close(), peer.close())


async def test_release_puts_it_back_and_the_shopper_is_told(chat_stack: Any) -> None:
    console = await alex(chat_stack)
    peer, _, handoff_id = await escalated(chat_stack)
    await console.send("claim", handoff_id=handoff_id)
    await console.expect("claimed")
    await peer.expect("handoff", lambda f: f["state"] == "agent_joined")
    await console.send("release", handoff_id=handoff_id)
    await console.expect("released")
    left = await peer.expect("handoff", lambda f: f["state"] == "agent_left")
    assert left["agent_name"] == ALEX
    await peer.expect("handoff", lambda f: f["state"] == "queued")
    other = await sam(chat_stack)
    await other.send("claim", handoff_id=handoff_id)
    await other.expect("claimed")
    # Resolve so later tests see a short queue.
    await other.send("resolve", handoff_id=handoff_id)
    await other.expect("resolved")
    await asyncio.gather(console.close(), other.close(), peer.close())


async def test_a_shopper_who_leaves_mid_handoff_misses_nothing(chat_stack: Any) -> None:
    console = await alex(chat_stack)
    peer, session_id, handoff_id = await escalated(chat_stack)
    await console.send("claim", handoff_id=handoff_id)
    await console.expect("handoff", lambda f: f["handoff_id"] == handoff_id)
    await peer.close()
    presence = await console.expect("presence")
    assert presence["shopper_online"] is False
    await console.send(
        "reply", handoff_id=handoff_id, id="away", text="Are you still there?"
    )
    await console.expect("ack", lambda f: f["id"] == "away")
    again, welcome = await shopper(chat_stack.shopper_ws, session_id=session_id)
    assert welcome["handoff"]["state"] == "agent_joined"
    history = again.received[1]["messages"]
    assert history[-1] == {
        **history[-1],
        "from": "agent",
        "text": "Are you still there?",
    }
    assert (await console.expect("presence"))["shopper_online"] is True
    await console.send("resolve", handoff_id=handoff_id)
    await again.expect("handoff", lambda f: f["state"] == "back_to_bot")
    await asyncio.gather(console.close(), again.close())


async def test_unknown_handoffs_and_bad_agent_frames(chat_stack: Any) -> None:
    console = await alex(chat_stack)
    await console.send("claim", handoff_id=999_999)
    assert (await console.expect("error"))["code"] == "not_found"
    await console.send("open", handoff_id=999_999)
    assert (await console.expect("error"))["code"] == "not_found"
    await console.send("claim", handoff_id="one")
    assert (await console.expect("error"))["code"] == "bad_frame"
    await console.send("message", id="x", text="shopper frame on the agent socket")
    assert (await console.expect("error"))["code"] == "unknown_type"
    await console.send("ping")
    await console.expect("pong")
    await console.close()


@pytest.mark.parametrize(
    "hello",
    [{"token": "a1.alex.1.forged"}, {"token": None}, {}],
    ids=["forged", "null", "missing"],
)
async def test_an_agent_socket_without_a_valid_token_is_closed(
    chat_stack: Any, hello: dict[str, Any]
) -> None:
    peer = await Peer.connect(chat_stack.agent_ws)
    await peer.send("hello", **hello)
    assert (await peer.expect("error"))["code"] == "unauthorized"
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await asyncio.wait_for(peer.socket.recv(), 10)
    assert closed.value.code == 4401


def test_sign_in_rejects_wrong_and_malformed_credentials(chat_stack: Any) -> None:
    assert login(chat_stack.rasa_url, "alex", "wrong-password")[0] == 401
    assert login(chat_stack.rasa_url, "nobody", "whatever-pass")[0] == 401
    status, body = login(chat_stack.rasa_url, "alex", AGENTS["alex"][1])
    assert status == 200 and body["display_name"] == ALEX and body["token"]
    request = urllib.request.Request(
        f"{chat_stack.rasa_url}/webhooks/shopbot/agent/login",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310
    assert refused.value.code == 400


def test_the_console_page_and_widget_are_served(chat_stack: Any) -> None:
    for path, marker in (
        ("/webhooks/shopbot/agent", b"<html"),
        ("/webhooks/shopbot/static/widget.js", b"ShopbotWidget"),
    ):
        with urllib.request.urlopen(chat_stack.rasa_url + path, timeout=30) as page:  # noqa: S310
            assert marker in page.read()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(  # noqa: S310
            chat_stack.rasa_url + "/webhooks/shopbot/static/..%2Fchat%2Fhub.py",
            timeout=30,
        )
    assert missing.value.code == 404
