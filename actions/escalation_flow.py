"""Bringing in a person: live risk, handoff packet, offer, pause.

:func:`escalate_if_at_risk` runs at the end of the actions that answer
complaints, cancellations and refunds and of the fallback answer; it hands the
conversation over when the live risk score crosses the configured threshold.
:func:`hand_off` does the handover itself: it picks the offer to suggest to the
agent for a known shopper (or records the hold-out) without granting it, writes
the handoff with its packet (to the spool when the store is down, so nothing is
lost), tells the shopper honestly what happens next and pauses the bot for the
conversation. The agent grants the suggested offer from the console
(:func:`actions.handoffs.offers.grant_suggested_offer`), so the bot never
promises one.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import customer_messages
from actions.constants import SLOT_HANDOFF_ID
from actions.customer import current_identity
from actions.errors import ActionsError, StoreUnavailableError
from actions.escalation.events import latest_intent_ranking, transcript, trigger_key
from actions.escalation.packet import build_packet
from actions.escalation.risk import RiskAssessment, assess_risk
from actions.escalation.signals import conversation_signals
from actions.handoffs.spool import save_handoff
from actions.offers.grants import OfferDecision, decide_offer
from actions.offers.ranking import OfferProfile
from actions.settings import get_settings
from actions.shop import ShopConfig, shop_or_neutral
from actions.store import queries
from actions.store.clock import utcnow
from actions.store.db import default_engine, session_scope
from actions.store.features import churn_features
from actions.store.records import CustomerProfile

logger = logging.getLogger(__name__)

RETRIEVAL_CANDIDATES = 3
# Custom JSON key announcing a handoff to the web widget's channel
# (bot.chat.output.HANDOFF_MARKER).
HANDOFF_MARKER = "shopbot_handoff"
WIDGET_CHANNEL = "shopbot"
CHURN_CACHE_SIZE = 4096
# Churn scores per loaded model and feature row (see churn_scores); an entry
# goes when its model is garbage-collected (after a retrained one replaced it).
_CHURN_SCORES: weakref.WeakKeyDictionary[
    Any, dict[tuple[Any, ...], tuple[float, tuple[Any, ...]]]
] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ShopperContext:
    """What the store and the churn model say about a known shopper."""

    profile: CustomerProfile
    features: dict[str, object]
    churn_probability: float | None
    churn_reasons: tuple[Any, ...]


def _features_key(features: dict[str, object]) -> tuple[Any, ...] | None:
    """A hashable form of a feature row; None when a value is not hashable."""
    key = tuple(sorted(features.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


@lru_cache(maxsize=1)
def _one_openmp_thread() -> None:
    """Score with one OpenMP thread: the server runs many requests at once on
    few cores, and gradient boosting's thread team costs more than it saves
    (70-250 ms a score under contention against a steady ~35 ms)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="openmp")


def churn_scores(features: dict[str, object]) -> tuple[float | None, tuple[Any, ...]]:
    """Churn probability and top reasons; (None, ()) when no model is trained.

    The scores of a feature row are remembered per loaded model (up to
    :data:`CHURN_CACHE_SIZE` rows): the model is deterministic, and one
    conversation checks the same shopper after each refund, cancellation and
    complaint question, each check costing two passes over the ensemble.
    """
    from actions.churn.model import load_churn_model

    try:
        model = load_churn_model()
        key = _features_key(features)
        remembered = _CHURN_SCORES.setdefault(model, {})
        if key is not None and key in remembered:
            return remembered[key]
        _one_openmp_thread()
        probability, reasons = model.score(features, k=3)
        scores = (probability, tuple(reasons))
    except (ActionsError, OSError, ValueError):
        logger.exception("Churn model unavailable; escalating on conversation alone.")
        return None, ()
    if key is not None:
        if len(remembered) >= CHURN_CACHE_SIZE:
            remembered.pop(next(iter(remembered)))
        remembered[key] = scores
    return scores


