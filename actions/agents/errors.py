"""Exceptions of the agent accounts package.

Each derives from :class:`actions.errors.ActionsError` (through
:class:`AgentError`) and the builtin that matches its cause, so callers that
only know the standard library (``except ValueError``) still catch them.
"""

from __future__ import annotations

from actions.errors import ActionsError


class AgentError(ActionsError):
    """Base class of the errors raised by :mod:`actions.agents`."""


class AgentInputError(AgentError, ValueError):
    """A username, display name or password is empty, too long or malformed."""


class AgentExistsError(AgentError, ValueError):
    """An agent account with the given username exists already."""


class AgentNotFoundError(AgentError, LookupError):
    """No agent account has the given username."""


class AgentTokenError(AgentError, ValueError):
    """An agent session token is malformed, forged or expired."""
