"""Pure: the handoff packet, everything the agent reads when taking over.

The packet is stored as JSON (``handoffs.packet``, or a spool line during an
outage) and carries :data:`PACKET_SCHEMA_VERSION`, so a later console can tell
packet versions apart. It holds the shopper's profile summary (no email or
address), the churn probability and its top reasons, the intent ranking of the
latest message, the transcript as typed, the retrieval candidates, the suggested
offer and the live risk. It never holds message metadata: the transcript is
built from texts only (:func:`actions.escalation.events.transcript`), which keeps
the shopper's token out of it.

Every input goes through the same parsers as :meth:`HandoffPacket.from_dict`,
so a built packet and a loaded one are checked alike.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from actions.escalation.errors import PacketError, RiskInputError
from actions.escalation.events import (
    DEFAULT_TRANSCRIPT_LINES,
    IntentScore,
    TranscriptLine,
)
from actions.escalation.risk import ESCALATION_REASONS, RiskAssessment

PACKET_SCHEMA_VERSION = 1
OFFER_ARMS: tuple[str, ...] = ("offer", "holdout")
SPEAKERS: tuple[str, ...] = ("shopper", "bot")
MAX_CHURN_REASONS = 5
MAX_RETRIEVAL_CANDIDATES = 5


@dataclass(frozen=True)
class LastOrder:
    """The shopper's latest order.

    Attributes:
        number: the order number, e.g. ``ORD-10042``.
        status: its status (see ``actions.store.schema.ORDER_STATUSES``).
        placed_at: ISO 8601 time it was placed, None when unknown.
    """

    number: str
    status: str
    placed_at: str | None = None


@dataclass(frozen=True)
class ProfileSummary:
    """What the agent needs to know about a signed-in shopper (no contact data).

    Attributes:
        customer_id: the customer's id in the profile store.
        name: the name to greet them with.
        tier: loyalty tier (bronze, silver, gold, platinum).
        order_count: orders placed so far.
        lifetime_value_cents: what they have spent, in cents.
        currency: the currency of ``lifetime_value_cents``.
        last_order: their latest order, None when they have none.
        open_tickets: support tickets still open.
    """

    customer_id: int
    name: str
    tier: str
    order_count: int = 0
    lifetime_value_cents: int = 0
    currency: str = "USD"
    last_order: LastOrder | None = None
    open_tickets: int = 0


@dataclass(frozen=True)
class ChurnReason:
    """One reason of the churn model (see ``actions.churn.reasons.Reason``)."""

    feature: str
    text: str
    contribution: float


@dataclass(frozen=True)
class RetrievalCandidate:
    """A past support case retrieval found for the latest message."""

    question: str
    answer: str
    score: float


@dataclass(frozen=True)
class SuggestedOffer:
    """The retention offer chosen for the shopper.

    Attributes:
        code: the offer's code.
        title: its title, for the agent.
        arm: ``"offer"`` (the agent may give it) or ``"holdout"`` (the shopper
            is in the control group: do not give it).
    """

    code: str
    title: str
    arm: str


@dataclass(frozen=True)
class HandoffPacket:
    """Everything the agent reads when taking over a conversation."""

    conversation_id: str
    reason: str
    created_at: str
    risk: RiskAssessment
    profile: ProfileSummary | None = None
    churn_probability: float | None = None
    churn_reasons: tuple[ChurnReason, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = ()
    transcript: tuple[TranscriptLine, ...] = ()
    retrieval_candidates: tuple[RetrievalCandidate, ...] = ()
    suggested_offer: SuggestedOffer | None = None
    schema_version: int = PACKET_SCHEMA_VERSION

    @property
    def customer_id(self) -> int | None:
        """The customer's id, None for an anonymous shopper."""
        return self.profile.customer_id if self.profile else None

    def last_shopper_text(self) -> str | None:
        """The shopper's latest message in the transcript, None when none."""
        for line in reversed(self.transcript):
            if line.speaker == "shopper":
                return line.text
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The packet as JSON text (UTF-8 kept as is, fields in declared order)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> HandoffPacket:
        """Read a packet written by :meth:`to_json`.

        Raises:
            PacketError: the text is not JSON or not a valid packet.
        """
        try:
            data = json.loads(text)
        except ValueError as error:
            raise PacketError(
                f"The handoff packet is not valid JSON ({error}); it was not "
                "written by HandoffPacket.to_json."
            ) from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> HandoffPacket:
        """Read a packet from :meth:`to_dict`'s output.

        Raises:
            PacketError: a field is missing, of the wrong type or out of range,
                or the schema version is not one this code understands.
        """
        data = _mapping(data, "packet")
        version = _int(_get(data, "schema_version", "packet"), "schema_version")
        if version != PACKET_SCHEMA_VERSION:
            raise PacketError(
                f"Handoff packet schema version {version} is not supported; this "
                f"code reads version {PACKET_SCHEMA_VERSION}. Upgrade shopbot "
                "to read newer packets."
            )
        return _packet(data, version)


