"""Exceptions raised by the churn model package.

Each derives from :class:`actions.errors.ActionsError` and the builtin that
matches its cause, so ``except ValueError`` / ``except FileNotFoundError`` work.
"""

from __future__ import annotations

from actions.errors import ActionsError


class ChurnError(ActionsError):
    """Base class of every error raised by :mod:`actions.churn`."""


class FeatureValueError(ChurnError, ValueError):
    """A customer's feature value is missing, of the wrong type or not allowed."""


class ChurnDataError(ChurnError, ValueError):
    """A churn CSV file is malformed: missing column, bad number, bad category."""


class ChurnDataNotFoundError(ChurnError, FileNotFoundError):
    """A churn CSV file does not exist."""


class ChurnModelError(ChurnError, ValueError):
    """A saved churn model is incomplete, corrupt or does not fit this code."""


class ChurnModelNotFoundError(ChurnError, FileNotFoundError):
    """No saved churn model where one was expected."""
