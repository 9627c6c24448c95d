"""Pure: what the benchmark's shoppers say.

A fixed, weighted mix of everyday questions that the bot answers itself:
greetings, order tracking with a real order number (a signed-in customer names
an order of theirs; an anonymous shopper names an order and the e-mail address
it was placed with, in one message, so the track-order form completes in one
turn), payment methods, delivery options and times, the refund policy, the
newsletter, accounts, thanks and goodbyes. Nothing in it may lead to a
handoff, which pauses the bot for the conversation: no complaints, requests
for a person, cancellations, refund tracking (those escalate on risk), payment
problems (they offer a person) or off-topic questions (answered from past
cases, or handed over). :data:`HANDOFF_INTENTS` names them; the mix is checked
against it, against ``domain.yml`` and the rules in the tests, and against the
running model before every run (:func:`check_parse`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.bench.errors import MixMismatchError

# Intents whose handling can hand the conversation to a person (directly, by
# offering one, or through the live risk check at the end of their action).
HANDOFF_INTENTS: frozenset[str] = frozenset(
    {
        "complaint",
        "contact_human_agent",
        "contact_customer_service",
        "payment_issue",
        "cancel_order",
        "track_refund",
        "out_of_scope",
        "nlu_fallback",
        # Yes to an offered person, or to a cancellation.
        "affirm",
    }
)
# Actions that hand over, offer a person or may escalate: none of the mix's
# rules may run them.
HANDOFF_ACTIONS: frozenset[str] = frozenset(
    {
        "action_handoff",
        "action_handle_complaint",
        "action_answer_from_past_cases",
        "action_refund_status",
        "action_cancel_order",
        "utter_offer_handoff",
    }
)
# How sure the model must be of a mix message's intent (the pipeline's
# FallbackClassifier threshold is 0.5; the margin keeps the check meaningful
# for order numbers and addresses other than the sampled ones).
MIN_CONFIDENCE = 0.8
PLACEHOLDERS = ("{number}", "{email}")


@dataclass(frozen=True)
class Topic:
    """One kind of message in the mix.

    Attributes:
        intent: the intent every wording must parse as.
        weight: its share of the mix (relative to the other topics).
        wordings: what a shopper types; ``{number}`` is an order number of
            theirs, ``{email}`` its e-mail address.
        anonymous_wordings: wordings for anonymous shoppers where they differ
            (empty: the same as ``wordings``).
        entities: entities every wording must yield.
    """

    intent: str
    weight: float
    wordings: tuple[str, ...]
    anonymous_wordings: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse an empty or unusable topic."""
        if not self.wordings or not self.weight > 0:
            raise ValueError(
                f"Topic '{self.intent}' needs at least one wording and a positive "
                f"weight (got {len(self.wordings)} wordings, weight {self.weight})."
            )
        if self.intent in HANDOFF_INTENTS:
            raise ValueError(
                f"Topic '{self.intent}' can hand the conversation over; the mix "
                "must keep the bot answering."
            )

    def wordings_for(self, signed_in: bool) -> tuple[str, ...]:
        """The wordings a signed-in or anonymous shopper uses."""
        if signed_in or not self.anonymous_wordings:
            return self.wordings
        return self.anonymous_wordings

    @property
    def needs_order(self) -> bool:
        """Whether the wordings name an order."""
        return any(
            mark in wording
            for wording in (*self.wordings, *self.anonymous_wordings)
            for mark in PLACEHOLDERS
        )


MIX: tuple[Topic, ...] = (
    Topic("greet", 14, ("hi", "hello there", "good morning", "hey")),
    Topic(
        "track_order",
        24,
        ("where is my order {number}?", "track order {number}"),
        anonymous_wordings=("track order {number} for {email}",),
        entities=("order_number",),
    ),
    Topic(
        "check_payment_methods",
        10,
        ("what payment methods do you accept?", "which payment methods do you accept?"),
    ),
    Topic(
        "delivery_options",
        10,
        (
            "what delivery options do you have?",
            "what are your shipping options?",
            "do you offer express delivery?",
        ),
    ),
    Topic("delivery_period", 8, ("how long does delivery take?",)),
    Topic(
        "check_refund_policy",
        8,
        ("what is your refund policy?", "what's your return policy?"),
    ),
    Topic(
        "newsletter_subscription",
        5,
        (
            "I want to subscribe to your newsletter",
            "how do I sign up for the newsletter?",
        ),
    ),
    Topic("create_account", 3, ("how do I create an account?",)),
    Topic("bot_challenge", 3, ("are you a bot?",)),
    Topic("thank", 10, ("thanks", "thank you very much", "thanks a lot")),
    Topic("goodbye", 5, ("bye", "goodbye", "bye bye")),
)