def build_packet(
    *,
    conversation_id: str,
    reason: str,
    risk: RiskAssessment,
    now: datetime,
    profile: ProfileSummary | Mapping[str, Any] | None = None,
    churn_probability: float | None = None,
    churn_reasons: Sequence[Any] = (),
    intent_ranking: Sequence[Any] = (),
    transcript: Sequence[Any] = (),
    retrieval_candidates: Sequence[Any] = (),
    suggested_offer: SuggestedOffer | Mapping[str, Any] | None = None,
    max_transcript_lines: int = DEFAULT_TRANSCRIPT_LINES,
) -> HandoffPacket:
    """Assemble and check a handoff packet.

    Nested inputs may be this module's dataclasses, other dataclasses with the
    same fields (e.g. ``actions.churn.reasons.Reason``) or mappings; unknown
    keys (an email, say) are not copied.

    Args:
        conversation_id: the tracker's sender id.
        reason: ``"asked_for_person"`` or ``"risk_threshold"``.
        risk: the live risk assessment.
        now: when the handoff is made (naive datetimes are taken as UTC).
        profile: the shopper's profile summary, None when anonymous. Keys:
            ``customer_id`` (or ``id``), ``name``, ``tier`` (or
            ``loyalty_tier``), ``order_count``, ``lifetime_value_cents``,
            ``currency``, ``last_order`` ({number, status, placed_at}),
            ``open_tickets``.
        churn_probability: the churn model's probability, None when unknown.
        churn_reasons: {feature, text, contribution}, largest first (the first
            :data:`MAX_CHURN_REASONS` are kept).
        intent_ranking: {name, confidence} of the latest message.
        transcript: {speaker, text, at}, oldest first (the last
            ``max_transcript_lines`` are kept).
        retrieval_candidates: {question, answer, score}, best first (the first
            :data:`MAX_RETRIEVAL_CANDIDATES` are kept).
        suggested_offer: {code, title, arm}, None when no offer fits.
        max_transcript_lines: how many transcript lines to keep.

    Returns:
        The packet.

    Raises:
        PacketError: an input is missing a field or has a bad value.
    """
    lines = list(_list(transcript, "transcript"))
    data: dict[str, Any] = {
        "schema_version": PACKET_SCHEMA_VERSION,
        "conversation_id": conversation_id,
        "reason": reason,
        "created_at": _iso_utc(now),
        "risk": risk,
        "profile": profile,
        "churn_probability": churn_probability,
        "churn_reasons": list(_list(churn_reasons, "churn_reasons"))[
            :MAX_CHURN_REASONS
        ],
        "intent_ranking": list(_list(intent_ranking, "intent_ranking")),
        "transcript": lines[-max_transcript_lines:] if max_transcript_lines > 0 else [],
        "retrieval_candidates": list(
            _list(retrieval_candidates, "retrieval_candidates")
        )[:MAX_RETRIEVAL_CANDIDATES],
        "suggested_offer": suggested_offer,
    }
    return _packet(data, PACKET_SCHEMA_VERSION)


def _packet(data: Mapping[str, Any], version: int) -> HandoffPacket:
    reason = _str(_get(data, "reason", "packet"), "reason")
    if reason not in ESCALATION_REASONS:
        raise PacketError(
            f"Handoff reason is '{reason}'; use one of {', '.join(ESCALATION_REASONS)}."
        )
    conversation_id = _str(_get(data, "conversation_id", "packet"), "conversation_id")
    if not conversation_id:
        raise PacketError("The packet's conversation_id is empty; pass the sender id.")
    churn = data.get("churn_probability")
    return HandoffPacket(
        schema_version=version,
        conversation_id=conversation_id,
        reason=reason,
        created_at=_str(_get(data, "created_at", "packet"), "created_at"),
        risk=_risk(_get(data, "risk", "packet")),
        profile=None if data.get("profile") is None else _profile(data["profile"]),
        churn_probability=None
        if churn is None
        else _fraction(churn, "churn_probability"),
        churn_reasons=tuple(
            _churn_reason(item, f"churn_reasons[{i}]")
            for i, item in enumerate(
                _list(data.get("churn_reasons", ()), "churn_reasons")
            )
        ),
        intent_ranking=tuple(
            _intent_score(item, f"intent_ranking[{i}]")
            for i, item in enumerate(
                _list(data.get("intent_ranking", ()), "intent_ranking")
            )
        ),
        transcript=tuple(
            _line(item, f"transcript[{i}]")
            for i, item in enumerate(_list(data.get("transcript", ()), "transcript"))
        ),
        retrieval_candidates=tuple(
            _candidate(item, f"retrieval_candidates[{i}]")
            for i, item in enumerate(
                _list(data.get("retrieval_candidates", ()), "retrieval_candidates")
            )
        ),
        suggested_offer=(
            None
            if data.get("suggested_offer") is None
            else _offer(data["suggested_offer"])
        ),
    )


# --- field parsers ------------------------------------------------------------


