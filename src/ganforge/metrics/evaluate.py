"""`ganforge.evaluate`: sources -> features -> metrics, with the protocol that produced them.

    res = evaluate(fake="runs/dcgan-digits", real="builtin:digits", metrics=["fid", "kid"],
                   weights="pt_inception.pth")
    res["fid"], res["kid_mean"], res["kid_std"], res["protocol"]

The result is one flat dict: the keys of the metrics asked for (`fid`, `kid_mean`, `kid_std`,
`is_mean`, `is_std`, `precision`, `recall`, `density`, `coverage`), `<key>_ci` [low, high]
with `ci=True`, and `protocol`. Real features are cached (see `cache.py`); fake ones never are.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from ganforge.errors import UserError
from ganforge.metrics.cache import FeatureCache
from ganforge.metrics.extract import Keep, LayerResult, cached_layers, extract
from ganforge.metrics.features import build_features
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.fid import frechet_distance, rank_warning
from ganforge.metrics.inputs import EvaluationInput, ImageInput, StatsInput, open_input
from ganforge.metrics.protocol import (
    feature_protocol,
    resolve_device,
    versions,
    warn_if_incomparable,
)
from ganforge.metrics.registry import DEFAULT_SEED, MetricSpec, compute_metric, resolve_metrics
from ganforge.metrics.report import check_output_path, write_json
from ganforge.metrics.stats import feature_stats

CI_SEED = 0  # seed of the bootstrap draws
CI_LEVEL = 0.95
# Metrics computed from fake statistics alone when no interval is asked for: O(d²) memory for any N.
FAKE_STATS_ENOUGH = {"fid"}
# Layer names of the Inception extractor -> the same role in a domain evaluator.
LAYER_ROLES = {"pool3": "features", "logits_unbiased": "logits"}


def evaluate(
    fake: str | Path | nn.Module,
    real: str | Path | None = None,
    metrics: Iterable[str] | str = ("fid",),
    features: str = "inception",
    weights: str | Path | None = None,
    resize: str = "tf1",
    n: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    kid_allow_shrink: bool = False,
    ci: bool = False,
    ci_draws: int = 200,
    device: str = "auto",
    cache: bool = True,
    json_path: str | Path | None = None,
) -> dict[str, Any]:
    """Metrics of `fake` against `real` (see the module docstring for the result).

    `fake`/`real`: an image folder, `.zip`, `builtin:NAME`, run directory or checkpoint (images
    generated from latents seeded by `seed`), a generator module, or (real; fake for FID alone)
    a statistics `.npz`. `n` caps both sides; `json_path` also writes the result as JSON
    (`"-"`: print it).
    """
    specs = resolve_metrics(_metric_names(metrics))
    if json_path is not None:
        check_output_path(json_path)
    _check_positive(batch_size=batch_size, kid_subsets=kid_subsets, ci_draws=ci_draws)
    device = resolve_device(device)
    real_input = _open_real(real, specs, n, seed, device)
    fake_input = open_input(fake, n, seed, default_count=_count(real_input), device=device)
    _check_statistics_inputs(specs, fake_input, real_input, ci)
    kid_size = _kid_subset_size(specs, fake_input, real_input, kid_subset_size, kid_allow_shrink)

    extractor = None
    if any(isinstance(side, ImageInput) for side in (fake_input, real_input)):
        extractor = build_features(features, weights=weights, resize=resize, device=device)
    layers = {spec.name: _extractor_layer(extractor, spec) for spec in specs}
    extractor_protocol = extractor.protocol() if extractor is not None else None
    effective_resize = (extractor_protocol or {}).get("resize")
    if isinstance(real_input, StatsInput) and extractor_protocol is not None:
        warn_if_incomparable(real_input.protocol, feature_protocol(extractor_protocol, effective_resize), real_input.spec)

    fake_values = _fake_layers(fake_input, extractor, specs, layers, ci, batch_size, device)
    real_values = _real_layers(
        real_input, extractor, specs, layers, ci, FeatureCache(cache), effective_resize, batch_size, device
    )
    options = {"kid_subsets": kid_subsets, "kid_subset_size": kid_size or kid_subset_size,
               "allow_shrink": kid_allow_shrink}
    result: dict[str, Any] = {}
    for spec in specs:
        result.update(_compute(spec, fake_values[layers[spec.name]], _real_for(spec, real_values, layers),
                               ci, ci_draws, options))

    result["protocol"] = {
        "metrics": [spec.name for spec in specs],
        "n_fake": _n_of(fake_input, fake_values),
        "n_real": _n_of(real_input, real_values),
        "fake": fake_input.describe(),
        "real": real_input.describe() if real_input is not None else None,
        **feature_protocol(extractor_protocol, effective_resize),
        "layers": sorted(set(layers.values())),
        "fid_method": "eig",
        "seeds": {"images": seed, "kid": DEFAULT_SEED, "is": DEFAULT_SEED, "bootstrap": CI_SEED if ci else None},
        "kid_subsets": kid_subsets if kid_size is not None else None,
        "kid_subset_size": kid_size,
        "ci": {"draws": ci_draws, "level": CI_LEVEL} if ci else None,
        "versions": versions(),
        "device": device,
    }
    if json_path is not None:
        write_json(result, json_path)
    return result


def _metric_names(metrics: Iterable[str] | str) -> list[str]:
    names = metrics.split(",") if isinstance(metrics, str) else list(metrics)
    names = [name.strip() for name in names if name.strip()]
    if not names:
        raise UserError("--metrics: expected at least one metric name")
    return names


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if value < 1:
            raise UserError(f"--{name.replace('_', '-')} {value}: expected a positive number")


def _open_real(
    real: str | Path | None, specs: list[MetricSpec], n: int | None, seed: int, device: str
) -> EvaluationInput | None:
    needing = [spec.name for spec in specs if spec.needs_real]
    if not needing:
        return None
    if real is None:
        raise UserError(f"--real: required by metric(s) {', '.join(needing)}")
    return open_input(real, n, seed, device=device)


def _count(side: EvaluationInput | None) -> int | None:
    return None if side is None else side.count


def _check_statistics_inputs(
    specs: list[MetricSpec], fake: EvaluationInput, real: EvaluationInput | None, ci: bool
) -> None:
    """Statistics files serve FID only: as the reference, or on both sides without intervals."""
    if isinstance(real, StatsInput):
        blocked = [spec.name for spec in specs if spec.needs_real_features]
        if blocked:
            raise UserError(
                f"--real {real.spec}: a statistics file serves only fid; {', '.join(blocked)} need real images"
            )
    if isinstance(fake, StatsInput):
        blocked = [spec.name for spec in specs if spec.name not in FAKE_STATS_ENOUGH]
        if blocked or ci:
            what = ", ".join(blocked) if blocked else "--ci"
            raise UserError(f"--fake {fake.spec}: a statistics file serves only fid without --ci; {what} need images")


def _kid_subset_size(
    specs: list[MetricSpec], fake: EvaluationInput, real: EvaluationInput | None, size: int, allow_shrink: bool
) -> int | None:
    """The KID subset size to use (None without KID); checked before any image is read."""
    if not any(spec.name == "kid" for spec in specs):
        return None
    smaller = min(fake.count, real.count)
    if size <= smaller:
        return size
    if not allow_shrink:
        raise UserError(
            f"--kid-subset-size {size} is larger than the number of images (fake: {fake.count}, "
            f"real: {real.count}); pass --kid-subset-size {smaller} or less, or --kid-shrink"
        )
    return smaller


def _extractor_layer(extractor: FeatureExtractor | None, spec: MetricSpec) -> str:
    """The extractor's layer for the metric: its own name, or the same role in a domain evaluator."""
    if extractor is None:
        return spec.layer
    if spec.imagenet_only and not extractor.is_imagenet:
        warnings.warn(
            f"--metrics {spec.name}: meaningless off-ImageNet; extractor {extractor.name} "
            "does not classify the ImageNet classes the score was defined on",
            stacklevel=3,
        )
    if spec.layer in extractor.layers:
        return spec.layer
    role = LAYER_ROLES.get(spec.layer)
    if role not in extractor.layers:
        raise UserError(
            f"--metrics {spec.name}: extractor {extractor.name} has no {spec.layer} layer "
            f"(its layers: {', '.join(extractor.layers)})"
        )
    return role