@dataclass(frozen=True)
class Persona:
    """Who a benchmark shopper is.

    Attributes:
        customer_id: the signed-in customer (None: anonymous).
        order_number: an order of theirs (None: they have none, so they do
            not ask about orders).
        email: the order's e-mail address (anonymous shoppers).
    """

    customer_id: int | None
    order_number: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        """An anonymous shopper needs an order and its e-mail address."""
        if self.customer_id is None and not (self.order_number and self.email):
            raise ValueError(
                "An anonymous benchmark shopper needs an order number and its "
                f"e-mail address (got {self.order_number!r}, {self.email!r})."
            )

    @property
    def signed_in(self) -> bool:
        """True for a customer with a token."""
        return self.customer_id is not None


@dataclass(frozen=True)
class Line:
    """One message a shopper will send: its text and the intent it stands for."""

    text: str
    intent: str
    entities: tuple[str, ...] = ()


def fill(wording: str, persona: Persona) -> str:
    """A wording with the persona's order number and e-mail address in it.

    Raises:
        ValueError: the wording names something the persona does not have.
    """
    if "{number}" in wording and not persona.order_number:
        raise ValueError(f"'{wording}' needs an order number; the shopper has none.")
    if "{email}" in wording and not persona.email:
        raise ValueError(f"'{wording}' needs an e-mail address; the shopper has none.")
    return wording.replace("{number}", persona.order_number or "").replace(
        "{email}", persona.email or ""
    )


def topics_for(persona: Persona, mix: Sequence[Topic] = MIX) -> list[Topic]:
    """The topics this shopper can bring up (no orders: no order questions)."""
    return [topic for topic in mix if persona.order_number or not topic.needs_order]


def draw_lines(
    persona: Persona, count: int, rng: random.Random, mix: Sequence[Topic] = MIX
) -> list[Line]:
    """``count`` messages drawn from the mix by weight, then a wording each.

    Args:
        persona: who speaks.
        count: how many messages.
        rng: the random source (seeded by the caller, so runs repeat).
        mix: the topics.

    Returns:
        The messages, in sending order.

    Raises:
        ValueError: ``count`` is negative or no topic fits the shopper.
    """
    if count < 0:
        raise ValueError(f"count is {count}; use 0 or more.")
    topics = topics_for(persona, mix)
    if not topics:
        raise ValueError("No topic of the mix fits this shopper.")
    weights = [topic.weight for topic in topics]
    lines = []
    for topic in rng.choices(topics, weights=weights, k=count):
        wording = rng.choice(topic.wordings_for(persona.signed_in))
        lines.append(Line(fill(wording, persona), topic.intent, topic.entities))
    return lines


def every_line(persona: Persona, mix: Sequence[Topic] = MIX) -> list[Line]:
    """Every wording of every topic this shopper can use, once each (priming and
    the mix check)."""
    return [
        Line(fill(wording, persona), topic.intent, topic.entities)
        for topic in topics_for(persona, mix)
        for wording in topic.wordings_for(persona.signed_in)
    ]


def first_lines(persona: Persona, mix: Sequence[Topic] = MIX) -> list[Line]:
    """The first wording of every topic this shopper can use (priming: each
    action the mix reaches runs once)."""
    return [
        Line(fill(topic.wordings_for(persona.signed_in)[0], persona), topic.intent,
             topic.entities)
        for topic in topics_for(persona, mix)
    ]  # fmt: skip


def check_parse(line: Line, parsed: Mapping[str, Any]) -> str | None:
    """Whether the model's parse of a mix message is what the mix needs.

    Args:
        line: the message and the intent it stands for.
        parsed: Rasa's ``/model/parse`` answer for its text.

    Returns:
        None when it parses as its intent with at least
        :data:`MIN_CONFIDENCE` and yields its entities; else what is wrong.
    """
    intent = parsed.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    if name != line.intent:
        return (
            f"'{line.text}' parses as '{name}' ({confidence:.2f}), not "
            f"'{line.intent}'"
        )
    if confidence < MIN_CONFIDENCE:
        return (
            f"'{line.text}' parses as '{name}' with confidence {confidence:.2f}, "
            f"below {MIN_CONFIDENCE}"
        )
    found = {entity.get("entity") for entity in parsed.get("entities") or []}
    missing = [entity for entity in line.entities if entity not in found]
    if missing:
        return f"'{line.text}' yields no {', '.join(missing)} entity"
    return None


def raise_on_mismatch(problems: Sequence[str]) -> None:
    """Stop the run when a mix message would not be answered as meant.

    Raises:
        MixMismatchError: naming every problem and how to fix it.
    """
    if problems:
        raise MixMismatchError(
            "The message mix does not fit the model: "
            + "; ".join(problems)
            + ". Reword or drop these in bot/bench/mix.py (MIX), or retrain the "
            "model (`make model`)."
        )
