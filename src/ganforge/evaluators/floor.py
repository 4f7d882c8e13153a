"""The real-vs-real floor: FID between two disjoint halves of the real data.

A domain FID can only be read against this floor: two samples of the same distribution
already differ by it, so a model cannot be expected to score lower.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from ganforge.evaluators.dataset import disjoint_halves
from ganforge.metrics.fid import frechet_distance
from ganforge.metrics.stats import feature_stats


def floor_fid(features: Tensor, seed: int) -> tuple[float, int]:
    """features [N,d] of all real images -> (FID between two seeded disjoint halves, images per half)."""
    half_a, half_b = disjoint_halves(len(features), seed)
    as_float64 = features.double().numpy()
    mu_a, sigma_a = feature_stats(as_float64[half_a.numpy()])
    mu_b, sigma_b = feature_stats(as_float64[half_b.numpy()])
    return float(np.real(frechet_distance(mu_a, sigma_a, mu_b, sigma_b))), len(half_a)