def _uses_stats_only(spec: MetricSpec, ci: bool) -> bool:
    return spec.name in FAKE_STATS_ENOUGH and not ci


def _merge(keep: dict[str, Keep], layer: str, how: Keep) -> None:
    """Features serve every request; statistics only when no metric needs the features."""
    if keep.get(layer) != "features":
        keep[layer] = how


def _fake_layers(
    fake: EvaluationInput, extractor: FeatureExtractor | None, specs: list[MetricSpec],
    layers: dict[str, str], ci: bool, batch_size: int, device: str,
) -> dict[str, LayerResult | None]:
    if isinstance(fake, StatsInput):
        return {layers[spec.name]: (fake.mu, fake.sigma, fake.count) for spec in specs}
    keep: dict[str, Keep] = {}
    for spec in specs:
        _merge(keep, layers[spec.name], "stats" if _uses_stats_only(spec, ci) else "features")
    return extract(fake, extractor, keep, batch_size, device, label=f"fake ({fake.spec})")


def _real_layers(
    real: EvaluationInput | None, extractor: FeatureExtractor | None, specs: list[MetricSpec],
    layers: dict[str, str], ci: bool, cache: FeatureCache, resize: str | None, batch_size: int, device: str,
) -> dict[str, LayerResult | None]:
    if real is None:
        return {}
    if isinstance(real, StatsInput):
        return {layers[spec.name]: (real.mu, real.sigma, real.count) for spec in specs if spec.needs_real}
    keep: dict[str, Keep] = {}
    for spec in specs:
        if spec.needs_real:
            # Intervals resample the real rows too, so they need real features.
            how: Keep = "stats" if spec.real_input == "stats" and not ci else "features"
            _merge(keep, layers[spec.name], how)
    return cached_layers(real, extractor, keep, cache, resize or "", batch_size, device, label=f"real ({real.spec})")


