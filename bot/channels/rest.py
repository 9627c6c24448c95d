"""Rasa's REST channel with payload validation: malformed requests get a 400 naming the
problem.

Rasa's stock ``RestInput`` answers a JSON array, an empty body or a missing
``message`` with a 500 and a traceback in the log. This subclass keeps its URL
(``/webhooks/rest/webhook``) and behaviour for valid requests. Configure it in
``credentials.yml`` as ``bot.channels.rest.RestInput``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.payload import payload_error

logger = logging.getLogger(__name__)


class RestInput(RasaRestInput):
    """REST input channel that rejects malformed payloads with a clear 400."""

    @classmethod
    def name(cls) -> str:
        """Channel name; keeps the stock URL ``/webhooks/rest/webhook``."""
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The stock blueprint plus a request check (see parent class)."""
        from bot.rasa_speedups import install

        install()
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def validate(request: Request) -> Any:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            error = payload_error(request.body or b"")
            if error is None:
                return None
            logger.info("Rejected REST payload on %s: %s", request.path, error)
            return response.json({"error": error}, status=400)

        return blueprint
