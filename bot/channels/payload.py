"""Pure validation of REST webhook payloads: what shoppers' pages send to
``/webhooks/rest/webhook``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 256


def payload_error(body: bytes) -> str | None:
    """Return a clear error for a malformed REST payload, or None when it is acceptable.

    Args:
        body: the raw HTTP request body.

    Returns:
        A one-line message naming what is wrong and what is expected, or None.
    """
    expected = (
        'expected a JSON object like {"sender": "abc", "message": "where is my order?"}'
    )
    if len(body) > MAX_BODY_BYTES:
        return (
            f"request body of {len(body)} bytes exceeds the {MAX_BODY_BYTES}-byte limit"
        )
    if not body.strip():
        return f"empty request body; {expected}"
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        return f"request body is not valid JSON ({error}); {expected}"
    if not isinstance(data, dict):
        return f"JSON {type(data).__name__} received; {expected}"
    message = data.get("message")
    if not isinstance(message, str):
        return f"'message' must be a string, got {type(message).__name__}; {expected}"
    sender = data.get("sender")
    if sender is not None and not isinstance(sender, str | int):
        return f"'sender' must be a string, got {type(sender).__name__}"
    if isinstance(sender, str) and len(sender) > MAX_SENDER_CHARS:
        return f"'sender' is longer than {MAX_SENDER_CHARS} characters"
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return f"'metadata' must be a JSON object, got {type(metadata).__name__}"
    return None
