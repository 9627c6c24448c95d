"""Exceptions raised by the offers package.

Each derives from :class:`actions.errors.ActionsError` and the builtin that
matches its cause. A used-up budget raises the project-wide
:class:`actions.errors.OfferBudgetExhaustedError`, re-exported here.
"""

from __future__ import annotations

from actions.errors import ActionsError, OfferBudgetExhaustedError

__all__ = [
    "OfferBudgetExhaustedError",
    "OfferCustomerNotFoundError",
    "OfferError",
    "OfferNotFoundError",
    "OfferUnavailableError",
    "OfferValueError",
]


class OfferError(ActionsError):
    """Base class of the errors raised by :mod:`actions.offers` itself."""


class OfferValueError(OfferError, ValueError):
    """An offer spec, shopper profile, hold-out share or id has a bad value."""


class OfferNotFoundError(OfferError, LookupError):
    """No offer with the given code exists in the catalogue table."""


class OfferUnavailableError(OfferError, ValueError):
    """The offer exists but is switched off or past its last valid day."""


class OfferCustomerNotFoundError(OfferError, LookupError):
    """The customer an offer is meant for does not exist in the profile store."""
