"""The hold-out arm: a stable share of eligible shoppers who get no offer.

A shopper's arm depends only on their customer id and a salt, through SHA-256
(never Python's ``hash()``, which is salted per process), so the same shopper
lands in the same arm in every conversation, process and release. Changing the
salt draws a fresh split, e.g. for a new experiment.
"""

from __future__ import annotations

import hashlib
import math

from actions.offers.errors import OfferValueError

DEFAULT_SALT = "offers-v1"
_BUCKET_BYTES = 8
_BUCKETS: int = 1 << (8 * _BUCKET_BYTES)


def holdout_position(customer_id: int, salt: str = DEFAULT_SALT) -> float:
    """Where a shopper falls in [0, 1): uniform over ids, fixed per id and salt.

    Args:
        customer_id: the store's customer id.
        salt: names the experiment; another salt gives an independent split.

    Returns:
        A number in [0, 1).

    Raises:
        OfferValueError: the id is not an integer.
    """
    if isinstance(customer_id, bool) or not isinstance(customer_id, int):
        raise OfferValueError(
            f"customer_id is {customer_id!r}; the hold-out needs an integer id."
        )
    digest = hashlib.sha256(f"{salt}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:_BUCKET_BYTES], "big") / _BUCKETS


def validate_share(share: float) -> float:
    """Check a hold-out share.

    Args:
        share: the fraction of eligible shoppers to hold out.

    Returns:
        The share as a float.

    Raises:
        OfferValueError: the share is not a number in [0, 1].
    """
    if (
        isinstance(share, bool)
        or not isinstance(share, int | float)
        or not math.isfinite(share)
        or not 0.0 <= share <= 1.0
    ):
        raise OfferValueError(
            f"Hold-out share is {share!r}; it must be between 0 and 1 inclusive "
            "(SHOPBOT_OFFER_HOLDOUT)."
        )
    return float(share)


def in_holdout(customer_id: int, share: float, salt: str = DEFAULT_SALT) -> bool:
    """Whether a shopper belongs to the hold-out arm.

    Args:
        customer_id: the store's customer id.
        share: fraction held out; 0 holds out nobody, 1 everybody.
        salt: names the experiment.

    Returns:
        True when the shopper should get no offer.

    Raises:
        OfferValueError: the share is outside [0, 1] or the id is not an integer.
    """
    share = validate_share(share)
    return holdout_position(customer_id, salt) < share
