"""actions/session.py: action_session_start fills the shop slots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions.session import ActionSessionStart, carried_over_slots


def _slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_session_start_sets_shop_slots_and_carries_user_slots(
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
) -> None:
    tracker = load_tracker("tracker_returning_shopper")
    events = ActionSessionStart().run(dispatcher, tracker, domain)
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = _slot_events(events)
    assert slots[c.SLOT_SHOP_NAME] == "Northwind Outfitters"
    assert slots[c.SLOT_SUPPORT_EMAIL] == "support@shop.example.com"
    assert set(c.SHOP_SLOTS) <= set(slots)
    # The previous session's order number and e-mail are kept; the form's
    # bookkeeping slot is not.
    assert slots[c.SLOT_ORDER_NUMBER] == "00123842"
    assert slots[c.SLOT_EMAIL] == "jane.doe@example.com"
    assert c.SLOT_REQUESTED not in slots
    assert dispatcher.messages == []


def test_session_start_with_a_broken_shop_file_uses_neutral_wording(
    dispatcher: CollectingDispatcher,
    load_tracker: Callable[..., Tracker],
    domain: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = tmp_path / "shop.yml"
    broken.write_text("name: Only A Name\n", encoding="utf-8")
    monkeypatch.setenv(c.ENV_SHOP_CONFIG, str(broken))
    events = ActionSessionStart().run(
        dispatcher, load_tracker("tracker_returning_shopper"), domain
    )
    slots = _slot_events(events)
    assert slots[c.SLOT_SHOP_NAME] == "our shop"
    assert all(slots[name] for name in c.SHOP_SLOTS)


def test_no_carry_over_when_the_domain_says_so() -> None:
    domain = {"session_config": {"carry_over_slots_to_new_session": False}}
    assert carried_over_slots({c.SLOT_ORDER_NUMBER: "12345"}, domain) == []


def test_carry_over_skips_empty_and_shop_slots() -> None:
    events = carried_over_slots(
        {c.SLOT_EMAIL: "a@b.co", c.SLOT_AMOUNT: None, c.SLOT_SHOP_NAME: "Old"}, {}
    )
    assert _slot_events(events) == {c.SLOT_EMAIL: "a@b.co"}


def test_a_valid_token_in_the_first_message_identifies_the_session() -> None:
    import time

    from actions.identity.tokens import sign_token
    from actions.session import session_identity_slots
    from actions.settings import DEVELOPMENT_SECRET

    expires = int(time.time()) + 60
    token = sign_token(7, expires, DEVELOPMENT_SECRET)
    events = session_identity_slots({"shopbot_token": token})
    assert {e["name"]: e["value"] for e in events} == {
        "customer_id": 7,
        "customer_token_expires": expires,
    }
    assert session_identity_slots({"shopbot_token": token + "x"}) == []
    assert session_identity_slots(None) == []


def test_the_identity_is_not_carried_into_a_new_session() -> None:
    from actions.session import carried_over_slots

    slots = {"customer_id": 7, "customer_token_expires": 1, "email": "a@b.co"}
    kept = {e["name"] for e in carried_over_slots(slots, {})}
    assert kept == {"email"}
