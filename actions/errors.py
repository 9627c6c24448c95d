"""Exceptions raised by the action server's own code.

Each one also inherits the builtin that matches its cause, so callers that only
know the standard library (``except ValueError``) still catch it.
"""

from __future__ import annotations


class ActionsError(Exception):
    """Base class of every error raised by :mod:`actions`."""


class ShopConfigError(ActionsError, ValueError):
    """shop.yml is malformed: bad YAML, a missing key or a value of the wrong kind."""


class ShopConfigNotFoundError(ActionsError, FileNotFoundError):
    """The shop configuration file does not exist."""


class SettingsError(ActionsError, ValueError):
    """An environment variable of the action server has a bad value."""


class StoreError(ActionsError):
    """The profile store failed."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The profile store cannot be reached, or is locked for too long."""


class TokenError(ActionsError, ValueError):
    """A shopper token is malformed, forged or expired."""


class OfferBudgetExhaustedError(ActionsError, RuntimeError):
    """An offer's budget (total or per customer) is used up."""
