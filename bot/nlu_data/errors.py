"""Exceptions raised while building NLU training data.

Each one also inherits the builtin that matches its cause, so callers that only
know the standard library (``except ValueError``) still catch it.
"""

from __future__ import annotations


class NluDataError(Exception):
    """Base class of every error raised by :mod:`bot.nlu_data`."""


class SourceNotFoundError(NluDataError, FileNotFoundError):
    """A source CSV file or folder does not exist."""


class SourceFormatError(NluDataError, ValueError):
    """A source file is unreadable, lacks columns or holds an invalid row."""


class SplitError(NluDataError, ValueError):
    """A split was asked for with invalid arguments."""
