"""Pure: the shoppers of the benchmark and the actions one conversation round runs.

A round is one short conversation: session start, greeting, tracking an order
(through the track-order form), asking to change an order, a refund question,
cancelling (through the cancel-order form, declined in most rounds so the store
keeps its open orders), the trivial ``action_ask_email`` (the baseline), a
confirmed address change, a complaint and a request for a person (both create
handoffs), and, when a retrieval index is available, a question answered from
past cases. Signed-in shoppers carry a signed token in every message's
metadata; anonymous ones give an order number and its e-mail address.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.constants import (
    ACTION_ANSWER_FROM_PAST_CASES,
    ACTION_ASK_EMAIL,
    ACTION_ASK_ORDER_NUMBER,
    ACTION_CANCEL_ORDER,
    ACTION_CHANGE_ORDER,
    ACTION_GREET,
    ACTION_HANDLE_COMPLAINT,
    ACTION_HANDOFF,
    ACTION_REFUND_STATUS,
    ACTION_SAVE_ADDRESS,
    ACTION_SESSION_START,
    ACTION_TRACK_ORDER,
    ACTION_VALIDATE_CANCEL_ORDER_FORM,
    ACTION_VALIDATE_TRACK_ORDER_FORM,
    FORM_CANCEL_ORDER,
    FORM_TRACK_ORDER,
    INTENT_AFFIRM,
    INTENT_CANCEL_ORDER,
    INTENT_CHANGE_ORDER,
    INTENT_COMPLAINT,
    INTENT_CONTACT_HUMAN_AGENT,
    INTENT_DENY,
    INTENT_GREET,
    INTENT_INFORM,
    INTENT_NLU_FALLBACK,
    INTENT_TRACK_ORDER,
    INTENT_TRACK_REFUND,
    SLOT_ADDRESS_CONFIRMED,
    SLOT_CANCEL_CONFIRMED,
    SLOT_EMAIL,
    SLOT_NEW_ADDRESS,
    SLOT_ORDER_NUMBER,
    SLOT_REQUESTED,
)
from actions.identity.resolve import TOKEN_METADATA_KEY

# Share of rounds played by a signed-in customer (the rest are anonymous).
SIGNED_IN_SHARE = 0.6
# Share of signed-in cancellations the shopper confirms (the order is cancelled).
CANCEL_CONFIRMED_SHARE = 0.05
# Runner-up intents of the simulated NLU rankings.
RANKING_POOL: tuple[str, ...] = (
    INTENT_TRACK_ORDER,
    INTENT_CHANGE_ORDER,
    INTENT_CANCEL_ORDER,
    INTENT_TRACK_REFUND,
    INTENT_COMPLAINT,
    INTENT_INFORM,
)
STREETS: tuple[str, ...] = ("Station Road", "Mill Lane", "Park Avenue", "Elm Street")
CITIES: tuple[tuple[str, str, str], ...] = (
    ("10115", "Berlin", "Germany"),
    ("75001", "Paris", "France"),
    ("1010", "Vienna", "Austria"),
    ("3511", "Utrecht", "Netherlands"),
)
KEEP = "<keep>"
"""``Step.loop`` value that leaves the active form as it is."""


@dataclass(frozen=True)
class Shopper:
    """Who plays a round.

    Attributes:
        customer_id: the signed-in customer, None for an anonymous shopper.
        order_number: an order the shopper refers to (their own; None if none).
        email: the e-mail address the order was placed with (anonymous only).
    """

    customer_id: int | None
    order_number: str | None = None
    email: str | None = None

    @property
    def signed_in(self) -> bool:
        """True for a customer with a token."""
        return self.customer_id is not None


@dataclass(frozen=True)
class Message:
    """A shopper message: text, the intent NLU gives it, its entities."""

    text: str
    intent: str
    entities: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Step:
    """One action call and what happens in the conversation just before it.

    Attributes:
        action: the action Rasa asks the server to run.
        message: the shopper message that precedes it (None: the bot goes on).
        slots: slots set before the call (extracted from the message, or the
            form's ``requested_slot``).
        loop: the form to start, None to end the running one, or :data:`KEEP`.
    """

    action: str
    message: Message | None = None
    slots: Mapping[str, Any] = field(default_factory=dict)
    loop: str | None = KEEP


@dataclass(frozen=True)
class ShopperPool:
    """The seeded shoppers a benchmark draws from.

    Attributes:
        customers: signed-in customers, each with an order number of theirs
            (an open one when they have one) or None.
        anonymous: (order number, e-mail address) pairs of real orders.
    """

    customers: tuple[tuple[int, str | None], ...]
    anonymous: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        """Refuse an empty pool."""
        if not self.customers or not self.anonymous:
            raise ValueError(
                f"The shopper pool has {len(self.customers)} customers and "
                f"{len(self.anonymous)} orders; seed the store first "
                "(`python -m actions.store seed`)."
            )

    def pick(self, rng: random.Random) -> Shopper:
        """A random shopper: signed in with :data:`SIGNED_IN_SHARE`, else anonymous."""
        if rng.random() < SIGNED_IN_SHARE:
            customer_id, number = rng.choice(self.customers)
            return Shopper(customer_id, number)
        number, email = rng.choice(self.anonymous)
        return Shopper(None, number, email)


def shopper_metadata(token: str | None) -> dict[str, Any]:
    """The message metadata the shop's page sends (the token when signed in)."""
    return {TOKEN_METADATA_KEY: token} if token else {}


def _entity(name: str, value: str, text: str) -> dict[str, Any]:
    start = text.find(value)
    return {
        "entity": name,
        "value": value,
        "start": start,
        "end": start + len(value),
        "extractor": "RegexEntityExtractor",
    }


def order_message(intent: str, wording: str, shopper: Shopper) -> Message:
    """A request about an order; an anonymous shopper adds number and e-mail."""
    if shopper.signed_in or not shopper.order_number or not shopper.email:
        return Message(wording, intent)
    text = f"{wording} It's order {shopper.order_number}, e-mail {shopper.email}."
    return Message(
        text,
        intent,
        (
            _entity(SLOT_ORDER_NUMBER, shopper.order_number, text),
            _entity(SLOT_EMAIL, shopper.email, text),
        ),
    )


def order_slots(shopper: Shopper) -> dict[str, Any]:
    """The slots extracted from :func:`order_message` (none when signed in)."""
    if shopper.signed_in or not shopper.order_number or not shopper.email:
        return {}
    return {SLOT_ORDER_NUMBER: shopper.order_number, SLOT_EMAIL: shopper.email}


def new_address(rng: random.Random) -> str:
    """A parseable address: "street and number, postcode city, country"."""
    postcode, city, country = rng.choice(CITIES)
    return f"{rng.choice(STREETS)} {rng.randint(1, 199)}, {postcode} {city}, {country}"


def _track_steps(shopper: Shopper) -> list[Step]:
    steps = [
        Step(
            ACTION_VALIDATE_TRACK_ORDER_FORM,
            order_message(INTENT_TRACK_ORDER, "Where is my order?", shopper),
            order_slots(shopper),
            FORM_TRACK_ORDER,
        ),
        Step(ACTION_ASK_ORDER_NUMBER, slots={SLOT_REQUESTED: SLOT_ORDER_NUMBER}),
    ]
    if shopper.signed_in and shopper.order_number:
        text = f"it's {shopper.order_number}"
        steps.append(
            Step(
                ACTION_VALIDATE_TRACK_ORDER_FORM,
                Message(
                    text,
                    INTENT_INFORM,
                    (_entity(SLOT_ORDER_NUMBER, shopper.order_number, text),),
                ),
                {SLOT_ORDER_NUMBER: shopper.order_number},
            )
        )
    steps.append(Step(ACTION_TRACK_ORDER, loop=None))
    return steps


def _cancel_steps(shopper: Shopper, rng: random.Random) -> list[Step]:
    message = order_message(INTENT_CANCEL_ORDER, "I want to cancel my order.", shopper)
    slots = order_slots(shopper)
    if shopper.signed_in and shopper.order_number:
        slots = {SLOT_ORDER_NUMBER: shopper.order_number}
    confirmed = shopper.signed_in and rng.random() < CANCEL_CONFIRMED_SHARE
    answer = (
        Message("yes, cancel it", INTENT_AFFIRM)
        if confirmed
        else Message("no, keep it", INTENT_DENY)
    )
    return [
        Step(ACTION_VALIDATE_CANCEL_ORDER_FORM, message, slots, FORM_CANCEL_ORDER),
        Step(
            ACTION_VALIDATE_CANCEL_ORDER_FORM,
            answer,
            {SLOT_REQUESTED: SLOT_CANCEL_CONFIRMED, SLOT_CANCEL_CONFIRMED: confirmed},
        ),
        Step(ACTION_CANCEL_ORDER, loop=None),
    ]


def round_steps(
    shopper: Shopper, rng: random.Random, *, with_retrieval: bool
) -> list[Step]:
    """The action calls of one conversation round, in order.

    Args:
        shopper: who plays the round.
        rng: the random source (address, cancel confirmation).
        with_retrieval: include ``action_answer_from_past_cases``.

    Returns:
        The steps; the first is ``action_session_start``.
    """
    address = new_address(rng)
    steps = [
        Step(ACTION_SESSION_START),
        Step(ACTION_GREET, Message("hi there", INTENT_GREET)),
        *_track_steps(shopper),
        Step(
            ACTION_CHANGE_ORDER,
            Message("can I still change my order?", INTENT_CHANGE_ORDER),
        ),
        Step(ACTION_REFUND_STATUS, Message("where is my refund?", INTENT_TRACK_REFUND)),
        *_cancel_steps(shopper, rng),
        Step(ACTION_ASK_EMAIL, slots={SLOT_REQUESTED: SLOT_EMAIL}),
        Step(
            ACTION_SAVE_ADDRESS,
            Message("yes, that's right", INTENT_AFFIRM),
            {
                SLOT_NEW_ADDRESS: address,
                SLOT_ADDRESS_CONFIRMED: True,
                SLOT_REQUESTED: None,
            },
            None,
        ),
    ]
    if with_retrieval:
        steps.append(
            Step(
                ACTION_ANSWER_FROM_PAST_CASES,
                Message(
                    "can I pay with a gift card on your site?", INTENT_NLU_FALLBACK
                ),
            )
        )
    steps += [
        Step(
            ACTION_HANDLE_COMPLAINT,
            Message(
                "This is ridiculous, my parcel arrived damaged and nobody answers!",
                INTENT_COMPLAINT,
            ),
        ),
        Step(
            ACTION_HANDOFF,
            Message("I want to talk to a real person", INTENT_CONTACT_HUMAN_AGENT),
        ),
    ]
    return steps


def actions_of(steps: Sequence[Step]) -> list[str]:
    """The distinct actions of ``steps``, in first-call order."""
    return list(dict.fromkeys(step.action for step in steps))
