"""FD∞ (Chong & Forsyth 2020, "Effectively Unbiased FID and Inception Score and where to find them").

FID's bias is linear in 1/N: compute FD_N on random fake subsets at 15 sizes, fit
FD_N = a + b/N by least squares and report the intercept a, the FID of infinitely many images.
"""

from __future__ import annotations

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.fid import DEFAULT_METHOD, frechet_distance, rank_warning
from ganforge.metrics.stats import checked_features, feature_stats

DEFAULT_POINTS = 15


def default_sizes(n_fake: int, points: int = DEFAULT_POINTS) -> np.ndarray:
    """Evenly spaced subset sizes from N/10 to N (the paper's 5,000…50,000 for N = 50,000)."""
    return np.linspace(max(n_fake // 10, 2), n_fake, points).astype(np.int64)


def fd_infinity(
    fake: np.ndarray | torch.Tensor,
    real: np.ndarray | torch.Tensor | tuple[np.ndarray, np.ndarray],
    sizes: list[int] | np.ndarray | None = None,
    seed: int = 0,
    method: str = DEFAULT_METHOD,
) -> float:
    """FD∞ of fake [N,d] features against real features [M,d] or real statistics (mu [d], sigma [d,d]).

    Each size N draws its own random fake subset without replacement from one `RandomState(seed)`.
    """
    fake = checked_features(fake, "fake features")
    if isinstance(real, tuple):
        real_mu, real_sigma = real
    else:
        real_mu, real_sigma = feature_stats(real)
    sizes = default_sizes(len(fake)) if sizes is None else np.asarray(sizes, dtype=np.int64)
    if len(np.unique(sizes)) < 2 or sizes.min() < 2 or sizes.max() > len(fake):
        raise UserError(
            f"FD∞: sizes {sizes.tolist()} need at least two distinct values in [2, {len(fake)}] (the fake count)"
        )
    rank_warning(int(sizes.min()), fake.shape[1], what="FD∞ smallest subset")
    rng = np.random.RandomState(seed)
    distances = []
    for size in sizes:
        subset = fake[rng.permutation(len(fake))[:size]]
        distances.append(
            frechet_distance(*feature_stats(subset), real_mu, real_sigma, method=method)
        )
    _slope, intercept = np.polyfit(1.0 / sizes, np.asarray(distances), deg=1)
    return float(intercept)
