"""The real-vs-real floor of a metric (`ganforge eval --floor`): what two samples of the real
distribution already score, so that a generator's number can be read against it.

Two-sample metrics (FID, KID, PR, DC, FD∞) compare two disjoint seeded halves of the real
features (half B in the place of the fake set, half A as the reference); at half the sample
size, so for FID and KID an upper bound of the floor at the full size. Metrics of one set (IS)
are computed on all real images: their value there is the ceiling a generator can reach.
Keys are those of the metric with `_real` appended.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganforge.errors import UserError
from ganforge.metrics.registry import MetricSpec, compute_metric

SUFFIX = "_real"


def real_halves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint seeded halves of range(n), n // 2 each, in row order."""
    order = np.random.RandomState(seed).permutation(n)
    half = n // 2
    return np.sort(order[:half]), np.sort(order[half : 2 * half])


def floor_values(
    specs: list[MetricSpec],
    layers: dict[str, str],
    real_features: dict[str, np.ndarray],
    options: dict[str, Any],
    seed: int,
) -> tuple[dict[str, float], dict[str, Any]]:
    """({"<key>_real": value}, protocol part) for every metric, from the real features of its layer."""
    values: dict[str, float] = {}
    n = len(next(iter(real_features.values())))
    half_a, half_b = real_halves(n, seed)
    if len(half_a) < 2:
        raise UserError(f"--floor: {n} real images cannot be cut into two halves of at least 2")
    own = dict(options)
    if "kid_subset_size" in own:
        own["kid_subset_size"] = min(own["kid_subset_size"], len(half_a))
    for spec in specs:
        features = real_features[layers[spec.name]]
        if spec.needs_real:
            result = compute_metric(spec.name, features[half_b], features[half_a], **own)
        else:
            result = compute_metric(spec.name, features, **own)
        values.update({f"{key}{SUFFIX}": value for key, value in result.items()})
    protocol = {"real_half_n": len(half_a), "seed": seed, "kid_subset_size": own.get("kid_subset_size"),
                "one_set_metrics_on": f"all {n} real images"}  # fmt: skip
    return values, protocol
