"""Builders of Rasa tracker events shaped like rasa-sdk's ``Tracker.events``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

TOKEN = "tok.eyJjdXN0b21lciI6NDJ9.c2VjcmV0LXNpZ25hdHVyZQ"


class Events:
    """Append events in Rasa 3.6's JSON form, one second apart."""

    def __init__(self, start: float = 1_714_557_600.0) -> None:
        self.events: list[dict[str, Any]] = []
        self.clock = start
        self.count = 0

    def _tick(self) -> float:
        self.clock += 1.0
        return self.clock

    def session(self) -> Events:
        """action_session_start, session_started, action_listen."""
        self.action("action_session_start")
        self.events.append({"event": "session_started", "timestamp": self._tick()})
        return self.action("action_listen")

    def user(
        self,
        text: str,
        intent: str | None,
        confidence: float = 0.9,
        ranking: Sequence[tuple[str, float]] | None = None,
    ) -> Events:
        """A shopper message with the widget's token in its metadata."""
        self.count += 1
        message_id = f"msg{self.count:04d}"
        pairs = (
            ranking if ranking is not None else [(intent, confidence)] if intent else []
        )
        parse_data: dict[str, Any] = {
            "intent": {"name": intent, "confidence": confidence} if intent else None,
            "entities": [],
            "text": text,
            "message_id": message_id,
            "metadata": {"token": TOKEN},
            "intent_ranking": [
                {"name": name, "confidence": score} for name, score in pairs
            ],
        }
        self.events.append(
            {
                "event": "user",
                "timestamp": self._tick(),
                "metadata": {"token": TOKEN, "model_id": "m1"},
                "text": text,
                "parse_data": parse_data,
                "input_channel": "widget",
                "message_id": message_id,
            }
        )
        self.events.append(
            {
                "event": "user_featurization",
                "timestamp": self._tick(),
                "use_text_for_featurization": False,
            }
        )
        return self

    def action(self, name: str) -> Events:
        """An action the bot ran."""
        self.events.append(
            {
                "event": "action",
                "timestamp": self._tick(),
                "name": name,
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )
        return self

    def bot(self, text: str | None, action: str = "utter_x") -> Events:
        """The action ``action`` sending ``text`` (None: buttons only)."""
        self.action(action)
        self.events.append(
            {
                "event": "bot",
                "timestamp": self._tick(),
                "metadata": {"utter_action": action},
                "text": text,
                "data": {"buttons": None},
            }
        )
        return self.action("action_listen")

    def raw(self, event: dict[str, Any]) -> Events:
        """Any other event, as given."""
        self.events.append(event)
        return self


@pytest.fixture
def events() -> Events:
    """A fresh event builder."""
    return Events()
