"""Exceptions of the demo shop; each also inherits the matching builtin."""

from __future__ import annotations


class DemoShopError(Exception):
    """Base class of every error raised by :mod:`bot.demo_shop`."""


class DemoShopSettingsError(DemoShopError, ValueError):
    """A command-line option or environment variable has a bad value."""


class SessionRequestError(DemoShopError, ValueError):
    """A ``POST /api/session`` body is not the JSON object it must be."""


class UnknownCustomerError(DemoShopError, LookupError):
    """No customer in the profile store has the requested id."""
