"""Agent passwords: scrypt hashes with a random salt, checked in constant time.

Encoding: ``scrypt$<n>$<r>$<p>$<salt>$<hash>``, salt and hash in standard
base64 (16 and 32 bytes). New hashes use n = 2**14, r = 8, p = 1 (16 MiB and
about 50 ms a check); the parameters travel with each hash, so raising them
later leaves old hashes readable.

A stored hash that cannot be read (hand-edited, truncated) makes
:func:`verify_password` return False and log a warning, never raise: a corrupt
row must look like a wrong password to the sign-in path, not crash it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets

from actions.agents.validation import MAX_PASSWORD_LENGTH, check_password

logger = logging.getLogger(__name__)

SCHEME = "scrypt"
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Bounds on parameters read back from storage, so a tampered row cannot make
# one sign-in allocate gigabytes or spin for minutes.
MAX_SCRYPT_N = 2**20
MAX_SCRYPT_R = 32
MAX_SCRYPT_P = 16
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=MAX_SCRYPT_MEMORY,
        dklen=size,
    )


def hash_password(password: str) -> str:
    """Hash a new password for storage.

    Args:
        password: 8 to 256 characters.

    Returns:
        ``scrypt$16384$8$1$<salt b64>$<hash b64>``.

    Raises:
        AgentInputError: the password is not text or has a bad length.
    """
    check_password(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, hash) of a stored hash, None when it is malformed."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    sane = (
        1 < n <= MAX_SCRYPT_N
        and n & (n - 1) == 0
        and 1 <= r <= MAX_SCRYPT_R
        and 1 <= p <= MAX_SCRYPT_P
        and 128 * r * n <= MAX_SCRYPT_MEMORY // 2
        and len(salt) >= 8
        and 16 <= len(digest) <= 64
    )
    return (n, r, p, salt, digest) if sane else None


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash ``encoded``.

    Args:
        password: what the agent typed.
        encoded: the stored hash from :func:`hash_password`.

    Returns:
        True on a match; False on a mismatch, for a password that is not text
        or is longer than any stored one could be, and for a malformed stored
        hash (logged as a warning, without the hash).
    """
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        return False
    parsed = _parse(encoded) if isinstance(encoded, str) else None
    if parsed is None:
        logger.warning(
            "A stored agent password hash is malformed (%d characters); reset the "
            "password with `python -m actions.agents passwd USERNAME`.",
            len(encoded) if isinstance(encoded, str) else -1,
        )
        return False
    n, r, p, salt, expected = parsed
    try:
        actual = _derive(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        logger.warning(
            "A stored agent password hash has unusable scrypt parameters "
            "(n=%d, r=%d, p=%d); reset the password.",
            n,
            r,
            p,
        )
        return False
    return hmac.compare_digest(actual, expected)
