"""Metric registry: `METRICS[name]` says which feature layer a metric reads, what it needs of the
real set, which options it takes, and how to compute it from features.

The evaluation pipeline uses `real_input` to decide what to load for the real side:
`"none"` (IS), `"stats"` (FID, FD∞: precomputed (mu, sigma), e.g. a `.npz`, is enough; real
features also work) or `"features"` (KID, PR, DC: real feature vectors are required).

    compute_metric("kid", fake_pool3, real_pool3, kid_subset_size=500, interval=True)
    -> {"kid_mean": ..., "kid_std": ..., "kid_mean_ci": [low, high]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.bootstrap import bootstrap_intervals
from ganforge.metrics.catalog import CATALOG
from ganforge.metrics.fd_infinity import fd_infinity
from ganforge.metrics.fid import DEFAULT_METHOD, frechet_distance, rank_warning
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.kid import kernel_inception_distance
from ganforge.metrics.prdc import DEFAULT_BLOCK_SIZE, density_coverage, precision_recall
from ganforge.metrics.stats import checked_features, feature_stats

Features = np.ndarray | torch.Tensor
RealStats = tuple[np.ndarray, np.ndarray]  # (mu [d], sigma [d,d])
RealInput = Literal["none", "stats", "features"]

DEFAULT_SEED = 2020  # torch-fidelity's rng_seed, shared by KID subsets and IS shuffling


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its name in `--metrics`, inputs, result keys, options and computation."""

    name: str
    layer: Literal["pool3", "logits_unbiased"]  # feature layer read from both sets
    real_input: RealInput  # what the metric needs of the real set
    keys: tuple[str, ...]  # result keys
    interval_keys: tuple[str, ...]  # keys that get a bootstrap interval "<key>_ci"
    compute: Callable[..., dict[str, float]]  # compute(fake, real, **options)
    options: Mapping[str, Any] = field(default_factory=dict)  # accepted option -> default
    imagenet_only: bool = False  # defined on ImageNet classes; a domain classifier gives a domain score

    @property
    def needs_real(self) -> bool:
        return self.real_input != "none"

    @property
    def needs_real_features(self) -> bool:
        return self.real_input == "features"


def _stats_of(side: Features | tuple, what: str) -> RealStats:
    """(mu, sigma) of features [N,d] or of statistics (mu, sigma[, n]); warns when N ≤ d."""
    if isinstance(side, tuple):
        mu, sigma, *count = side
        if count and count[0] is not None:
            rank_warning(count[0], len(mu), what=what)
        return mu, sigma
    features = checked_features(side, what)
    rank_warning(*features.shape, what=what)
    return feature_stats(features)


def _fid(fake: Features | tuple, real: Features | tuple, *, fid_method: str) -> dict[str, float]:
    """The one FID computation: from features or statistics on either side."""
    fake_stats, real_stats = _stats_of(fake, "fake features"), _stats_of(real, "real features")
    return {"fid": frechet_distance(*fake_stats, *real_stats, method=fid_method)}


def _kid(
    fake: Features,
    real: Features,
    *,
    kid_subsets: int,
    kid_subset_size: int,
    seed: int,
    allow_shrink: bool,
) -> dict[str, float]:
    mean, std = kernel_inception_distance(
        fake, real, kid_subsets, kid_subset_size, seed, allow_shrink
    )
    return {"kid_mean": mean, "kid_std": std}


def _is(
    fake: Features, real: None, *, is_splits: int, is_shuffle: bool, seed: int
) -> dict[str, float]:
    mean, std = inception_score(fake, splits=is_splits, shuffle=is_shuffle, seed=seed)
    return {"is_mean": mean, "is_std": std}


def _pr(fake: Features, real: Features, *, pr_k: int, block_size: int) -> dict[str, float]:
    precision, recall = precision_recall(fake, real, k=pr_k, block_size=block_size)
    return {"precision": precision, "recall": recall}


def _dc(fake: Features, real: Features, *, dc_k: int, block_size: int) -> dict[str, float]:
    density, coverage = density_coverage(fake, real, k=dc_k, block_size=block_size)
    return {"density": density, "coverage": coverage}


def _fd_inf(
    fake: Features,
    real: Features | RealStats,
    *,
    fd_inf_sizes: list[int] | None,
    seed: int,
    fid_method: str,
) -> dict[str, float]:
    return {
        "fd_infinity": fd_infinity(fake, real, sizes=fd_inf_sizes, seed=seed, method=fid_method)
    }


