"""Cancelling, changing, refunds and address changes against the real store."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.addresses import ActionSaveAddress, ValidateAddressForm
from actions.cancellation import ActionCancelOrder, ValidateCancelOrderForm
from actions.constants import (
    SLOT_ADDRESS_CONFIRMED,
    SLOT_CANCEL_CONFIRMED,
    SLOT_NEW_ADDRESS,
    SLOT_ORDER_NUMBER,
)
from actions.refunds import ActionRefundStatus
from actions.store import queries
from actions.store.db import engine_for, session_scope
from tests.actions.personal import slots_of, texts, token_for, tracker


def _open(url: str, customer_id: int) -> list[Any]:
    with session_scope(engine_for(url)) as session:
        return queries.open_orders(customer_id, session=session)


def _order(url: str, customer_id: int, number: str) -> Any:
    with session_scope(engine_for(url)) as session:
        return queries.order_for_customer(customer_id, number, session=session)


async def test_a_cancellable_order_is_cancelled_only_after_a_yes(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    customer = demo["multi_open"]
    order = next(o for o in _open(store_url, customer) if o.is_cancellable)
    token = token_for(customer)
    chosen = tracker(
        order.number,
        "inform",
        token=token,
        slots={SLOT_ORDER_NUMBER: order.number},
        active_loop="cancel_order_form",
    )
    events = await ValidateCancelOrderForm().run(CollectingDispatcher(), chosen, domain)
    assert slots_of(events)["requested_slot"] == SLOT_CANCEL_CONFIRMED

    kept = tracker(
        "no",
        "deny",
        token=token,
        slots={SLOT_ORDER_NUMBER: order.number, SLOT_CANCEL_CONFIRMED: False},
    )
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, kept, domain)
    assert "left order" in texts(dispatcher)
    assert _order(store_url, customer, order.number).status == order.status

    yes = tracker(
        "yes",
        "affirm",
        token=token,
        slots={SLOT_ORDER_NUMBER: order.number, SLOT_CANCEL_CONFIRMED: True},
    )
    dispatcher = CollectingDispatcher()
    events = await ActionCancelOrder().run(dispatcher, yes, domain)
    assert f"order {order.number} is cancelled" in texts(dispatcher)
    assert _order(store_url, customer, order.number).status == "cancelled"
    assert slots_of(events)[SLOT_ORDER_NUMBER] is None


async def test_a_shipped_order_is_never_cancelled_and_a_return_is_offered(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    customer = demo["loyal"]
    shipped = _open(store_url, customer)[0]
    assert not shipped.is_cancellable
    attempt = tracker(
        "cancel it",
        "cancel_order",
        token=token_for(customer),
        slots={SLOT_CANCEL_CONFIRMED: True},
    )
    events = await ValidateCancelOrderForm().run(
        CollectingDispatcher(), attempt, domain
    )
    assert slots_of(events).get("requested_slot") is None  # no confirmation asked
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, attempt, domain)
    said = texts(dispatcher)
    assert "can't cancel it" in said and "return it instead" in said
    assert _order(store_url, customer, shipped.number).status == shipped.status


async def test_refund_status_comes_from_the_customers_refund_records(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    customer = demo["multi_open"]
    with session_scope(engine_for(store_url)) as session:
        refunds = queries.refunds_for_customer(customer, session=session)
    assert refunds
    dispatcher = CollectingDispatcher()
    await ActionRefundStatus().run(
        dispatcher,
        tracker("where is my refund", "track_refund", token=token_for(customer)),
        domain,
    )
    assert f"order {refunds[0].order_number}" in texts(dispatcher)


async def test_an_anonymous_shopper_gets_no_refund_records(
    store_url: str, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRefundStatus().run(
        dispatcher, tracker("my refund?", "track_refund"), domain
    )
    assert dispatcher.messages == [
        {
            "text": None,
            "buttons": [],
            "elements": [],
            "custom": {},
            "template": "utter_track_refund",
            "response": "utter_track_refund",
            "image": None,
            "attachment": None,
        }
    ]


async def test_a_confirmed_address_is_written_to_the_profile(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    customer = demo["loyal"]
    token = token_for(customer)
    typed = "12 High Street, SW1A 1AA London, United Kingdom"
    form = tracker(typed, "inform", token=token, active_loop="address_form")
    assert ValidateAddressForm().validate_new_address(
        typed, CollectingDispatcher(), form, domain
    ) == {SLOT_NEW_ADDRESS: typed}
    done = tracker(
        "yes",
        "affirm",
        token=token,
        slots={SLOT_NEW_ADDRESS: typed, SLOT_ADDRESS_CONFIRMED: True},
    )
    dispatcher = CollectingDispatcher()
    await ActionSaveAddress().run(dispatcher, done, domain)
    assert "your address is now 12 High Street" in texts(dispatcher)
    with session_scope(engine_for(store_url)) as session:
        saved = queries.default_address(customer, session=session)
    assert saved is not None and saved.one_line() == typed


async def test_an_unreadable_address_is_re_asked_with_the_reason(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    form = tracker("somewhere", "inform", token=token_for(demo["loyal"]))
    dispatcher = CollectingDispatcher()
    result = ValidateAddressForm().validate_new_address(
        "somewhere", dispatcher, form, domain
    )
    assert result == {SLOT_NEW_ADDRESS: None}
    assert "separated by commas" in texts(dispatcher)


async def test_an_anonymous_shopper_cannot_change_an_address(
    store_url: str, domain: dict[str, Any]
) -> None:
    typed = "12 High Street, SW1A 1AA London, United Kingdom"
    done = tracker(
        "yes", "affirm", slots={SLOT_NEW_ADDRESS: typed, SLOT_ADDRESS_CONFIRMED: True}
    )
    dispatcher = CollectingDispatcher()
    await ActionSaveAddress().run(dispatcher, done, domain)
    assert dispatcher.messages[0]["response"] == "utter_change_shipping_address"
    form = tracker("change my address", "change_shipping_address")
    events = await ValidateAddressForm().run(CollectingDispatcher(), form, domain)
    assert slots_of(events).get("requested_slot") is None


async def test_a_locked_store_loses_no_address_and_says_so(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    import sqlite3

    customer = demo["loyal"]
    with session_scope(engine_for(store_url)) as session:
        before = queries.default_address(customer, session=session)
    locker = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    locker.execute("BEGIN EXCLUSIVE")
    try:
        done = tracker(
            "yes",
            "affirm",
            token=token_for(customer),
            slots={
                SLOT_NEW_ADDRESS: "1 New Road, 10115 Berlin, Germany",
                SLOT_ADDRESS_CONFIRMED: True,
            },
        )
        dispatcher = CollectingDispatcher()
        await ActionSaveAddress().run(dispatcher, done, domain)
        assert "nothing has been changed" in texts(dispatcher)
    finally:
        locker.rollback()
        locker.close()
    with session_scope(engine_for(store_url)) as session:
        assert queries.default_address(customer, session=session) == before


async def test_a_slow_store_call_does_not_block_other_conversations(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    """rasa-sdk serves every conversation on one event loop: a store call that
    waits on a lock must not stop the others."""
    import asyncio
    import sqlite3

    locker = sqlite3.connect(store_url.removeprefix("sqlite:///"))
    locker.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def other_conversations() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(other_conversations())
    try:
        done = tracker(
            "yes",
            "affirm",
            token=token_for(demo["loyal"]),
            slots={
                SLOT_NEW_ADDRESS: "1 New Road, 10115 Berlin, Germany",
                SLOT_ADDRESS_CONFIRMED: True,
            },
        )
        await ActionSaveAddress().run(CollectingDispatcher(), done, domain)
    finally:
        ticker.cancel()
        locker.rollback()
        locker.close()
    # The save waited out the 2 s busy timeout; the loop kept ticking meanwhile.
    assert ticks > 50
