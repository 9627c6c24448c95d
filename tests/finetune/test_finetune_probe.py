"""The linear probe (LP of LP-FT): the pure fit and its use before fine-tuning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.config import TrainConfig
from finetune.errors import ConfigError, DataError
from finetune.model import load_base_classifier
from finetune.probe import fit_linear_probe
from finetune.train import _attach_lora, _encode, _logits, _probe_head


def _blobs(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three well-separated Gaussian clusters in 5 dimensions."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[4.0, 0, 0, 0, 0], [0, 4.0, 0, 0, 0], [0, 0, 4.0, 0, 0]])
    targets = torch.arange(3).repeat_interleave(20)
    features = centres[targets] + torch.randn(60, 5, generator=generator)
    return features, targets


def test_probe_separates_clusters_and_is_deterministic() -> None:
    features, targets = _blobs()
    weight, bias = fit_linear_probe(features, targets, 3)
    assert weight.shape == (3, 5) and bias.shape == (3,)
    predicted = (features @ weight.T + bias).argmax(dim=1)
    assert bool((predicted == targets).all())
    again = fit_linear_probe(features, targets, 3)
    assert torch.equal(weight, again[0]) and torch.equal(bias, again[1])


def test_stronger_regularisation_gives_smaller_weights() -> None:
    features, targets = _blobs()
    loose, _ = fit_linear_probe(features, targets, 3, inverse_l2=100.0)
    tight, _ = fit_linear_probe(features, targets, 3, inverse_l2=0.01)
    assert float(tight.norm()) < float(loose.norm())


def test_unused_label_gets_the_lowest_scores() -> None:
    features, targets = _blobs()
    weight, bias = fit_linear_probe(features, targets, 4)
    scores = features @ weight.T + bias
    assert bool((scores.argmax(dim=1) != 3).all())


@pytest.mark.parametrize(
    ("features", "targets", "labels", "message"),
    [
        (torch.zeros(4), torch.zeros(4, dtype=torch.long), 2, "2-D"),
        (torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), 2, "one target"),
        (torch.zeros(0, 2), torch.zeros(0, dtype=torch.long), 2, "at least one"),
        (torch.zeros(2, 2), torch.tensor([0, 2]), 2, r"\[0, 2\)"),
        (torch.zeros(2, 2), torch.tensor([-1, 0]), 2, r"\[0, 2\)"),
    ],
)
def test_bad_probe_input_is_refused(
    features: torch.Tensor, targets: torch.Tensor, labels: int, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        fit_linear_probe(features, targets, labels)


def test_non_positive_inverse_l2_is_refused() -> None:
    features, targets = _blobs()
    with pytest.raises(DataError, match="inverse_l2"):
        fit_linear_probe(features, targets, 3, inverse_l2=0.0)


def test_head_init_is_validated() -> None:
    assert TrainConfig().head_init == "probe"
    assert TrainConfig(head_init="random").head_init == "random"
    with pytest.raises(ConfigError, match="head_init must be one of"):
        TrainConfig(head_init="zeros")


TEXTS = [
    "where is my order", "track my package", "has my parcel shipped",
    "cancel my order", "i want to cancel", "stop my purchase",
    "hello", "hi there", "good morning",
]  # fmt: skip
TARGETS = [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_probe_head_loads_the_fit_into_the_trained_head(
    tiny_bert_dir: Path, pooling: str
) -> None:
    """After the LP step the model's logits are the probe's on frozen features."""
    from transformers import AutoTokenizer

    config = TrainConfig(base_model=str(tiny_bert_dir), pooling=pooling, device="cpu")
    torch.manual_seed(0)
    base, missing = load_base_classifier(
        str(tiny_bert_dir), ["cancel", "greet", "track"], pooling
    )
    model = _attach_lora(base, config, missing)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_bert_dir))
    ids = _encode(tokenizer, TEXTS, config)
    device = torch.device("cpu")
    network = model.get_base_model()
    wrapper = network.get_submodule("classifier")
    seen: list[torch.Tensor] = []
    hook = wrapper.register_forward_pre_hook(lambda _m, inputs: seen.append(inputs[0]))
    before = _logits(model, ids, 0, device)
    hook.remove()
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    features = torch.empty((len(ids), seen[0].shape[1]))
    features[torch.tensor(order)] = torch.cat(seen)

    _probe_head(model, ids, TARGETS, 3, 0, device)

    after = _logits(model, ids, 0, device)
    weight, bias = fit_linear_probe(features, torch.tensor(TARGETS), 3)
    expected = (features @ weight.T + bias).numpy()
    assert np.allclose(after, expected, atol=1e-4)
    assert not np.allclose(before, after)
    if pooling == "mean":  # mean-pooled states separate even a random tiny BERT
        assert np.mean(after.argmax(1) == TARGETS) >= 2 / 3
    # Only peft's trained copy of the head changed; the frozen original did not.
    assert not torch.equal(
        wrapper.modules_to_save["default"].weight, wrapper.original_module.weight
    )
