"""shopbot's websocket input channel: the web widget's and the agent console's
endpoints on the Rasa server (protocol: bot/chat/PROTOCOL.md).

Configure it in ``credentials.yml``::

    bot.channels.websocket.ShopbotChannel:
      allowed_origins: ["https://shop.example"]

Routes, under ``/webhooks/shopbot``: ``/ws`` (shoppers), ``/agent/ws``
(agents), ``/agent`` (the console page), ``/agent/login``, ``/static/<file>``
(widget.js, the console's assets) and ``/health``. Sockets and the sign-in from
a browser origin that is not allowed are refused with a 403 before the upgrade.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.chat import agents as agent_socket
from bot.chat import shopper as shopper_socket
from bot.chat.config import ChatConfig
from bot.chat.protocol import MAX_FRAME_BYTES, VERSION
from bot.chat.server import ChatServer
from bot.chat.store_ops import StoreOpError

logger = logging.getLogger(__name__)
MAX_LOGIN_BYTES = 4096
_GUARDED_SUFFIXES = ("/ws", "/agent/login")


class ShopbotChannel(InputChannel):
    """Websocket chat for the web widget and the agent console."""

    def __init__(self, config: ChatConfig | None = None) -> None:
        self.config = config or ChatConfig()

    @classmethod
    def name(cls) -> str:
        """Channel name: the routes live under ``/webhooks/shopbot``."""
        return "shopbot"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build from the credentials.yml entry (see parent class)."""
        return cls(ChatConfig.from_credentials(credentials))

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The channel's routes (see parent class)."""
        from actions.settings import get_settings
        from bot.rasa_speedups import install

        install()
        server = ChatServer(self.config, get_settings().token_secret)
        blueprint = Blueprint("shopbot_chat", __name__)

        @blueprint.middleware("request")
        async def check_origin(request: Request) -> Any:
            if not request.path.endswith(_GUARDED_SUFFIXES):
                return None
            origin = request.headers.get("origin")
            own = f"{request.scheme}://{request.host}".replace("ws://", "http://")
            own = own.replace("wss://", "https://")
            if self.config.origin_allowed(origin, own):
                return None
            logger.info("Refused %s from origin '%s'.", request.path, origin)
            return response.json(
                {"error": f"origin '{origin}' is not allowed to use this chat"},
                status=403,
            )

        @blueprint.route("/health", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json(
                {
                    "status": "ok",
                    "protocol": VERSION,
                    "shoppers": server.hub.shopper_count,
                    "agents": len(server.hub.agents),
                }
            )

        @blueprint.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> response.HTTPResponse:
            return await _static_file(self.config, name)

        @blueprint.route("/agent", methods=["GET"])
        async def console(request: Request) -> response.HTTPResponse:
            return await _static_file(self.config, "console.html")

        @blueprint.route("/agent/login", methods=["POST"])
        async def login(request: Request) -> response.HTTPResponse:
            return await _login(server, request.body or b"")

        @blueprint.websocket("/ws")
        async def shopper(request: Request, socket: Any) -> None:
            server.rasa_agent = request.app.ctx.agent
            await shopper_socket.serve_shopper(server, socket, on_new_message)

        @blueprint.websocket("/agent/ws")
        async def agent(request: Request, socket: Any) -> None:
            server.rasa_agent = request.app.ctx.agent
            await agent_socket.serve_agent(server, socket)

        return blueprint


async def _static_file(config: ChatConfig, name: str) -> response.HTTPResponse:
    """A file of the static folder by its plain name (no paths)."""
    folder = config.static_dir
    path = folder / name
    if "/" in name or name.startswith(".") or not path.is_file():
        return response.json({"error": f"no static file '{name[:80]}'"}, status=404)
    mime, _ = mimetypes.guess_type(name)
    return await response.file(
        path,
        mime_type=mime or "application/octet-stream",
        headers={"Cache-Control": "no-cache"},
    )


async def _login(server: ChatServer, body: bytes) -> response.HTTPResponse:
    """``POST /agent/login``: credentials in, a sign-in token out."""
    expected = 'send JSON like {"username": "alex", "password": "..."}'
    if len(body) > MAX_LOGIN_BYTES:
        return response.json({"error": "request body too large"}, status=413)
    try:
        data = json.loads(body or b"null")
    except (UnicodeDecodeError, ValueError):
        return response.json(
            {"error": f"request body is not JSON; {expected}"}, status=400
        )
    if not isinstance(data, dict) or not all(
        isinstance(data.get(key), str) and data.get(key)
        for key in ("username", "password")
    ):
        return response.json(
            {"error": f"username and password are required; {expected}"}, 400
        )
    username = data["username"].strip().lower()
    now = agent_socket.login_now()
    if agent_socket.login_blocked(username, now):
        return response.json(
            {"error": "too many failed sign-ins for this account; wait five minutes"},
            429,
        )
    try:
        body_out = await agent_socket.sign_in(server, username, data["password"])
    except StoreOpError as error:
        if error.code != "bad_frame":
            return response.json({"error": error.message}, status=503)
        body_out = None  # e.g. a password of impossible length: just wrong
    if body_out is None:
        agent_socket.note_failure(username, now)
        return response.json({"error": "wrong username or password"}, status=401)
    return response.json(body_out)


__all__ = ["ShopbotChannel", "MAX_FRAME_BYTES"]
