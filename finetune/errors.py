"""Exceptions raised by the fine-tuning package.

Every exception also inherits the builtin that matches its cause, so callers that
only know the standard library (``except ValueError``) still catch it.
"""

from __future__ import annotations


class FinetuneError(Exception):
    """Base class of every error raised by :mod:`finetune`."""


class ConfigError(FinetuneError, ValueError):
    """A training configuration value is invalid."""


class BaseModelNotFoundError(FinetuneError, FileNotFoundError):
    """The base model named in the configuration cannot be found locally."""


class DataError(FinetuneError, ValueError):
    """Training or evaluation data is malformed, empty or unusable."""


class DataFileNotFoundError(FinetuneError, FileNotFoundError):
    """A data file or folder does not exist."""


class TrainingError(FinetuneError, RuntimeError):
    """Training could not produce a usable model."""


class ModelLoadError(FinetuneError):
    """A saved intent model cannot be loaded."""


class ModelFileMissingError(ModelLoadError, FileNotFoundError):
    """A saved intent model folder lacks one of its files."""


class ModelCorruptError(ModelLoadError, ValueError):
    """A file of a saved intent model is unreadable or inconsistent."""


class QuantizationError(FinetuneError, RuntimeError):
    """torch cannot quantise the model on this machine."""
