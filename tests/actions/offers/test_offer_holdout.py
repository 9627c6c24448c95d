"""The hold-out arm: stable per shopper, across processes, at the configured share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from actions.offers.errors import OfferValueError
from actions.offers.holdout import holdout_position, in_holdout

REPO_ROOT = Path(__file__).resolve().parents[3]
IDS = range(1, 10_001)


def test_same_shopper_always_lands_in_the_same_arm() -> None:
    first = [in_holdout(customer_id, 0.3) for customer_id in IDS]
    second = [in_holdout(customer_id, 0.3) for customer_id in IDS]
    assert first == second


def test_arms_do_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "from actions.offers.holdout import in_holdout;"
        "print(''.join('1' if in_holdout(i, 0.3) else '0' for i in range(1, 301)))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout.strip())
    here = "".join("1" if in_holdout(i, 0.3) else "0" for i in range(1, 301))
    assert outputs == {here}


def test_positions_are_pinned_so_releases_keep_the_split() -> None:
    # Changing the hash or the salt format would move shoppers between arms
    # mid-experiment; these values fail loudly if that happens.
    assert holdout_position(1) == pytest.approx(0.517801, abs=1e-6)
    assert holdout_position(42) == pytest.approx(0.717808, abs=1e-6)


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_realised_share_is_close_to_the_configured_one(share: float) -> None:
    held = sum(in_holdout(customer_id, share) for customer_id in IDS)
    assert abs(held / len(IDS) - share) <= 0.015


def test_share_zero_holds_out_nobody_and_one_everybody() -> None:
    assert not any(in_holdout(customer_id, 0.0) for customer_id in IDS)
    assert all(in_holdout(customer_id, 1.0) for customer_id in IDS)
    assert all(in_holdout(customer_id, 1) for customer_id in range(1, 50))


def test_a_larger_share_only_adds_shoppers_to_the_hold_out() -> None:
    small = {i for i in IDS if in_holdout(i, 0.1)}
    large = {i for i in IDS if in_holdout(i, 0.3)}
    assert small < large


def test_another_salt_draws_another_split() -> None:
    default = [in_holdout(i, 0.5) for i in range(1, 201)]
    other = [in_holdout(i, 0.5, salt="offers-v2") for i in range(1, 201)]
    assert default != other


@pytest.mark.parametrize("share", [-0.1, 1.01, float("nan"), "0.1", None, True])
def test_bad_share_is_refused(share: object) -> None:
    with pytest.raises(ValueError, match="Hold-out share") as caught:
        in_holdout(1, share)  # type: ignore[arg-type]
    assert isinstance(caught.value, OfferValueError)


@pytest.mark.parametrize("customer_id", ["1", 1.0, None])
def test_bad_customer_id_is_refused(customer_id: object) -> None:
    with pytest.raises(OfferValueError, match="customer_id"):
        in_holdout(customer_id, 0.1)  # type: ignore[arg-type]