def _real_for(spec: MetricSpec, real_values: dict, layers: dict[str, str]) -> LayerResult | None:
    return real_values.get(layers[spec.name]) if spec.needs_real else None


def _as_stats(value: LayerResult | None, what: str) -> tuple[np.ndarray, np.ndarray, int | None]:
    if value is None:
        raise UserError(f"{what}: fewer than 2 readable images; statistics need at least 2")
    if isinstance(value, np.ndarray):
        return (*feature_stats(value), len(value))
    return value


def _compute(
    spec: MetricSpec, fake: LayerResult | None, real: LayerResult | None, ci: bool, ci_draws: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    if _uses_stats_only(spec, ci):
        return {"fid": _fid_from_stats(_as_stats(fake, "fake"), _as_stats(real, "real"))}
    if isinstance(real, tuple):  # precomputed statistics: the metric takes (mu, sigma)
        real = real[:2]
    return compute_metric(spec.name, fake, real, interval=ci, ci_draws=ci_draws, ci_seed=CI_SEED, **options)


def _fid_from_stats(fake: tuple, real: tuple) -> float:
    for (mu, _, count), what in ((fake, "fake features"), (real, "real features")):
        if count is not None:
            rank_warning(count, len(mu), what=what)
    return frechet_distance(fake[0], fake[1], real[0], real[1])


def _n_of(side: EvaluationInput | None, values: dict[str, LayerResult | None]) -> int | None:
    """Images that actually went into the metrics (unreadable files excluded)."""
    if side is None:
        return None
    if isinstance(side, StatsInput):
        return side.count
    for value in values.values():
        if isinstance(value, np.ndarray):
            return len(value)
        if value is not None:
            return value[2]
    return side.count
