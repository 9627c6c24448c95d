"""The chat benchmark's errors."""

from __future__ import annotations


class ChatBenchError(Exception):
    """Base of the chat benchmark's errors."""


class MixMismatchError(ChatBenchError, ValueError):
    """A message of the mix does not parse as the intent it stands for."""


class BenchRunError(ChatBenchError, RuntimeError):
    """The run broke: shoppers could not connect, or the server went away."""
