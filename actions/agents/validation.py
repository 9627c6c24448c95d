"""Pure checks of agent usernames, display names and passwords.

Usernames are case-insensitive: surrounding spaces are dropped and letters
lowered before the check, so ``" Alex "`` and ``"alex"`` name the same account.
"""

from __future__ import annotations

import re
import unicodedata

from actions.agents.errors import AgentInputError

MAX_USERNAME_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 120
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{1,64}")


def normalise_username(username: object) -> str:
    """The username in its stored form, checked.

    Args:
        username: what was typed (any value).

    Returns:
        The stripped, lowercased username.

    Raises:
        AgentInputError: it is not text, is empty, longer than
            :data:`MAX_USERNAME_LENGTH` or holds characters other than lowercase
            letters, digits, ``.``, ``_`` and ``-``.
    """
    if not isinstance(username, str):
        raise AgentInputError(
            f"The agent username is {username!r}; pass text such as 'alex'."
        )
    text = username.strip().lower()
    if not text:
        raise AgentInputError(
            "The agent username is empty; pass 1 to "
            f"{MAX_USERNAME_LENGTH} lowercase letters, digits, '.', '_' or '-'."
        )
    if len(text) > MAX_USERNAME_LENGTH:
        raise AgentInputError(
            f"The agent username has {len(text)} characters; use at most "
            f"{MAX_USERNAME_LENGTH}."
        )
    if USERNAME_PATTERN.fullmatch(text) is None:
        raise AgentInputError(
            f"The agent username {text!r} holds characters other than lowercase "
            "letters, digits, '.', '_' and '-'; choose one like 'alex.m'."
        )
    return text


def check_display_name(display_name: object) -> str:
    """The display name shoppers see, stripped and checked.

    Args:
        display_name: the name (any value).

    Returns:
        The stripped name.

    Raises:
        AgentInputError: it is not text, is empty, longer than
            :data:`MAX_DISPLAY_NAME_LENGTH` or holds control characters.
    """
    if not isinstance(display_name, str):
        raise AgentInputError(
            f"The display name is {display_name!r}; pass text such as 'Alex M.'."
        )
    text = display_name.strip()
    if not text:
        raise AgentInputError(
            "The display name is empty; pass the name shoppers should see, "
            "e.g. 'Alex M.'."
        )
    if len(text) > MAX_DISPLAY_NAME_LENGTH:
        raise AgentInputError(
            f"The display name has {len(text)} characters; use at most "
            f"{MAX_DISPLAY_NAME_LENGTH}."
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise AgentInputError(
            f"The display name {text!r} holds control characters (a line break "
            "or tab, say); use one line of plain text."
        )
    return text


def check_password(password: object) -> str:
    """A new password, checked (it is never echoed in the message).

    Args:
        password: the password (any value).

    Returns:
        The password, unchanged.

    Raises:
        AgentInputError: it is not text or has fewer than
            :data:`MIN_PASSWORD_LENGTH` or more than :data:`MAX_PASSWORD_LENGTH`
            characters.
    """
    if not isinstance(password, str):
        raise AgentInputError(
            f"The password is a {type(password).__name__}; pass text."
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AgentInputError(
            f"The password has {len(password)} characters; use "
            f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}."
        )
    return password
