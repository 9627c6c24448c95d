"""scrypt password hashes: format, salts, checks and malformed stored data."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from actions.agents.errors import AgentError, AgentInputError
from actions.agents.passwords import hash_password, verify_password

PASSWORD = "correct horse battery"


def test_hash_format_and_round_trip() -> None:
    encoded = hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    raw_salt = base64.b64decode(salt, validate=True)
    assert len(raw_salt) == 16
    # The encoding is plain scrypt: anyone can check it with hashlib.
    assert base64.b64decode(digest) == hashlib.scrypt(
        PASSWORD.encode(), salt=raw_salt, n=16384, r=8, p=1, dklen=32
    )
    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + "!", encoded)
    assert not verify_password(PASSWORD.upper(), encoded)


def test_every_hash_has_its_own_salt() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_unicode_passwords() -> None:
    password = "pässwörd-密码-🔑"
    assert verify_password(password, hash_password(password))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "has 5 characters; use 8 to 256"),
        ("x" * 257, "has 257 characters; use 8 to 256"),
        ("", "has 0 characters"),
        (None, "is a NoneType; pass text"),
        (b"bytes-password", "is a bytes; pass text"),
    ],
)
def test_bad_new_passwords_are_refused(password: object, message: str) -> None:
    with pytest.raises(AgentInputError, match=message) as caught:
        hash_password(password)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AgentError)
    if isinstance(password, str) and password:
        assert password not in str(caught.value)


def test_boundary_lengths_are_accepted() -> None:
    for password in ("x" * 8, "y" * 256):
        assert verify_password(password, hash_password(password))


def _valid_parts() -> list[str]:
    return hash_password(PASSWORD).split("$")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda parts: "",
        lambda parts: "not a hash",
        lambda parts: "$".join(["bcrypt", *parts[1:]]),
        lambda parts: "$".join(parts[:-1]),
        lambda parts: "$".join([*parts, "extra"]),
        lambda parts: "$".join([parts[0], "abc", *parts[2:]]),
        lambda parts: "$".join([parts[0], "1000", *parts[2:]]),  # not a power of 2
        lambda parts: "$".join([parts[0], str(2**30), *parts[2:]]),  # too costly
        lambda parts: "$".join([*parts[:2], "0", *parts[3:]]),
        lambda parts: "$".join([*parts[:3], "99", *parts[4:]]),
        lambda parts: "$".join([*parts[:4], "!!notbase64!!", parts[5]]),
        lambda parts: "$".join([*parts[:5], "QQ=="]),  # a 1-byte hash
        lambda parts: "$".join([*parts[:4], "", parts[5]]),
    ],
)
def test_malformed_stored_hashes_are_false_and_logged(
    mangle: object, caplog: pytest.LogCaptureFixture
) -> None:
    encoded = mangle(_valid_parts())  # type: ignore[operator]
    started = time.perf_counter()
    assert verify_password(PASSWORD, encoded) is False
    assert time.perf_counter() - started < 2.0  # no runaway scrypt parameters
    assert "malformed" in caplog.text or "unusable" in caplog.text
    assert PASSWORD not in caplog.text


def test_non_text_inputs_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    encoded = hash_password(PASSWORD)
    assert verify_password(None, encoded) is False  # type: ignore[arg-type]
    assert verify_password("x" * 10_000, encoded) is False
    assert verify_password(PASSWORD, None) is False  # type: ignore[arg-type]
    assert "malformed" in caplog.text
