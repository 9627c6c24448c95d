"""Churn model: probability that a customer stops buying, with top reasons.

Public API (nothing is loaded at import time)::

    from actions.churn import load_churn_model
    model = load_churn_model()          # models/churn or $SHOPBOT_CHURN_MODEL
    model.predict([profile])            # -> [0.93]
    model.explain(profile, k=3)         # -> [Reason(feature, text, contribution)]

``profile`` is a mapping with every name in :data:`FEATURES` (see features.py).
"""

from __future__ import annotations

from actions.churn.features import CATEGORIES, FEATURES
from actions.churn.model import ChurnModel, load_churn_model
from actions.churn.reasons import Reason

__all__ = ["CATEGORIES", "FEATURES", "ChurnModel", "Reason", "load_churn_model"]
