"""Exceptions of handoff storage."""

from __future__ import annotations

from actions.errors import ActionsError, StoreError


class HandoffInputError(StoreError, ValueError):
    """A handoff key, status, limit or packet field is invalid for the store."""


class HandoffNotFoundError(StoreError, LookupError):
    """No handoff has the given id."""


class HandoffTransitionError(StoreError, ValueError):
    """A status change that the handoff's current status does not allow."""


class HandoffDataError(StoreError, ValueError):
    """A stored handoff's packet cannot be read back."""


class SpoolError(ActionsError, OSError):
    """The handoff spool file cannot be written or rewritten."""