def shopper_context(customer_id: int) -> ShopperContext | None:
    """Load the profile and churn figures; None when unknown or the store is down."""
    now = utcnow()
    try:
        with session_scope() as session:
            profile = queries.get_customer(customer_id, session=session, now=now)
            if profile is None:
                return None
            features = churn_features(
                session=session, customer_id=customer_id, as_of=now
            )
    except StoreUnavailableError:
        logger.exception("Profile lookup failed for customer %s.", customer_id)
        return None
    probability, reasons = churn_scores(features)
    return ShopperContext(profile, features, probability, reasons)


def offer_profile(context: ShopperContext) -> OfferProfile:
    """The offer ranking's view of a shopper."""
    features = context.features

    def number(name: str) -> float:
        value = features.get(name)
        return float(value) if isinstance(value, int | float) else 0.0

    category = features.get("PreferedOrderCat")
    return OfferProfile(
        customer_id=context.profile.id,
        loyalty_tier=context.profile.loyalty_tier,
        preferred_category=category if isinstance(category, str) else None,
        cashback_amount=number("CashbackAmount"),
        coupons_used=int(number("CouponUsed")),
        order_count=context.profile.order_count,
        churn_probability=context.churn_probability,
        complained_recently=context.profile.recent_complaint_count > 0
        or number("Complain") > 0,
        personalisation_consent=context.profile.personalisation_consent,
    )


def _offer(
    context: ShopperContext | None, conversation_id: str
) -> OfferDecision | None:
    """Decide the offer to suggest to the agent (not granted); None when none.

    The hold-out assignment is recorded here, as when the bot granted offers
    itself, so the uplift analysis still sees every eligible shopper.
    """
    if context is None:
        return None
    settings = get_settings()
    try:
        with session_scope() as session:
            return decide_offer(
                session=session,
                profile=offer_profile(context),
                conversation_id=conversation_id,
                holdout_share=settings.offer_holdout_share,
                now=utcnow(),
                grant=False,
            )
    except (StoreUnavailableError, ActionsError, ValueError):
        logger.exception("No offer decided for conversation '%s'.", conversation_id)
        return None


def retrieval_candidates(text: str) -> list[dict[str, Any]]:
    """The past cases closest to the shopper's latest message ([] when none)."""
    if not text.strip():
        return []
    from actions.faq import get_retriever, index_dir

    directory = index_dir()
    if not Path(directory).is_dir():
        # Not built or not configured: say so in one line, not a traceback and
        # a failed load on every handoff.
        logger.warning(
            "No retrieval index at '%s'; the handoff packet has no past cases.",
            directory,
        )
        return []
    try:
        hits = get_retriever(directory).search([text], k=RETRIEVAL_CANDIDATES)[0]
    except Exception:  # noqa: BLE001 - the packet is still useful without them
        logger.exception("Retrieval candidates unavailable for the handoff packet.")
        return []
    return [
        {
            "question": hit.record.question,
            "answer": hit.record.answer,
            "score": hit.score,
        }
        for hit in hits
    ]


def profile_summary(profile: CustomerProfile, orders: Sequence[Any]) -> dict[str, Any]:
    """The profile part of the packet (no contact data)."""
    last = orders[0] if orders else None
    return {
        "customer_id": profile.id,
        "name": profile.name,
        "tier": profile.loyalty_tier,
        "order_count": profile.order_count,
        "lifetime_value_cents": profile.lifetime_value_cents,
        "currency": last.currency if last else "USD",
        "last_order": None
        if last is None
        else {
            "number": last.number,
            "status": last.status,
            "placed_at": last.placed_at.isoformat(),
        },
        "open_tickets": profile.open_ticket_count,
    }


