"""Exceptions of the escalation logic."""

from __future__ import annotations

from actions.errors import ActionsError


class RiskInputError(ActionsError, ValueError):
    """A churn probability, threshold or weight is outside its allowed range."""


class PacketError(ActionsError, ValueError):
    """A handoff packet is malformed (bad field, wrong type, unknown version)."""
