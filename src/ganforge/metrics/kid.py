"""Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with a cubic polynomial kernel.

Subsets are drawn exactly as torch-fidelity 0.4 draws them (one `RandomState(seed)`; per
subset the generated set first, then the real set), so equal features give equal subsets.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.stats import checked_features


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (xᵀy/d + 1)³ for rows of x [m,d] and y [n,d] -> [m,n]."""
    base = x @ y.T  # numpy uses the symmetric BLAS product when y is x
    base /= x.shape[1]
    base += 1.0
    cube = base * base  # in-place products: a float ** 3 is several times slower
    cube *= base
    return cube


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² of two equal-size samples [m,d]: within-set sums skip i = j, the cross sum does not."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def subset_size_for(n_fake: int | None, n_real: int | None, subset_size: int, allow_shrink: bool) -> int:
    """The one check of KID's subset size: `subset_size`, or the smaller image count when shrinking
    is allowed; a UserError naming both counts otherwise."""
    smaller = min(n_fake or 0, n_real or 0)
    if subset_size <= smaller:
        return subset_size
    if not allow_shrink:
        raise UserError(
            f"--kid-subset-size {subset_size} is larger than the number of images (fake: {n_fake}, "
            f"real: {n_real}); pass --kid-subset-size {smaller} or less, or --kid-shrink"
        )
    return smaller


def warn_shrunk(requested: int, used: int, n_fake: int | None, n_real: int | None) -> None:
    if used < requested:
        warnings.warn(
            f"KID: subset size shrunk from {requested} to {used} (fake: {n_fake}, real: {n_real} "
            "images); values are not comparable with the standard protocol",
            stacklevel=3,
        )


def kernel_inception_distance(
    fake: np.ndarray | torch.Tensor,
    real: np.ndarray | torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 2020,
    allow_shrink: bool = False,
) -> tuple[float, float]:
    """KID of fake [N1,d] against real [N2,d] features -> (mean, std over subsets, ddof 0).

    Kernels are computed in float64 (torch-fidelity uses the features' float32).
    """
    # Kept in their float32/float64 storage; each subset is cast to float64.
    fake, real = checked_features(fake, "fake features"), checked_features(real, "real features")
    if fake.shape[1] != real.shape[1]:
        raise UserError(f"KID: fake features have dimension {fake.shape[1]}, real {real.shape[1]}")
    if subsets < 1:
        raise UserError(f"--kid-subsets {subsets}: expected at least 1")
    if subset_size < 2:
        raise UserError(f"--kid-subset-size {subset_size}: expected at least 2")
    size = subset_size_for(len(fake), len(real), subset_size, allow_shrink)
    warn_shrunk(subset_size, size, len(fake), len(real))
    rng = np.random.RandomState(seed)
    mmds = np.empty(subsets)
    for i in range(subsets):
        fake_subset = fake[rng.choice(len(fake), size, replace=False)].astype(np.float64)
        real_subset = real[rng.choice(len(real), size, replace=False)].astype(np.float64)
        mmds[i] = unbiased_mmd2(fake_subset, real_subset)
    return float(mmds.mean()), float(mmds.std())
