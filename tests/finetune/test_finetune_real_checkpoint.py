"""The packaged all-MiniLM-L6-v2 end to end (slow: real 22M-parameter model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from finetune.config import TrainConfig
from finetune.model import IntentModel
from finetune.train import train_intent_model

pytestmark = pytest.mark.slow

TRAIN = {
    "track_order": ["where is my order", "track my package", "has my parcel shipped"],
    "cancel_order": ["cancel my order", "i want to cancel", "stop my purchase"],
    "get_refund": ["i want my money back", "refund please", "how do i get a refund"],
}
PARAPHRASES = {
    "track_order": "when will my delivery arrive?",
    "cancel_order": "I no longer want this purchase, call it off",
    "get_refund": "can I be reimbursed for the item",
}


def test_real_checkpoint_trains_saves_and_generalises(tmp_path: Path) -> None:
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [label for label, ts in TRAIN.items() for _ in ts]
    config = TrainConfig(epochs=5, batch_size=4, validation_fraction=0.0, device="cpu")
    model = train_intent_model(texts, labels, config)
    predicted = model.predict(list(PARAPHRASES.values()))
    assert predicted == list(PARAPHRASES)
    folder = model.save(tmp_path / "model")
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size < 10_000_000, "only adapter + head + tokenizer, not the base weights"
    loaded = IntentModel.load(folder, device="cpu")
    probes = [*PARAPHRASES.values(), "", "x" * 10_000]
    assert np.array_equal(loaded.predict_proba(probes), model.predict_proba(probes))
