"""Order answers from the profile store: who may see what, real statuses."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.constants import SLOT_EMAIL, SLOT_ORDER_NUMBER
from actions.orders import (
    ActionAskOrderNumber,
    ActionTrackOrder,
    ValidateTrackOrderForm,
)
from actions.store import queries
from actions.store.db import engine_for, session_scope
from actions.store.schema import Customer, Order
from tests.actions.personal import slots_of, texts, token_for, tracker


def _orders(url: str, customer_id: int) -> tuple[list[Any], list[Any]]:
    with session_scope(engine_for(url)) as session:
        return (
            queries.open_orders(customer_id, session=session),
            queries.recent_orders(customer_id, 50, session=session),
        )


def _someone_elses_order(url: str, customer_id: int) -> Any:
    with session_scope(engine_for(url)) as session:
        row = session.execute(
            select(Order.number, Customer.email)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.customer_id != customer_id)
            .limit(1)
        ).one()
    return row


async def test_a_loyal_customer_hears_the_real_status_of_their_open_order(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    loyal = demo["loyal"]
    open_orders, _ = _orders(store_url, loyal)
    assert len(open_orders) == 1
    order = open_orders[0]
    track = tracker("where is my order?", "track_order", token=token_for(loyal))

    validate = CollectingDispatcher()
    events = await ValidateTrackOrderForm().run(validate, track, domain)
    assert slots_of(events).get("requested_slot", "unset") is None  # nothing to ask

    dispatcher = CollectingDispatcher()
    events = await ActionTrackOrder().run(dispatcher, track, domain)
    said = texts(dispatcher)
    assert order.number in said
    assert order.carrier and order.carrier in said
    assert order.tracking_number and order.tracking_number in said
    assert "on its way" in said or "out for delivery" in said
    assert slots_of(events)["customer_id"] == loyal


async def test_several_open_orders_make_the_bot_ask_which_with_buttons(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    customer = demo["multi_open"]
    open_orders, _ = _orders(store_url, customer)
    track = tracker("track my order", "track_order", token=token_for(customer))
    events = await ValidateTrackOrderForm().run(CollectingDispatcher(), track, domain)
    assert slots_of(events)["requested_slot"] == SLOT_ORDER_NUMBER

    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, track, domain)
    buttons = dispatcher.messages[0]["buttons"]
    assert sorted(b["title"] for b in buttons) == sorted(o.number for o in open_orders)


async def test_another_customers_order_number_is_refused_like_an_unknown_one(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    loyal = demo["loyal"]
    number, email = _someone_elses_order(store_url, loyal)
    answers = []
    for asked in (number, "9999999"):
        track = tracker(
            asked,
            "inform",
            token=token_for(loyal),
            slots={SLOT_ORDER_NUMBER: asked},
            active_loop="track_order_form",
        )
        dispatcher = CollectingDispatcher()
        events = await ActionTrackOrder().run(dispatcher, track, domain)
        answers.append(texts(dispatcher).replace(asked, "<n>"))
        assert slots_of(events)[SLOT_ORDER_NUMBER] is None
    assert answers[0] == answers[1]
    assert email not in answers[0]
    assert "couldn't find" in answers[0]


async def test_an_anonymous_shopper_needs_the_number_and_the_matching_email(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    number, email = _someone_elses_order(store_url, demo["loyal"])
    anonymous = tracker("where is my order", "track_order")
    events = await ValidateTrackOrderForm().run(
        CollectingDispatcher(), anonymous, domain
    )
    assert slots_of(events).get("requested_slot") in (None, SLOT_ORDER_NUMBER)

    wrong = tracker(
        "x@example.com",
        "inform",
        slots={SLOT_ORDER_NUMBER: number, SLOT_EMAIL: "someone.else@example.com"},
    )
    dispatcher = CollectingDispatcher()
    await ActionTrackOrder().run(dispatcher, wrong, domain)
    assert "couldn't find" in texts(dispatcher)

    right = tracker(
        email.upper(), "inform", slots={SLOT_ORDER_NUMBER: number, SLOT_EMAIL: email}
    )
    dispatcher = CollectingDispatcher()
    await ActionTrackOrder().run(dispatcher, right, domain)
    assert f"Your order {number}" in texts(dispatcher)


async def test_the_email_check_resets_both_slots_on_a_mismatch(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    number, _ = _someone_elses_order(store_url, demo["loyal"])
    form = tracker(
        "wrong@example.com",
        "inform",
        slots={SLOT_ORDER_NUMBER: number, SLOT_EMAIL: "wrong@example.com"},
        active_loop="track_order_form",
    )
    dispatcher = CollectingDispatcher()
    result = ValidateTrackOrderForm().validate_email(
        "wrong@example.com", dispatcher, form, domain
    )
    assert result == {SLOT_EMAIL: None, SLOT_ORDER_NUMBER: None}
    assert "couldn't find" in texts(dispatcher)


async def test_forged_and_expired_tokens_leave_the_shopper_anonymous(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    loyal = demo["loyal"]
    open_orders, _ = _orders(store_url, loyal)
    for token in (
        token_for(loyal, secret="an attacker's secret, long enough to look real"),
        token_for(loyal, ttl=-1),
        f"v1.{loyal}.99999999999.forged",
    ):
        track = tracker("where is my order?", "track_order", token=token)
        dispatcher = CollectingDispatcher()
        events = await ActionTrackOrder().run(dispatcher, track, domain)
        assert open_orders[0].number not in texts(dispatcher)
        assert slots_of(events).get("customer_id") is None


async def test_sql_in_an_order_number_or_email_finds_nothing_and_harms_nothing(
    store_url: str, demo: dict[str, int], domain: dict[str, Any]
) -> None:
    with session_scope(engine_for(store_url)) as session:
        before = session.scalar(select(func.count()).select_from(Order))
    for number, email in [
        ("1234567' OR '1'='1", "' OR 1=1 --@x.io"),
        ("1234567; DROP TABLE orders; --", "a@b.co'; DROP TABLE customers; --"),
    ]:
        track = tracker(
            number, "inform", slots={SLOT_ORDER_NUMBER: number, SLOT_EMAIL: email}
        )
        dispatcher = CollectingDispatcher()
        await ActionTrackOrder().run(dispatcher, track, domain)
        assert "Your order" not in texts(dispatcher)
    with session_scope(engine_for(store_url)) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == before


async def test_a_store_outage_gets_an_honest_reply(
    domain: dict[str, Any], monkeypatch: Any
) -> None:
    from actions.settings import get_settings

    monkeypatch.setenv(
        "SHOPBOT_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/none"
    )
    get_settings.cache_clear()
    track = tracker("where is my order?", "track_order", token=token_for(5))
    dispatcher = CollectingDispatcher()
    await ActionTrackOrder().run(dispatcher, track, domain)
    assert "can't reach our order system" in texts(dispatcher)
