"""``python -m actions.identity token``: mints verifiable tokens, refuses bad ids."""

from __future__ import annotations

import time

import pytest

from actions.identity.__main__ import main
from actions.identity.tokens import verify_token
from actions.settings import DEVELOPMENT_SECRET, get_settings


@pytest.fixture(autouse=True)
def _development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPBOT_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("SHOPBOT_ENV", raising=False)
    get_settings.cache_clear()


def test_the_minted_token_verifies_to_the_customer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["token", "42", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    assert verify_token(token, DEVELOPMENT_SECRET, time.time()).customer_id == 42


@pytest.mark.parametrize("customer_id", ["0", "-3"])
def test_a_bad_customer_id_exits_2_with_a_message(
    customer_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", customer_id]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "customer_id must be a positive integer" in captured.err


def test_a_non_numeric_id_is_an_argument_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["token", "abc"])
    assert raised.value.code == 2
