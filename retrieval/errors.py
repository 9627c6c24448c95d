"""Exceptions raised by the retrieval package.

Each one also inherits the builtin a caller would naturally catch (``ValueError``,
``FileNotFoundError``, ``KeyError``), so code that does not know this package still
handles them sensibly.
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class of every error raised by :mod:`retrieval`."""


class RetrievalConfigError(RetrievalError, ValueError):
    """A configuration value is invalid."""


class ContentError(RetrievalError, ValueError):
    """Source Q/A data or the shop configuration cannot be turned into answers."""


class InvalidQueryError(RetrievalError, ValueError):
    """A query text cannot be searched (empty, not a string, ...)."""


class DimensionMismatchError(RetrievalError, ValueError):
    """Vectors, an index or an encoder disagree on the embedding dimension or dtype."""


class DuplicateIdError(RetrievalError, ValueError):
    """A record or vector id that is already present was added again."""


class UnknownIdError(RetrievalError, KeyError):
    """An id that the index does not hold was asked for or removed."""

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes.
        return str(self.args[0]) if self.args else ""


class IndexNotFoundError(RetrievalError, FileNotFoundError):
    """The index directory (or the model it names) does not exist."""


class CorruptIndexError(RetrievalError, ValueError):
    """An index directory is half-written, tampered with or not an index at all."""


class IncompatibleIndexError(RetrievalError, ValueError):
    """An index directory was built by another model than the one asked for."""


class UnsupportedOperationError(RetrievalError, NotImplementedError):
    """The index type cannot do what was asked (for example HNSW cannot remove)."""
