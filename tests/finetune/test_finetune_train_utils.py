"""Pure helpers of the training loop and LoRA target resolution."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from finetune.errors import ConfigError
from finetune.train import (
    head_modules,
    idle_threads,
    linear_schedule,
    make_batches,
    mask_tokens,
    resolve_target_modules,
)


def test_make_batches_covers_every_index_once_with_similar_lengths() -> None:
    lengths = [random.Random(1).randint(3, 40) for _ in range(500)]
    batches = make_batches(lengths, 16, random.Random(0))
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(500))
    assert all(1 <= len(batch) <= 16 for batch in batches)
    spread = sum(
        max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches
    )
    assert spread / len(batches) < 5, "length bucketing keeps padding small"
    assert make_batches(lengths, 16, random.Random(0)) == batches
    assert make_batches(lengths, 16, random.Random(1)) != batches


def test_linear_schedule_warms_up_then_decays_to_zero() -> None:
    values = [linear_schedule(s, warmup_steps=4, total_steps=20) for s in range(21)]
    assert values[:4] == sorted(values[:4]) and values[0] > 0
    assert max(values) == pytest.approx(1.0)
    assert values[4:] == sorted(values[4:], reverse=True)
    assert values[-1] == 0.0
    assert linear_schedule(0, warmup_steps=0, total_steps=1) == 1.0


@pytest.fixture(scope="module")
def tiny_classifier(tiny_bert_dir: Path):  # type: ignore[no-untyped-def]
    from finetune.model import load_base_classifier

    model, missing = load_base_classifier(str(tiny_bert_dir), ["a", "b"], "cls")
    return model, missing


def test_head_modules(tiny_classifier) -> None:  # type: ignore[no-untyped-def]
    model, missing = tiny_classifier
    assert any(key.startswith("classifier") for key in missing)
    assert head_modules(model, True, missing) == ["classifier", "bert.pooler"]
    assert head_modules(model, False, missing) == ["classifier"]
    # A checkpoint without pooler weights forces the pooler to be saved.
    assert head_modules(model, False, ["bert.pooler.dense.weight"]) == [
        "classifier",
        "bert.pooler",
    ]


def test_resolve_target_modules(tiny_classifier) -> None:  # type: ignore[no-untyped-def]
    model, _ = tiny_classifier
    head = ["classifier", "bert.pooler"]
    qv = resolve_target_modules(model, ["query", "value"], exclude=head)
    assert qv == sorted(
        f"bert.encoder.layer.{i}.attention.self.{m}"
        for i in (0, 1)
        for m in ("query", "value")
    )
    everything = resolve_target_modules(model, ["all-linear"], exclude=head)
    assert len(everything) == 2 * 6 and not any(
        "pooler" in n or "classifier" in n for n in everything
    )
    dense = resolve_target_modules(
        model, ["query", "key", "value", "dense"], exclude=head
    )
    assert dense == everything
    only_attention = resolve_target_modules(
        model, ["attention.output.dense"], exclude=head
    )
    assert len(only_attention) == 2
    with pytest.raises(ConfigError, match="'nope' matches no linear layer"):
        resolve_target_modules(model, ["nope"], exclude=head)


def test_mean_pooling_model_has_only_the_linear_head(tiny_bert_dir: Path) -> None:
    from finetune.model import load_base_classifier

    model, _ = load_base_classifier(str(tiny_bert_dir), ["a", "b", "c"], "mean")
    assert head_modules(model, True) == ["classifier"]
    assert not any("pooler" in name for name, _ in model.named_modules())
    targets = resolve_target_modules(model, ["all-linear"], exclude=["classifier"])
    assert len(targets) == 2 * 6


def test_unknown_pooling_is_rejected(tiny_bert_dir: Path) -> None:
    from finetune.errors import ModelCorruptError
    from finetune.model import load_base_classifier

    with pytest.raises(ModelCorruptError, match="pooling must be one of"):
        load_base_classifier(str(tiny_bert_dir), ["a", "b"], "max")


@pytest.mark.parametrize(
    ("available", "cpus", "load", "expected"),
    [(2, 2, 0.1, 2), (2, 2, 1.2, 1), (2, 2, 5.0, 1), (8, 16, 2.0, 8), (4, 4, 1.6, 2)],
)
def test_idle_threads(available: int, cpus: int, load: float, expected: int) -> None:
    assert idle_threads(available, cpus, load) == expected


def test_mask_tokens_keeps_cls_and_sep_and_is_seeded() -> None:
    rows = [[101, *range(1, 201), 102], [101, 102], [7]]
    masked = mask_tokens(rows, 0.3, 103, random.Random(0))
    assert masked == mask_tokens(rows, 0.3, 103, random.Random(0))
    assert [len(r) for r in masked] == [len(r) for r in rows]
    assert masked[0][0] == 101 and masked[0][-1] == 102
    assert 30 <= masked[0].count(103) <= 90
    assert masked[1:] == rows[1:]
    assert mask_tokens(rows, 0.0, 103, random.Random(0)) is rows
