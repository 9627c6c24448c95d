"""`make run`'s script end to end: real Rasa server + action server, talked to over the
REST channel.

Starts ``scripts/run.sh`` (what ``make run`` runs after setup) on free ports with the
shipped model, waits for both servers, then speaks HTTP to ``POST
/webhooks/rest/webhook`` as any shop page would. Finally it sends SIGINT (Ctrl-C) and
checks that both servers are gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL = REPO_ROOT / "models" / "shopbot.tar.gz"
INDEX = Path(
    os.environ.get("SHOPBOT_RETRIEVAL_INDEX", REPO_ROOT / "models" / "retrieval")
)

pytestmark = [
    pytest.mark.skipif(
        not MODEL.is_file(), reason=f"no model at {MODEL}: run `make model`"
    ),
    pytest.mark.skipif(
        not (INDEX / "manifest.json").is_file(),
        reason=f"no retrieval index at {INDEX}: run `make index`",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Shopbot:
    """Handle on a running `scripts/run.sh`."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        rasa_port: int,
        actions_port: int,
        shop_port: int,
    ):
        self.process = process
        self.rasa_port = rasa_port
        self.actions_port = actions_port
        self.shop_port = shop_port

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def post(self, body: bytes) -> tuple[int, Any]:
        """POST raw bytes to the REST webhook; return (status, decoded JSON or text)."""
        request = urllib.request.Request(
            self.webhook, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def say(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[str]:
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        status, replies = self.post(json.dumps(body).encode())
        assert status == 200, replies
        return [str(reply.get("text") or "") for reply in replies]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where run.sh's action server keeps (and seeds) the profile store."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'shop.db'}"


@pytest.fixture(scope="module")
def tracker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where run.sh's Rasa server keeps conversations (SQLite tracker store)."""
    return tmp_path_factory.mktemp("tracker") / "tracker.db"


@pytest.fixture(scope="module")
def shopbot(store_url: str, tracker_db: Path) -> Iterator[Shopbot]:
    rasa_port, actions_port, shop_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "SHOPBOT_DATABASE_URL": store_url,
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "SHOP_PORT": str(shop_port),
        "SHOPBOT_TRACKER_DB": str(tracker_db),
        "SHOPBOT_RETRIEVAL_INDEX": str(INDEX),
        "USE_TF": "0",
        "HF_HUB_OFFLINE": "1",
    }
    venv = Path(sys.executable).parent.parent
    process = subprocess.Popen(
        ["bash", str(REPO_ROOT / "scripts" / "run.sh"), str(venv), str(MODEL)],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 420
    output = b""
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    while b"shopbot is running" not in output:
        chunk = process.stdout.read() or b""
        output += chunk
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                f"run.sh did not start:\n{output.decode(errors='replace')[-3000:]}"
            )
        time.sleep(0.5)
    bot = Shopbot(process, rasa_port, actions_port, shop_port)
    yield bot
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


def test_an_anonymous_order_question_over_rest_asks_for_the_email(
    shopbot: Shopbot,
) -> None:
    replies = " ".join(shopbot.say("rest-1", "where is my order 12345?"))
    assert "e-mail address" in replies


def test_rest_asks_for_the_order_number_when_missing(shopbot: Shopbot) -> None:
    first = " ".join(shopbot.say("rest-2", "where is my order?"))
    assert "order number" in first.lower()
    assert "e-mail address" in " ".join(shopbot.say("rest-2", "67890"))


def test_a_signed_in_customer_gets_their_order_status_over_rest(
    shopbot: Shopbot, store_url: str
) -> None:
    from actions.identity.tokens import sign_token
    from actions.settings import DEVELOPMENT_SECRET
    from actions.store import queries
    from actions.store.db import engine_for, session_scope
    from actions.store.seed import demo_customers

    with session_scope(engine_for(store_url)) as session:
        loyal = demo_customers(session)["loyal"]
        [order] = queries.open_orders(loyal, session=session)
    token = sign_token(loyal, int(time.time()) + 600, DEVELOPMENT_SECRET)
    replies = " ".join(
        shopbot.say("rest-3", "where is my order?", {"shopbot_token": token})
    )
    assert order.number in replies
    assert order.carrier is not None and order.carrier in replies


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"sender": "x"}',
        b"",
        "ünïcødé".encode(),
        b'{"sender": "x", "message": 5}',
        b"\xff\xfe",
    ],
    ids=[
        "broken",
        "array",
        "no-message",
        "empty",
        "not-json-text",
        "number-message",
        "binary",
    ],
)
def test_malformed_rest_payload_is_rejected_and_server_keeps_working(
    shopbot: Shopbot, body: bytes
) -> None:
    status, reply = shopbot.post(body)
    assert status == 400, (status, reply)
    assert "expected a JSON object" in reply["error"] or "must be" in reply["error"]
    assert shopbot.say(
        "rest-after-bad", "hi"
    ), "server stopped answering after bad input"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "🙂🛒📦", "Где мой заказ 12345?", "x" * 10_000],
    ids=["empty", "whitespace", "emoji", "cyrillic", "10k-chars"],
)
def test_odd_messages_get_a_reply_over_rest(shopbot: Shopbot, text: str) -> None:
    status, replies = shopbot.post(
        json.dumps({"sender": "rest-odd", "message": text}).encode()
    )
    assert status == 200, replies
    assert isinstance(replies, list)


def test_conversations_are_kept_on_disk(shopbot: Shopbot, tracker_db: Path) -> None:
    import sqlite3

    status, replies = shopbot.post(
        json.dumps({"sender": "on-disk", "message": "hello"}).encode()
    )
    assert status == 200 and replies
    with sqlite3.connect(tracker_db) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM events"
            " WHERE sender_id = 'on-disk' AND type_name = 'user'"
        ).fetchone()
    assert count == 1


def test_the_demo_shop_and_the_console_are_served(shopbot: Shopbot) -> None:
    shop = f"http://127.0.0.1:{shopbot.shop_port}"
    with urllib.request.urlopen(shop + "/", timeout=30) as page:  # noqa: S310
        html = page.read().decode()
    assert f"localhost:{shopbot.rasa_port}/webhooks/shopbot/static/widget.js" in html
    console = f"http://127.0.0.1:{shopbot.rasa_port}/webhooks/shopbot/agent"
    with urllib.request.urlopen(console, timeout=30) as page:  # noqa: S310
        assert b"<html" in page.read().lower()
    # The development-only demo agent that run.sh prints can sign in.
    login = urllib.request.Request(
        console + "/login",
        data=json.dumps({"username": "demo", "password": "shopbot-demo"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(login, timeout=30) as answer:  # noqa: S310
        assert json.loads(answer.read())["username"] == "demo"


def test_ctrl_c_stops_every_server(shopbot: Shopbot) -> None:
    ports = (shopbot.rasa_port, shopbot.actions_port, shopbot.shop_port)
    os.killpg(shopbot.process.pid, signal.SIGINT)
    shopbot.process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_port_open(port) for port in ports):
        time.sleep(0.5)
    assert not any(_port_open(port) for port in ports)
