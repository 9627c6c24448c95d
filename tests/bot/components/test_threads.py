"""Inference threads for the served classifier (bot/components/threads.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from rasa.shared.exceptions import InvalidConfigException

from bot.components.threads import THREADS_ENV, set_inference_threads


@pytest.fixture(autouse=True)
def keep_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(("value", "expected"), [(None, 1), ("", 1), (" 2 ", 2)])
def test_threads_are_set(value: str | None, expected: int) -> None:
    assert set_inference_threads(value) == expected
    assert torch.get_num_threads() == expected


def test_zero_keeps_torchs_default() -> None:
    torch.set_num_threads(2)
    assert set_inference_threads("0") == 0
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_bad_values_are_named(value: str) -> None:
    with pytest.raises(InvalidConfigException, match=THREADS_ENV):
        set_inference_threads(value)
