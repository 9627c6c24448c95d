"""Pure: the live risk score that decides when a person takes over.

The score is a noisy-OR: each factor is an independent chance ``c_i`` that the
conversation needs a person, and ``score = 1 - prod(1 - c_i)``. With the weights
``w`` of :class:`RiskWeights` (all in [0, 1]):

=====================  =============================================  ========
factor                 chance ``c_i``                                  weight
=====================  =============================================  ========
churn                  ``w * p`` (p: churn probability; 0 if unknown)  0.5
complaint              ``1 - (1 - w) ** complaints``                   0.4
cancel / refund        ``1 - (1 - w) ** cancel_or_refund``             0.2
fallback               ``1 - (1 - w) ** fallbacks``                    0.1
fallbacks in a row     ``1 - (1 - w) ** (longest_run - 1)``            0.15
anger                  ``w * anger``                                   0.5
=====================  =============================================  ========

Every chance grows with its input and lies in [0, 1], so the score is bounded
and monotone in each signal. The churn probability alone reaches at most 0.5:
a likely churner who calmly tracks an order is not handed to a person, but one
complaint from them (p = 0.8: ``1 - 0.6 * 0.6 = 0.64``) crosses the default
threshold of 0.6. An anonymous shopper (no churn probability) is judged on the
conversation alone. Asking for a person always escalates, whatever the score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from actions.escalation.errors import RiskInputError
from actions.escalation.signals import ConversationSignals

REASON_ASKED_FOR_PERSON = "asked_for_person"
REASON_RISK_THRESHOLD = "risk_threshold"
ESCALATION_REASONS: tuple[str, ...] = (REASON_ASKED_FOR_PERSON, REASON_RISK_THRESHOLD)


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` as a float when it is a number in [0, 1].

    Raises:
        RiskInputError: it is not a finite number between 0 and 1.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RiskInputError(f"{name} is {value!r}; pass a number between 0 and 1.")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise RiskInputError(f"{name} is {value}; it must lie between 0 and 1.")
    return float(value)


@dataclass(frozen=True)
class RiskWeights:
    """The weights of the noisy-OR (see the module docstring); each in [0, 1]."""

    churn: float = 0.5
    complaint: float = 0.4
    cancel_or_refund: float = 0.2
    fallback: float = 0.1
    fallback_run: float = 0.15
    anger: float = 0.5

    def __post_init__(self) -> None:
        """Reject weights outside [0, 1]."""
        for spec in fields(self):
            check_fraction(f"risk weight '{spec.name}'", getattr(self, spec.name))


DEFAULT_WEIGHTS = RiskWeights()


@dataclass(frozen=True)
class RiskFactor:
    """One factor's share of the score.

    Attributes:
        name: the factor (``churn``, ``complaint``, ``cancel_or_refund``,
            ``fallback``, ``fallback_run``, ``anger``).
        chance: its chance ``c_i`` in [0, 1].
        text: what it means, for the agent (e.g. "2 complaints").
    """

    name: str
    chance: float
    text: str


@dataclass(frozen=True)
class RiskAssessment:
    """The live risk of a conversation.

    Attributes:
        score: the noisy-OR of the factors, in [0, 1].
        reasons: why, for the agent: a person was asked for (first, when so),
            then the factors that count, largest first.
        asked_for_human: the latest message asks for a person.
        churn_probability: the model's probability, None for anonymous shoppers.
        factors: every factor with a non-zero chance, largest first.
    """

    score: float
    reasons: tuple[str, ...] = ()
    asked_for_human: bool = False
    churn_probability: float | None = None
    factors: tuple[RiskFactor, ...] = ()

    def should_escalate(self, threshold: float) -> bool:
        """Whether a person should take over at this ``threshold`` (0 to 1).

        Raises:
            RiskInputError: the threshold is outside [0, 1].
        """
        return self.escalation_reason(threshold) is not None

    def escalation_reason(self, threshold: float) -> str | None:
        """Why a person should take over, or None.

        Args:
            threshold: the configured escalation threshold, 0 to 1.

        Returns:
            ``"asked_for_person"``, ``"risk_threshold"`` (score at or above the
            threshold) or None.

        Raises:
            RiskInputError: the threshold is outside [0, 1].
        """
        threshold = check_fraction("escalation threshold", threshold)
        if self.asked_for_human:
            return REASON_ASKED_FOR_PERSON
        if self.score >= threshold:
            return REASON_RISK_THRESHOLD
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "score": self.score,
            "reasons": list(self.reasons),
            "asked_for_human": self.asked_for_human,
            "churn_probability": self.churn_probability,
            "factors": [
                {"name": f.name, "chance": f.chance, "text": f.text}
                for f in self.factors
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskAssessment:
        """Rebuild an assessment from :meth:`to_dict`'s output.

        Raises:
            RiskInputError: a field is missing or out of range.
            KeyError, TypeError: the structure is not a risk assessment.
        """
        churn = data.get("churn_probability")
        return cls(
            score=check_fraction("risk score", data["score"]),
            reasons=tuple(str(reason) for reason in data.get("reasons", ())),
            asked_for_human=bool(data.get("asked_for_human", False)),
            churn_probability=(
                None if churn is None else check_fraction("churn probability", churn)
            ),
            factors=tuple(
                RiskFactor(
                    name=str(factor["name"]),
                    chance=check_fraction("factor chance", factor["chance"]),
                    text=str(factor["text"]),
                )
                for factor in data.get("factors", ())
            ),
        )


def _repeated(weight: float, times: int) -> float:
    """The chance that at least one of ``times`` independent tries fires."""
    return 1.0 - (1.0 - weight) ** max(0, times)


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def risk_factors(
    churn_probability: float | None,
    signals: ConversationSignals,
    weights: RiskWeights = DEFAULT_WEIGHTS,
) -> list[RiskFactor]:
    """Every factor's chance, in the order of the module docstring's table.

    Args:
        churn_probability: the churn model's probability, None when unknown.
        signals: the current session's signals.
        weights: the weights.

    Returns:
        All six factors, including those with chance 0.

    Raises:
        RiskInputError: the probability, anger or a count is out of range.
    """
    anger = check_fraction("anger score", signals.anger)
    counts = {
        "complaints": signals.complaints,
        "cancel_or_refund": signals.cancel_or_refund,
        "fallbacks": signals.fallbacks,
        "longest_fallback_run": signals.longest_fallback_run,
    }
    for name, count in counts.items():
        if count < 0:
            raise RiskInputError(f"signal '{name}' is {count}; counts cannot be < 0.")
    churn = (
        0.0
        if churn_probability is None
        else check_fraction("churn probability", churn_probability)
    )
    cues = ", ".join(signals.anger_cues)
    run = signals.longest_fallback_run
    return [
        RiskFactor(
            "churn",
            weights.churn * churn,
            f"churn probability {churn:.0%}",
        ),
        RiskFactor(
            "complaint",
            _repeated(weights.complaint, signals.complaints),
            _plural(signals.complaints, "complaint", "complaints"),
        ),
        RiskFactor(
            "cancel_or_refund",
            _repeated(weights.cancel_or_refund, signals.cancel_or_refund),
            _plural(
                signals.cancel_or_refund,
                "request to cancel or refund",
                "requests to cancel or refund",
            ),
        ),
        RiskFactor(
            "fallback",
            _repeated(weights.fallback, signals.fallbacks),
            _plural(signals.fallbacks, "message", "messages") + " not understood",
        ),
        RiskFactor(
            "fallback_run",
            _repeated(weights.fallback_run, run - 1),
            f"{run} misunderstood messages in a row",
        ),
        RiskFactor(
            "anger",
            weights.anger * anger,
            f"angry wording ({cues})" if cues else "angry wording",
        ),
    ]


def assess_risk(
    churn_probability: float | None,
    signals: ConversationSignals,
    weights: RiskWeights = DEFAULT_WEIGHTS,
) -> RiskAssessment:
    """Combine the churn probability with the conversation's signals.

    Args:
        churn_probability: the churn model's probability for this shopper, None
            for an anonymous shopper (the conversation alone then counts).
        signals: the current session's signals (:func:`conversation_signals`).
        weights: the noisy-OR weights.

    Returns:
        The score, the reasons and whether the shopper asked for a person; call
        :meth:`RiskAssessment.should_escalate` with the configured threshold.

    Raises:
        RiskInputError: the probability, anger or a count is out of range.
    """
    factors = risk_factors(churn_probability, signals, weights)
    calm = 1.0
    for factor in factors:
        calm *= 1.0 - factor.chance
    counted = sorted(
        (factor for factor in factors if factor.chance > 0.0),
        key=lambda factor: factor.chance,
        reverse=True,
    )
    reasons = [factor.text for factor in counted]
    if signals.asked_for_human:
        reasons.insert(0, "asked for a person")
    return RiskAssessment(
        score=min(1.0, max(0.0, 1.0 - calm)),
        reasons=tuple(reasons),
        asked_for_human=signals.asked_for_human,
        churn_probability=None
        if churn_probability is None
        else float(churn_probability),
        factors=tuple(counted),
    )
