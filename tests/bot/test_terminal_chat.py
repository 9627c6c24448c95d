"""Tests for the terminal chat client and the readiness probe against a real local HTTP
server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bot import terminal_chat, wait_ready


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200 if self.path == "/status" else 404)
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_send_posts_rest_payload(server: str) -> None:
    replies = terminal_chat.send(
        f"{server}/webhooks/rest/webhook", "me", "hi ✨ こんにちは"
    )
    assert replies == [{"recipient_id": "me", "text": "echo: hi ✨ こんにちは"}]


def test_render_text_buttons_image() -> None:
    text = terminal_chat.render(
        {
            "text": "Pick one",
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
            "image": "x.png",
        }
    )
    assert (
        "bot> Pick one" in text
        and "[Yes]" in text
        and "/affirm" in text
        and "x.png" in text
    )


def test_wait_ready_succeeds_and_times_out(server: str) -> None:
    assert wait_ready.wait_ready([f"{server}/status"], [], timeout=5)
    assert not wait_ready.wait_ready([f"{server}/missing"], [], timeout=1.5)


def test_wait_ready_fails_fast_when_process_died() -> None:
    assert not wait_ready.wait_ready(
        ["http://127.0.0.1:9/none"], [2**22 + 12345], timeout=60
    )


@pytest.mark.parametrize("typed", ["", "abc", "0", "-5"])
def test_login_with_a_bad_customer_id_gives_no_token(typed: str) -> None:
    from bot.terminal_chat import login_token

    assert login_token(typed) is None


def test_login_signs_a_token_the_action_server_accepts() -> None:
    import time

    from actions.identity.tokens import verify_token
    from actions.settings import get_settings
    from bot.terminal_chat import login_token

    token = login_token("208")
    assert token is not None
    identity = verify_token(token, get_settings().token_secret, time.time())
    assert identity.customer_id == 208
