"""Exceptions of the profile store beyond :class:`StoreUnavailableError`.

Each derives from :class:`actions.errors.StoreError` and the builtin that matches
its cause, so ``except ValueError`` / ``except LookupError`` also catch them.
"""

from __future__ import annotations

from actions.errors import StoreError


class StoreInputError(StoreError, ValueError):
    """A value given to a store write is empty, too long or malformed."""


class CustomerNotFoundError(StoreError, LookupError):
    """No customer has the given id."""


class SeedDataError(StoreError, ValueError):
    """The churn CSV behind the demo shop is missing a column or holds a bad value."""


class SeedDataNotFoundError(StoreError, FileNotFoundError):
    """The churn CSV behind the demo shop does not exist."""
