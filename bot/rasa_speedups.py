"""A fix for a measured hot spot in Rasa 3.6: validating action server replies.

Rasa validates every custom action's reply with ``jsonschema.validate``, which
re-checks the (constant, large) response schema against the JSON Schema
meta-schema on every call. With the jsonschema Rasa 3.6 pins (4.17) that
costs about 130 ms of CPU per custom action on these machines: 70 % of a
message's handling time, measured with cProfile over 30 messages. The schema
never changes, so :func:`install` makes ``RemoteAction`` check it once and
reuse one validator. What is accepted and rejected, and the error raised, are
unchanged (the same best-match error, with Rasa's hint appended).

The input channels call :func:`install` when the Rasa server builds their
routes (nothing is patched at import time).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)
_INSTALLED_FLAG = "_shopbot_cached_validator"


@lru_cache(maxsize=1)
def action_result_validator() -> Any:
    """The validator of action server replies, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a cached validator."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error: ValidationError | None = best_match(
        action_result_validator().iter_errors(result)
    )
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Make Rasa's remote actions validate replies with the cached validator."""
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, _INSTALLED_FLAG, False):
        return
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    setattr(RemoteAction, _INSTALLED_FLAG, True)
    logger.debug("Action server replies are validated with a cached validator.")
