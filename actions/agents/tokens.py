"""Signed agent session tokens: HMAC-SHA256 over the username and an expiry.

The console's login endpoint mints one after
:func:`actions.agents.accounts.authenticate` succeeds; the agent socket's
``hello`` carries it back.

Format: ``a1.<username>.<expiry, unix seconds>.<signature>``, the signature
being the lowercase hex HMAC-SHA256 of ``"a1.<username>.<expiry>"``. The HMAC
key is not the shared secret itself but HMAC-SHA256(secret, :data:`KEY_LABEL`),
so the shopper tokens of :mod:`actions.identity.tokens` (same secret, key used
directly, ``v1.`` prefix, base64 signature) and agent tokens can never stand in
for each other, whatever their payloads. Usernames may contain dots: the last
two dot-separated fields are the expiry and the signature.

Pure functions: the caller supplies the secret and the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone

from actions.agents.errors import AgentTokenError
from actions.agents.validation import normalise_username

VERSION = "a1"
KEY_LABEL = b"shopbot/agent-session-token/v1"
DEFAULT_TTL_SECONDS = 12 * 3600
MAX_TTL_SECONDS = 30 * 24 * 3600
MAX_TOKEN_LENGTH = 200
_TOKEN = re.compile(r"a1\.([a-z0-9._-]{1,64})\.([0-9]{1,12})\.([0-9a-f]{64})")


def _key(secret: str) -> bytes:
    """The agent-token key derived from the shared secret."""
    return hmac.new(secret.encode("utf-8"), KEY_LABEL, hashlib.sha256).digest()


def _signature(secret: str, payload: str) -> str:
    return hmac.new(_key(secret), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _unix(now: datetime) -> int:
    """Unix seconds of ``now`` (a naive datetime is taken as UTC)."""
    if not isinstance(now, datetime):
        raise AgentTokenError(f"now is {now!r}; pass a datetime (UTC).")
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return int(now.timestamp())


def sign_agent_token(
    username: str, secret: str, now: datetime, ttl_seconds: int = DEFAULT_TTL_SECONDS
) -> str:
    """Mint a session token for a signed-in agent.

    Args:
        username: the agent's username (normalised as accounts store it).
        secret: the shared HMAC secret (``SHOPBOT_TOKEN_SECRET``).
        now: the current time (naive is taken as UTC).
        ttl_seconds: how long the token lasts, 1 second to 30 days.

    Returns:
        ``a1.<username>.<expiry>.<hex signature>``.

    Raises:
        AgentInputError: a malformed username.
        AgentTokenError: an empty secret, a ttl out of range or ``now`` not a
            datetime.
    """
    name = normalise_username(username)
    if not isinstance(secret, str) or not secret:
        raise AgentTokenError("The token secret is empty; set SHOPBOT_TOKEN_SECRET.")
    if (
        isinstance(ttl_seconds, bool)
        or not isinstance(ttl_seconds, int)
        or not 0 < ttl_seconds <= MAX_TTL_SECONDS
    ):
        raise AgentTokenError(
            f"ttl_seconds is {ttl_seconds!r}; pass whole seconds from 1 to "
            f"{MAX_TTL_SECONDS} (30 days)."
        )
    payload = f"{VERSION}.{name}.{_unix(now) + ttl_seconds}"
    return f"{payload}.{_signature(secret, payload)}"


def agent_token_expiry(token: str) -> datetime:
    """The expiry written in a token, as an aware UTC datetime (not verified).

    For the login reply's ``expires_at``; trust a token only through
    :func:`verify_agent_token`.

    Raises:
        AgentTokenError: the token is not of the agent token's shape.
    """
    match = _match(token)
    return datetime.fromtimestamp(int(match.group(2)), tz=timezone.utc)


def _match(token: object) -> re.Match[str]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise AgentTokenError("The agent token is not a string of the expected size.")
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise AgentTokenError(
            "The agent token is malformed; expected "
            "'a1.<username>.<expiry>.<signature>'. Sign in again."
        )
    return match


def verify_agent_token(token: str, secret: str, now: datetime) -> str:
    """Check an agent token's shape, signature and expiry.

    Args:
        token: what the agent socket's ``hello`` carried (any value).
        secret: the shared HMAC secret.
        now: the current time (naive is taken as UTC).

    Returns:
        The agent's username.

    Raises:
        AgentTokenError: the token is not a string of the expected shape, its
            signature does not match (forged, signed with another secret, or a
            shopper token), or it has expired. The message never repeats the
            token.
    """
    match = _match(token)
    if not isinstance(secret, str) or not secret:
        raise AgentTokenError("The token secret is empty; set SHOPBOT_TOKEN_SECRET.")
    username, expiry_text, signature = match.groups()
    payload = f"{VERSION}.{username}.{expiry_text}"
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise AgentTokenError(
            "The agent token's signature does not match; sign in again."
        )
    if _unix(now) >= int(expiry_text):
        raise AgentTokenError("The agent token has expired; sign in again.")
    return username
