"""Linear-probe initialisation of the classification head (the "LP" of LP-FT).

Fine-tuning an encoder under a randomly initialised head lets the head's early,
large and random gradients reshape the pretrained features; on input phrased
unlike the training set that costs accuracy (Kumar et al., 2022, "Fine-Tuning can
Distort Pretrained Features and Underperform Out-of-Distribution"). LP-FT first
fits the head alone on the frozen encoder's features (a multinomial logistic
regression), then fine-tunes adapters and head together from there.

This module holds the pure fit; :mod:`finetune.train` reads the features at the
head's input (LoRA's B matrices start at zero, so right after the adapters are
attached the model computes exactly the pretrained features) and copies the fitted
weights into the head.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from finetune.errors import DataError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

# L2 penalty on the probe's weights, as sklearn's LogisticRegression(C=1) scales it.
PROBE_INVERSE_L2 = 1.0
PROBE_MAX_ITERATIONS = 500


def fit_linear_probe(
    features: torch.Tensor,
    targets: torch.Tensor,
    num_labels: int,
    *,
    inverse_l2: float = PROBE_INVERSE_L2,
    max_iterations: int = PROBE_MAX_ITERATIONS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit an L2-regularised multinomial logistic regression by L-BFGS.

    Deterministic for given inputs (full-batch, no sampling).

    Args:
        features: float tensor (examples, dimensions).
        targets: int64 class indices in ``[0, num_labels)``, one per example.
        num_labels: number of classes.
        inverse_l2: inverse regularisation strength C; the penalty is
            ``||W||² / (2 C n)`` added to the mean cross-entropy (bias not
            penalised), as in sklearn.
        max_iterations: L-BFGS iteration limit.

    Returns:
        ``(weight, bias)`` of shapes (num_labels, dimensions) and (num_labels,).

    Raises:
        DataError: shapes disagree, there are no examples, a target is out of
            range, or ``inverse_l2`` is not positive.
    """
    import torch

    if features.ndim != 2 or targets.ndim != 1:
        raise DataError(
            f"probe features must be 2-D and targets 1-D, got shapes "
            f"{tuple(features.shape)} and {tuple(targets.shape)}."
        )
    if features.shape[0] != targets.shape[0] or features.shape[0] == 0:
        raise DataError(
            f"probe needs one target per feature row and at least one row, got "
            f"{features.shape[0]} rows and {targets.shape[0]} targets."
        )
    if int(targets.min()) < 0 or int(targets.max()) >= num_labels:
        raise DataError(
            f"probe targets must lie in [0, {num_labels}), got "
            f"[{int(targets.min())}, {int(targets.max())}]."
        )
    if inverse_l2 <= 0:
        raise DataError(f"inverse_l2 must be positive, got {inverse_l2!r}.")
    x = features.detach().float()
    y = targets.detach().long()
    linear = torch.nn.Linear(x.shape[1], num_labels)
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.zero_()
    optimiser = torch.optim.LBFGS(
        linear.parameters(),
        max_iter=max_iterations,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-6,
    )
    penalty = 1.0 / (2.0 * inverse_l2 * x.shape[0])

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(linear(x), y)
        loss = loss + penalty * linear.weight.pow(2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    with torch.enable_grad():
        optimiser.step(closure)  # type: ignore[no-untyped-call]
    return linear.weight.detach().clone(), linear.bias.detach().clone()
