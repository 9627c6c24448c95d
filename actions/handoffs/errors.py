"""Exceptions of handoff storage."""

from __future__ import annotations

from actions.errors import ActionsError, StoreError


class HandoffInputError(StoreError, ValueError):
    """A handoff key, status, limit or packet field is invalid for the store."""


class HandoffNotFoundError(StoreError, LookupError):
    """No handoff has the given id."""


class HandoffTransitionError(StoreError, ValueError):
    """A status change that the handoff's current status does not allow."""


class HandoffClaimedError(StoreError, ValueError):
    """A claim of a handoff that another agent holds.

    Attributes:
        agent: the username of the agent who holds it.
    """

    def __init__(self, message: str, agent: str) -> None:
        """Keep the holder beside the message."""
        super().__init__(message)
        self.agent = agent

    def __reduce__(self) -> tuple[type[HandoffClaimedError], tuple[str, str]]:
        """Pickle with the holder (the default would drop it)."""
        return (type(self), (str(self), self.agent))


class HandoffNotHeldError(StoreError, ValueError):
    """An agent acts on a handoff (release, resolve, grant) they do not hold."""


class HandoffNoOfferError(StoreError, LookupError):
    """The handoff has no grantable suggested offer (none, hold-out, anonymous)."""


class HandoffDataError(StoreError, ValueError):
    """A stored handoff's packet cannot be read back."""


class SpoolError(ActionsError, OSError):
    """The handoff spool file cannot be written or rewritten."""
