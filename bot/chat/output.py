"""Rasa output channel that streams the bot's replies to a shopper session.

Each reply goes out as a ``message`` frame to every open socket of the
session as soon as Rasa produces it, tagged with the shopper message it
answers. The handoff action's marker (custom JSON ``{"shopbot_handoff": ...}``)
is not shown to the shopper: it tells the channel that a handoff was made.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.chat.history import message_object
from bot.chat.hub import SessionState
from bot.chat.protocol import frame

logger = logging.getLogger(__name__)
HANDOFF_MARKER = "shopbot_handoff"
CHANNEL_NAME = "shopbot"


class SessionOutput(OutputChannel):
    """Sends bot messages to one session's sockets."""

    def __init__(self, state: SessionState, reply_to: str | None) -> None:
        self.state = state
        self.reply_to = reply_to
        self.handoff_signalled = False
        self.sent = 0

    @classmethod
    def name(cls) -> str:
        """Channel name (see parent class)."""
        return CHANNEL_NAME

    def _emit(self, text: str, **fields: Any) -> None:
        self.sent += 1
        self.state.broadcast(
            frame(
                "message",
                **message_object("bot", text, reply_to=self.reply_to, **fields),
            )
        )

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send a text (see parent class)."""
        self._emit(text)

    async def send_image_url(
        self, recipient_id: str, image: str, **kwargs: Any
    ) -> None:
        """Send an image (see parent class)."""
        self._emit("", image=image)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send a text with quick-reply buttons (see parent class)."""
        self._emit(text, buttons=buttons)

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Quick replies are buttons in the widget (see parent class)."""
        self._emit(text, buttons=quick_replies)

    async def send_attachment(
        self, recipient_id: str, attachment: str, **kwargs: Any
    ) -> None:
        """Attachments are sent as a link text (see parent class)."""
        self._emit(str(attachment))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """The handoff marker sets a flag; other custom JSON is not shown."""
        if isinstance(json_message, dict) and HANDOFF_MARKER in json_message:
            self.handoff_signalled = True
            return
        logger.debug("Custom JSON for '%s' not shown in the widget.", recipient_id)