def handoff_message(shop: ShopConfig, stored: bool) -> str:
    """Tell the shopper honestly what happens next.

    No offer is mentioned: the agent decides whether to grant the suggested one.
    """
    text = (
        "I've asked a person from our customer service team to take over this "
        "conversation. They'll see everything we've talked about, so you won't "
        "need to repeat yourself, and their reply will appear right here. Our team "
        f"works {shop.support_hours}; outside those hours you'll hear from us as "
        "soon as we're back. Until then I'll stay quiet in this chat."
    )
    if not stored:
        text += (
            " (Our systems are slow right now, so it may take a little longer; "
            "your request is saved.)"
        )
    return text


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    risk: RiskAssessment | None = None,
    context: ShopperContext | None = None,
) -> list[dict[str, Any]]:
    """Create the handoff, tell the shopper, pause the bot.

    Args:
        dispatcher: sends the message.
        tracker: the conversation.
        reason: ``"asked_for_person"`` or ``"risk_threshold"``.
        risk: the live risk assessment (computed here when None).
        context: the shopper's profile and churn figures, if already loaded.

    Returns:
        The events: the handoff id slot and ``ConversationPaused``.
    """
    shop = shop_or_neutral()
    identity = current_identity(tracker)
    if context is None and identity.customer_id is not None:
        context = shopper_context(identity.customer_id)
    if risk is None:
        risk = assess_risk(
            context.churn_probability if context else None,
            conversation_signals(tracker.events),
        )
    decision = _offer(context, tracker.sender_id)
    orders: list[Any] = []
    if context is not None:
        try:
            with session_scope() as session:
                orders = queries.recent_orders(context.profile.id, 1, session=session)
        except StoreUnavailableError:
            logger.exception("Recent orders unavailable for the handoff packet.")
    latest_text = str((tracker.latest_message or {}).get("text") or "")
    offer = None
    if decision is not None and decision.offer is not None:
        offer = {
            "code": decision.offer.candidate.code,
            "title": decision.offer.candidate.title,
            "arm": decision.arm,
        }
    now = utcnow()
    packet = build_packet(
        conversation_id=tracker.sender_id,
        reason=reason,
        risk=risk,
        now=now,
        profile=profile_summary(context.profile, orders) if context else None,
        churn_probability=context.churn_probability if context else None,
        churn_reasons=context.churn_reasons if context else (),
        intent_ranking=latest_intent_ranking(tracker.events),
        transcript=transcript(tracker.events),
        retrieval_candidates=retrieval_candidates(latest_text),
        suggested_offer=offer,
    )
    settings = get_settings()
    try:
        result = save_handoff(
            engine=default_engine(),
            spool_path=settings.handoff_spool,
            key=trigger_key(tracker.sender_id, tracker.events),
            packet=packet,
            now=now,
        )
    except ActionsError:
        logger.exception("Handoff for '%s' could not be saved.", tracker.sender_id)
        dispatcher.utter_message(text=customer_messages.store_unavailable(shop))
        return []
    logger.info(
        "Handed conversation '%s' to a person (%s, risk %.2f, handoff %s).",
        tracker.sender_id,
        reason,
        risk.score,
        result.handoff_id,
    )
    dispatcher.utter_message(text=handoff_message(shop, result.stored))
    if tracker.get_latest_input_channel() == WIDGET_CHANNEL:
        # Tells the web widget's channel that a handoff was made; the widget
        # does not show it, and other channels never get it.
        dispatcher.utter_message(
            json_message={HANDOFF_MARKER: {"handoff_id": result.handoff_id}}
        )
    return [SlotSet(SLOT_HANDOFF_ID, result.handoff_id), ConversationPaused()]


def escalate_if_at_risk(
    dispatcher: CollectingDispatcher, tracker: Tracker, trigger: str
) -> list[dict[str, Any]]:
    """Hand over when the live risk crosses the threshold; else do nothing.

    Args:
        dispatcher: sends the handoff message.
        tracker: the conversation.
        trigger: what prompted the check (for the log), e.g. ``"complaint"``.

    Returns:
        The handoff's events, or [] when the shopper stays with the bot.
    """
    identity = current_identity(tracker)
    context = (
        shopper_context(identity.customer_id)
        if identity.customer_id is not None
        else None
    )
    risk = assess_risk(
        context.churn_probability if context else None,
        conversation_signals(tracker.events),
    )
    threshold = get_settings().escalation_threshold
    if not risk.should_escalate(threshold):
        logger.debug(
            "Risk %.2f below %.2f after %s for '%s'.",
            risk.score,
            threshold,
            trigger,
            tracker.sender_id,
        )
        return []
    return hand_off(dispatcher, tracker, "risk_threshold", risk, context)
