"""The live risk score: bounds, monotonicity and the escalation decision."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from actions.escalation.errors import RiskInputError
from actions.escalation.risk import (
    DEFAULT_WEIGHTS,
    REASON_ASKED_FOR_PERSON,
    REASON_RISK_THRESHOLD,
    RiskAssessment,
    RiskWeights,
    assess_risk,
)
from actions.escalation.signals import ConversationSignals

THRESHOLD = 0.6
CALM = ConversationSignals(user_turns=2, latest_intent="track_order")
COUNTS = ("complaints", "cancel_or_refund", "fallbacks", "longest_fallback_run")
CHURNS = (None, 0.0, 0.3, 0.7, 1.0)


def _grid() -> list[ConversationSignals]:
    return [
        ConversationSignals(
            user_turns=10,
            complaints=c,
            cancel_or_refund=r,
            fallbacks=f,
            longest_fallback_run=min(f, run),
            anger=a,
        )
        for c, r, f, run, a in itertools.product(
            (0, 1, 3), (0, 2), (0, 1, 4), (1, 3), (0.0, 0.4, 1.0)
        )
    ]


def test_score_is_bounded() -> None:
    extreme = ConversationSignals(
        complaints=100, cancel_or_refund=100, fallbacks=100,
        longest_fallback_run=100, anger=1.0,
    )  # fmt: skip
    assert assess_risk(1.0, extreme).score <= 1.0
    for churn, signals in itertools.product(CHURNS, _grid()):
        assert 0.0 <= assess_risk(churn, signals).score <= 1.0


@pytest.mark.parametrize("field", [*COUNTS, "anger"])
def test_score_is_monotone_in_each_signal(field: str) -> None:
    step = 0.25 if field == "anger" else 1
    for churn, signals in itertools.product(CHURNS, _grid()):
        value = getattr(signals, field)
        if field == "anger" and value + step > 1.0:
            continue
        more = dataclasses.replace(signals, **{field: value + step})
        assert assess_risk(churn, more).score >= assess_risk(churn, signals).score


def test_score_is_monotone_in_the_churn_probability() -> None:
    for signals in _grid():
        scores = [assess_risk(p / 10, signals).score for p in range(11)]
        assert scores == sorted(scores)
        assert assess_risk(None, signals).score == assess_risk(0.0, signals).score


def test_complaining_likely_churner_crosses_the_threshold() -> None:
    signals = ConversationSignals(user_turns=2, complaints=1, latest_intent="complaint")
    risk = assess_risk(0.8, signals)
    assert risk.score >= THRESHOLD
    assert risk.should_escalate(THRESHOLD)
    assert risk.escalation_reason(THRESHOLD) == REASON_RISK_THRESHOLD
    assert risk.reasons[:2] == ("churn probability 80%", "1 complaint")


def test_calm_loyal_customer_stays_well_under() -> None:
    risk = assess_risk(0.05, CALM)
    assert risk.score < 0.1
    assert not risk.should_escalate(THRESHOLD)
    assert risk.escalation_reason(THRESHOLD) is None


def test_churn_probability_alone_never_escalates_at_the_default_weights() -> None:
    assert assess_risk(1.0, CALM).score == pytest.approx(DEFAULT_WEIGHTS.churn)
    assert not assess_risk(1.0, CALM).should_escalate(THRESHOLD)


def test_anonymous_shopper_is_judged_on_the_conversation() -> None:
    frustrated = ConversationSignals(
        user_turns=4, fallbacks=3, longest_fallback_run=3, anger=0.8,
        anger_cues=("worst", "shouting"),
    )  # fmt: skip
    risk = assess_risk(None, frustrated)
    assert risk.churn_probability is None
    assert risk.should_escalate(THRESHOLD)
    assert "angry wording (worst, shouting)" in risk.reasons
    assert not any(reason.startswith("churn") for reason in risk.reasons)


@pytest.mark.parametrize("churn", [None, 0.0, 0.9])
def test_asking_for_a_person_always_escalates(churn: float | None) -> None:
    signals = ConversationSignals(user_turns=1, asked_for_human=True)
    risk = assess_risk(churn, signals)
    assert risk.should_escalate(1.0)
    assert risk.escalation_reason(1.0) == REASON_ASKED_FOR_PERSON
    assert risk.reasons[0] == "asked for a person"


def test_reasons_are_largest_first() -> None:
    signals = ConversationSignals(complaints=2, fallbacks=1, anger=0.2)
    risk = assess_risk(0.3, signals)
    chances = [factor.chance for factor in risk.factors]
    assert chances == sorted(chances, reverse=True)
    assert risk.reasons == tuple(factor.text for factor in risk.factors)
    assert risk.reasons[0] == "2 complaints"


def test_noisy_or_formula() -> None:
    signals = ConversationSignals(complaints=1, cancel_or_refund=1, anger=0.5)
    expected = 1 - (1 - 0.5 * 0.4) * (1 - 0.4) * (1 - 0.2) * (1 - 0.5 * 0.5)
    assert assess_risk(0.4, signals).score == pytest.approx(expected)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), float("inf"), True, "0.5"])
def test_bad_churn_probability_or_threshold_is_refused(bad: object) -> None:
    with pytest.raises(RiskInputError, match="between 0 and 1") as caught:
        assess_risk(bad, CALM)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    with pytest.raises(RiskInputError, match="escalation threshold"):
        assess_risk(0.2, CALM).should_escalate(bad)  # type: ignore[arg-type]


def test_bad_weights_and_signals_are_refused() -> None:
    with pytest.raises(RiskInputError, match="risk weight 'anger'"):
        RiskWeights(anger=1.2)
    with pytest.raises(RiskInputError, match="anger score"):
        assess_risk(0.2, ConversationSignals(anger=2.0))
    with pytest.raises(RiskInputError, match="complaints"):
        assess_risk(0.2, ConversationSignals(complaints=-1))


def test_custom_weights_change_the_score() -> None:
    signals = ConversationSignals(complaints=1)
    mild = RiskWeights(complaint=0.1)
    assert assess_risk(0.0, signals, mild).score == pytest.approx(0.1)
    assert assess_risk(0.0, signals).score == pytest.approx(0.4)


def test_assessment_dict_round_trip() -> None:
    risk = assess_risk(0.7, ConversationSignals(complaints=1, anger=0.3))
    assert RiskAssessment.from_dict(risk.to_dict()) == risk