class _FeatureMetrics(Mapping[str, MetricSpec]):
    """The feature metrics' computations, read from the one metric registry (`catalog.CATALOG`)."""

    def __getitem__(self, name: str) -> MetricSpec:
        spec = CATALOG[name].computation
        if spec is None:
            raise KeyError(name)
        return spec

    def __iter__(self):
        return (name for name, metric in CATALOG.items() if metric.computation is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


METRICS: Mapping[str, MetricSpec] = _FeatureMetrics()


def register_metric(spec: MetricSpec) -> MetricSpec:
    """Attach how the catalog's metric `spec.name` is computed from features; twice is an error."""
    if spec.name not in CATALOG:
        raise ValueError(f"metric {spec.name!r}: register it in ganforge.metrics.catalog first")
    if CATALOG[spec.name].computation is not None:
        raise ValueError(f"metric {spec.name!r} is already registered")
    CATALOG[spec.name].computation = spec
    return spec


FID = register_metric(
    MetricSpec(
        name="fid",
        layer="pool3",
        real_input="stats",
        keys=("fid",),
        interval_keys=("fid",),
        compute=_fid,
        options={"fid_method": DEFAULT_METHOD},
    )
)
KID = register_metric(
    MetricSpec(
        name="kid",
        layer="pool3",
        real_input="features",
        keys=("kid_mean", "kid_std"),
        interval_keys=("kid_mean",),
        compute=_kid,
        options={
            "kid_subsets": 100,
            "kid_subset_size": 1000,
            "seed": DEFAULT_SEED,
            "allow_shrink": False,
        },
    )
)
INCEPTION_SCORE = register_metric(
    MetricSpec(
        name="is",
        layer="logits_unbiased",
        real_input="none",
        keys=("is_mean", "is_std"),
        interval_keys=("is_mean",),
        compute=_is,
        options={"is_splits": 10, "is_shuffle": True, "seed": DEFAULT_SEED},
        imagenet_only=True,
    )
)
PRECISION_RECALL = register_metric(
    MetricSpec(
        name="pr",
        layer="pool3",
        real_input="features",
        keys=("precision", "recall"),
        interval_keys=("precision", "recall"),
        compute=_pr,
        options={"pr_k": 3, "block_size": DEFAULT_BLOCK_SIZE},
    )
)
DENSITY_COVERAGE = register_metric(
    MetricSpec(
        name="dc",
        layer="pool3",
        real_input="features",
        keys=("density", "coverage"),
        interval_keys=("density", "coverage"),
        compute=_dc,
        options={"dc_k": 5, "block_size": DEFAULT_BLOCK_SIZE},
    )
)
FD_INFINITY = register_metric(
    MetricSpec(
        name="fd_inf",
        layer="pool3",
        real_input="stats",
        keys=("fd_infinity",),
        interval_keys=("fd_infinity",),
        compute=_fd_inf,
        options={"fd_inf_sizes": None, "seed": DEFAULT_SEED, "fid_method": DEFAULT_METHOD},
    )
)


def resolve_metrics(names: Iterable[str]) -> list[MetricSpec]:
    """Metric names (as in `--metrics fid,kid`) -> specs, in the given order, without repeats."""
    specs: list[MetricSpec] = []
    for name in names:
        if name not in METRICS:
            raise UserError(f"--metrics {name}: unknown metric; allowed: {', '.join(METRICS)}")
        if METRICS[name] not in specs:
            specs.append(METRICS[name])
    return specs


def known_options() -> set[str]:
    """Every option name some registered metric accepts."""
    return {option for spec in METRICS.values() for option in spec.options}


def _check_real(spec: MetricSpec, real: Features | RealStats | None) -> None:
    if spec.real_input == "features" and (real is None or isinstance(real, tuple)):
        raise UserError(
            f"metric {spec.name} needs real images or features; precomputed statistics (mu, sigma) are not enough"
        )
    if spec.real_input == "stats" and real is None:
        raise UserError(
            f"metric {spec.name} needs a real reference (images, features or a statistics .npz)"
        )


def compute_metric(
    name: str,
    fake: Features,
    real: Features | RealStats | None = None,
    *,
    interval: bool = False,
    ci_draws: int = 200,
    ci_seed: int = 0,
    ci_level: float = 0.95,
    **options: Any,
) -> dict[str, Any]:
    """Compute one metric from fake features [N,d] (its `layer`) and the real side.

    `real`: real features [M,d], or (mu, sigma) for `real_input == "stats"` metrics, or None for IS.
    `options` may hold options of any registered metric; each metric takes its own and ignores
    the rest. With `interval`, adds `<key>_ci: [low, high]` from `ci_draws` bootstrap draws.
    """
    (spec,) = resolve_metrics([name])
    unknown = set(options) - known_options()
    if unknown:
        raise UserError(
            f"unknown metric option(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known_options()))}"
        )
    _check_real(spec, real)
    own_options = {option: options.get(option, default) for option, default in spec.options.items()}
    real_used = real if spec.needs_real else None
    result: dict[str, Any] = dict(spec.compute(fake, real_used, **own_options))
    if interval:

        def interval_values(fake_draw: Features, real_draw: Any) -> dict[str, float]:
            values = spec.compute(fake_draw, real_draw, **own_options)
            return {key: values[key] for key in spec.interval_keys}

        intervals = bootstrap_intervals(
            interval_values, fake, real_used, draws=ci_draws, seed=ci_seed, level=ci_level
        )
        result.update({f"{key}_ci": list(bounds) for key, bounds in intervals.items()})
    return result