def _risk(value: Any) -> RiskAssessment:
    if isinstance(value, RiskAssessment):
        return value
    try:
        return RiskAssessment.from_dict(_mapping(value, "risk"))
    except (KeyError, TypeError, RiskInputError) as error:
        raise PacketError(f"The packet's risk is malformed ({error!r}).") from error


def _profile(value: Any) -> ProfileSummary:
    data = _mapping(value, "profile")
    customer_id = data.get("customer_id", data.get("id"))
    tier = data.get("tier", data.get("loyalty_tier"))
    last = data.get("last_order")
    return ProfileSummary(
        customer_id=_int(customer_id, "profile.customer_id"),
        name=_str(_get(data, "name", "profile"), "profile.name"),
        tier=_str(tier, "profile.tier"),
        order_count=_count(data.get("order_count", 0), "profile.order_count"),
        lifetime_value_cents=_int(
            data.get("lifetime_value_cents", 0), "profile.lifetime_value_cents"
        ),
        currency=_str(data.get("currency", "USD"), "profile.currency"),
        last_order=None if last is None else _last_order(last),
        open_tickets=_count(data.get("open_tickets", 0), "profile.open_tickets"),
    )


def _last_order(value: Any) -> LastOrder:
    data = _mapping(value, "profile.last_order")
    placed = data.get("placed_at")
    if isinstance(placed, datetime | date):
        placed = placed.isoformat()
    return LastOrder(
        number=_str(_get(data, "number", "profile.last_order"), "last_order.number"),
        status=_str(_get(data, "status", "profile.last_order"), "last_order.status"),
        placed_at=None if placed is None else _str(placed, "last_order.placed_at"),
    )


def _churn_reason(value: Any, where: str) -> ChurnReason:
    data = _mapping(value, where)
    return ChurnReason(
        feature=_str(_get(data, "feature", where), f"{where}.feature"),
        text=_str(_get(data, "text", where), f"{where}.text"),
        contribution=_number(
            _get(data, "contribution", where), f"{where}.contribution"
        ),
    )


def _intent_score(value: Any, where: str) -> IntentScore:
    data = _mapping(value, where)
    return IntentScore(
        name=_str(_get(data, "name", where), f"{where}.name"),
        confidence=_fraction(_get(data, "confidence", where), f"{where}.confidence"),
    )


def _line(value: Any, where: str) -> TranscriptLine:
    data = _mapping(value, where)
    speaker = _str(_get(data, "speaker", where), f"{where}.speaker")
    if speaker not in SPEAKERS:
        raise PacketError(f"{where}.speaker is '{speaker}'; use 'shopper' or 'bot'.")
    at = data.get("at")
    return TranscriptLine(
        speaker="shopper" if speaker == "shopper" else "bot",
        text=_str(_get(data, "text", where), f"{where}.text"),
        at=None if at is None else _str(at, f"{where}.at"),
    )


def _candidate(value: Any, where: str) -> RetrievalCandidate:
    data = _mapping(value, where)
    return RetrievalCandidate(
        question=_str(_get(data, "question", where), f"{where}.question"),
        answer=_str(_get(data, "answer", where), f"{where}.answer"),
        score=_number(_get(data, "score", where), f"{where}.score"),
    )


def _offer(value: Any) -> SuggestedOffer:
    data = _mapping(value, "suggested_offer")
    arm = _str(_get(data, "arm", "suggested_offer"), "suggested_offer.arm")
    if arm not in OFFER_ARMS:
        raise PacketError(
            f"suggested_offer.arm is '{arm}'; use one of {', '.join(OFFER_ARMS)}."
        )
    return SuggestedOffer(
        code=_str(_get(data, "code", "suggested_offer"), "suggested_offer.code"),
        title=_str(_get(data, "title", "suggested_offer"), "suggested_offer.title"),
        arm=arm,
    )


# --- scalar checks ------------------------------------------------------------


def _iso_utc(moment: datetime) -> str:
    if not isinstance(moment, datetime):
        raise PacketError(f"now is {moment!r}; pass a datetime.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return value
    raise PacketError(f"{where} is {type(value).__name__}; expected a mapping.")


def _list(value: Any, where: str) -> Sequence[Any]:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    raise PacketError(f"{where} is {type(value).__name__}; expected a list.")


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise PacketError(f"{where} has no '{key}'; add it.")
    return data[key]


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PacketError(f"{where} is {value!r}; expected text.")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise PacketError(f"{where} is {value!r}; expected a whole number.")
    return int(value)


def _count(value: Any, where: str) -> int:
    number = _int(value, where)
    if number < 0:
        raise PacketError(f"{where} is {number}; it cannot be negative.")
    return number


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PacketError(f"{where} is {value!r}; expected a number.")
    if not math.isfinite(value):
        raise PacketError(f"{where} is {value}; expected a finite number.")
    return float(value)


def _fraction(value: Any, where: str) -> float:
    number = _number(value, where)
    if not 0.0 <= number <= 1.0:
        raise PacketError(f"{where} is {number}; it must lie between 0 and 1.")
    return number
