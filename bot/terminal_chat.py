"""A terminal chat with a running shopbot through Rasa's REST channel."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any


def send(
    url: str,
    sender: str,
    text: str,
    timeout: float = 30.0,
    metadata: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """POST one message to the REST webhook and return the bot's messages."""
    payload: dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        payload["metadata"] = metadata
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        payload = json.loads(response.read().decode("utf-8"))
    return payload if isinstance(payload, list) else []


def render(message: dict[str, Any]) -> str:
    """Format one bot message (text, buttons, image) for the terminal."""
    lines = []
    if message.get("text"):
        lines.append(f"bot> {message['text']}")
    for button in message.get("buttons") or []:
        lines.append(f"     [{button.get('title')}]  (type: {button.get('payload')})")
    if message.get("image"):
        lines.append(f"     image: {message['image']}")
    return "\n".join(lines)


def login_token(customer_id: str) -> str | None:
    """A shopper token for a demo customer, signed as the shop's page would."""
    from actions.errors import ActionsError
    from actions.identity.tokens import sign_token
    from actions.settings import get_settings

    try:
        return sign_token(
            int(customer_id), int(time.time()) + 3600, get_settings().token_secret
        )
    except (ActionsError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    """Chat loop: send each line, print the replies; /quit or Ctrl-D ends.

    ``/login ID`` chats as a signed-in customer (a token signed with
    ``SHOPBOT_TOKEN_SECRET`` goes with every message); ``/logout`` ends that.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005/webhooks/rest/webhook")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    out = sys.stdout
    out.write(
        "Chat with shopbot (type /quit or press Ctrl-D to leave; /login ID to chat "
        "as a signed-in demo customer, see `python -m actions.store demo`).\n"
    )
    metadata: dict[str, Any] = {}
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return 0
        if text.strip() in {"/quit", "/exit"}:
            return 0
        if text.strip().startswith("/login"):
            token = login_token(text.strip().removeprefix("/login").strip())
            if token is None:
                out.write("(usage: /login CUSTOMER_ID, a positive number)\n")
            else:
                metadata = {"shopbot_token": token}
                out.write("(signed in: a shopper token goes with each message)\n")
            continue
        if text.strip() == "/logout":
            metadata = {}
            out.write("(signed out: you are an anonymous shopper now)\n")
            continue
        try:
            replies = send(args.url, args.sender, text, metadata=metadata)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            out.write(f"(could not reach shopbot at {args.url}: {exc})\n")
            continue
        for message in replies:
            out.write(render(message) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
