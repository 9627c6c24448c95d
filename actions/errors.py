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
