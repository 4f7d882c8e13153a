"""Inception Score (Salimans et al. 2016): exp E_x KL(p(y|x) ‖ p(y)), computed per split.

Splits, shuffling and precision follow torch-fidelity 0.4: softmax of `logits_unbiased` in
float64, optional `RandomState(seed).permutation`, split i covers rows [i·N//s, (i+1)·N//s).
Only meaningful for ImageNet classifiers (the 1008 Inception classes).
"""

from __future__ import annotations

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.stats import as_float64_features


def inception_score(
    logits: np.ndarray | torch.Tensor, splits: int = 10, shuffle: bool = True, seed: int = 2020
) -> tuple[float, float]:
    """IS of class logits [N,C] -> (mean, std over splits, ddof 0)."""
    logits = as_float64_features(logits, "logits")
    n = len(logits)
    if splits < 1 or n < splits:
        raise UserError(
            f"Inception Score: {n} images cannot be cut into {splits} splits (need at least one each)"
        )
    if shuffle:
        logits = logits[np.random.RandomState(seed).permutation(n)]
    from scipy.special import log_softmax  # imported where used: scipy slows every command's start

    log_probs = log_softmax(logits, axis=1)
    probs = np.exp(log_probs)
    scores = []
    for i in range(splits):
        rows = slice(i * n // splits, (i + 1) * n // splits)
        log_marginal = np.log(probs[rows].mean(axis=0, keepdims=True))
        kl_per_image = (probs[rows] * (log_probs[rows] - log_marginal)).sum(axis=1)
        scores.append(np.exp(kl_per_image.mean()))
    return float(np.mean(scores)), float(np.std(scores))
