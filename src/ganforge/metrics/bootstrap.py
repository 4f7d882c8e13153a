"""Bootstrap confidence intervals for any metric of (fake, real) features (Efron's percentile interval).

Each draw resamples the fake rows and the real rows with replacement (the real side is kept
as given when it is None or precomputed statistics) and recomputes the metric. Resampling
repeats rows, and a repeated row is its own nearest neighbour at distance 0, so k-NN metrics
(PR, DC) are shifted within a draw. Cost: `draws` full evaluations of the metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ganforge.errors import UserError

CI_SEED = 0  # seed of the bootstrap draws
CI_LEVEL = 0.95


def _resample(features: Any, rng: np.random.Generator) -> Any:
    """Rows of an [N,d] array/tensor drawn with replacement; anything else (None, statistics) unchanged."""
    if isinstance(features, (np.ndarray, torch.Tensor)) and features.ndim == 2:
        rows = rng.integers(0, len(features), size=len(features))
        return (
            features[torch.from_numpy(rows)]
            if isinstance(features, torch.Tensor)
            else features[rows]
        )
    return features


def bootstrap_intervals(
    metric_fn: Callable[[Any, Any], dict[str, float]],
    fake: Any,
    real: Any = None,
    draws: int = 200,
    seed: int = CI_SEED,
    level: float = CI_LEVEL,
) -> dict[str, tuple[float, float]]:
    """Percentile intervals {key: (low, high)} for every value of `metric_fn(fake, real) -> dict`."""
    if draws < 2:
        raise UserError(f"bootstrap: draws must be at least 2, got {draws}")
    if not 0.0 < level < 1.0:
        raise UserError(f"bootstrap: confidence level must lie in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(draws):
        fake_draw = _resample(fake, rng)
        real_draw = _resample(real, rng)
        for key, value in metric_fn(fake_draw, real_draw).items():
            samples.setdefault(key, []).append(value)
    tail = (1.0 - level) / 2.0
    intervals = {}
    for key, values in samples.items():
        low, high = np.quantile(np.asarray(values, dtype=np.float64), [tail, 1.0 - tail])
        intervals[key] = (float(low), float(high))
    return intervals


def bootstrap_interval(
    metric_fn: Callable[[Any, Any], float],
    fake: Any,
    real: Any = None,
    draws: int = 200,
    seed: int = CI_SEED,
    level: float = CI_LEVEL,
) -> tuple[float, float]:
    """Percentile interval (low, high) of a scalar `metric_fn(fake, real)` over bootstrap draws."""
    intervals = bootstrap_intervals(
        lambda fake_draw, real_draw: {"value": metric_fn(fake_draw, real_draw)},
        fake,
        real,
        draws=draws,
        seed=seed,
        level=level,
    )
    return intervals["value"]
