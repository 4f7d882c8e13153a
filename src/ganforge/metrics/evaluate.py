"""`ganforge.evaluate`: sources -> features -> metrics, with the protocol that produced them.

    res = ganforge.evaluate(fake="runs/dcgan-digits", real="builtin:digits", metrics=["fid", "kid"],
                            weights="pt_inception.pth")
    res["fid"], res["kid_mean"], res["kid_std"], res["protocol"]

The result is one flat dict: the keys of the metrics asked for (`fid`, `kid_mean`, `kid_std`,
`is_mean`, `is_std`, `precision`, `recall`, `density`, `coverage`), `<key>_ci` [low, high]
with `ci=True`, and `protocol`. Real features are cached (see `cache.py`); fake ones never are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from ganforge.errors import UserError
from ganforge.metrics import checks
from ganforge.metrics.bootstrap import CI_LEVEL, CI_SEED
from ganforge.metrics.cache import FeatureCache
from ganforge.metrics.conditional import evaluate_with_class_metrics, split_metrics
from ganforge.metrics.extract import Keep, LayerResult, cached_layers, extract
from ganforge.metrics.features import build_features
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.fid import DEFAULT_METHOD
from ganforge.metrics.floor import floor_values
from ganforge.metrics.inputs import (
    EvaluationInput,
    GeneratorSource,
    ImageInput,
    StatsInput,
    open_input,
)
from ganforge.metrics.kid import warn_shrunk
from ganforge.metrics.protocol import (
    check_comparable,
    feature_protocol,
    resolve_device,
    versions,
)
from ganforge.metrics.registry import DEFAULT_SEED, MetricSpec, compute_metric
from ganforge.metrics.report import check_output_path, write_json
from ganforge.metrics.sharding import is_main_process
from ganforge.metrics.stats import feature_stats

# Layer names of the Inception extractor -> the same role in a domain evaluator.
LAYER_ROLES = {"pool3": "features", "logits_unbiased": "logits"}

LayerValues = dict[str, LayerResult | None]


def evaluate(
    fake: str | Path | nn.Module | GeneratorSource,
    real: str | Path | GeneratorSource | None = None,
    metrics: Iterable[str] | str = ("fid",),
    features: str = "inception",
    weights: str | Path | None = None,
    resize: str = "tf1",
    n: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    kid_allow_shrink: bool = True,
    ci: bool = False,
    ci_draws: int = 200,
    device: str = "auto",
    cache: bool = True,
    json_path: str | Path | None = None,
    classifier: str | None = None,
    proportions: str = "data",
    exif_orientation: bool = False,
    floor: bool = False,
) -> dict[str, Any]:
    """Metrics of `fake` against `real` (see the module docstring for the result).

    `ifid` and `cacc` (class-conditional generators, see `conditional.py`) generate labels in
    the real data's class `proportions` ("data") or "uniform"; `classifier` names the evaluator
    that judges `cacc` (default: the domain features, or the shipped one for a built-in source).

    `fake`/`real`: an image folder, `.zip`, `builtin:NAME`, a generator module or `GeneratorSource`
    (images generated from latents seeded by `seed`; `ganforge.evaluate` makes one of a run
    directory, checkpoint or export), or (real; fake for FID alone) a statistics `.npz`. `n` caps both sides; `json_path` also writes the result as JSON
    (`"-"`: print it). Image files are read as stored, as the reference tools read them;
    `exif_orientation` turns photos upright first. `floor` adds each metric's real-vs-real
    value as `<key>_real` (see `floor.py`). KID's subset size shrinks to the smaller image count
    with a warning and the size used in the protocol, as in the CLI (`kid_allow_shrink=False`
    fails instead).
    """
    standard, per_class = split_metrics([m.strip() for m in (metrics.split(",") if isinstance(metrics, str) else metrics)])
    if per_class:  # ifid / cacc: generated per class, against labelled real images
        kwargs = {key: value for key, value in locals().items() if key not in ("standard", "per_class", "classifier", "proportions", "metrics")}
        return evaluate_with_class_metrics(evaluate, kwargs, standard, per_class, classifier, proportions)
    specs = checks.metric_specs(metrics)
    if json_path is not None:
        check_output_path(json_path)
    checks.check_positive(batch_size=batch_size, kid_subsets=kid_subsets, ci_draws=ci_draws)
    device = resolve_device(device)
    real_input = checks.open_real(real, specs, n, seed, device, exif_orientation, floor)
    fake_input = open_input(fake, n, seed, default_count=_count(real_input), device=device,
                            exif_orientation=exif_orientation)  # fmt: skip
    checks.check_statistics_inputs(specs, fake_input, real_input, ci)
    kid_options = (kid_subset_size, kid_allow_shrink)
    checks.kid_subset_size(specs, _count(fake_input), _count(real_input), *kid_options)

    extractor = None  # two statistics files need none
    if any(isinstance(side, ImageInput) for side in (fake_input, real_input)):
        extractor = features if isinstance(features, FeatureExtractor) else build_features(
            features, weights=weights, resize=resize, device=device
        )
    plan = Plan(specs, extractor, ci, batch_size, device, floor)
    if isinstance(real_input, StatsInput) and extractor is not None:
        check_comparable(real_input.protocol, plan.feature_protocol(), real_input.spec)
    fake_values = plan.fake_values(fake_input)
    real_values = plan.real_values(real_input, FeatureCache(cache))

    n_fake, n_real = _n_of(fake_input, fake_values), _n_of(real_input, real_values)
    # Counted again: unreadable files may have left fewer images than announced.
    kid_size = checks.kid_subset_size(specs, n_fake, n_real, *kid_options)
    if kid_size is not None:
        warn_shrunk(kid_subset_size, kid_size, n_fake, n_real)
    options = {
        "kid_subsets": kid_subsets,
        "kid_subset_size": kid_size or kid_subset_size,
        "allow_shrink": kid_allow_shrink,
    }
    result: dict[str, Any] = {}
    for spec in specs:
        result.update(plan.compute(spec, fake_values, real_values, ci_draws, options))
    floor_protocol = None
    if floor:
        floor_result, floor_protocol = floor_values(specs, plan.layers, real_values, options, seed)
        result.update(floor_result)
    result["protocol"] = {
        "metrics": [spec.name for spec in specs],
        "n_fake": n_fake,
        "n_real": n_real,
        "fake": fake_input.describe(),
        "real": real_input.describe() if real_input is not None else None,
        **plan.feature_protocol(),
        "layers": sorted(set(plan.layers.values())),
        "fid_method": DEFAULT_METHOD,
        "exif_orientation": exif_orientation,
        "seeds": {
            "images": seed,
            "kid": DEFAULT_SEED,
            "is": DEFAULT_SEED,
            "bootstrap": CI_SEED if ci else None,
        },
        "kid_subsets": kid_subsets if kid_size is not None else None,
        "kid_subset_size": kid_size,
        "ci": {"draws": ci_draws, "level": CI_LEVEL} if ci else None,
        "floor": floor_protocol,
        "versions": versions(),
        "device": device,
    }
    if extractor is not None and not extractor.is_imagenet and any(spec.imagenet_only for spec in specs):
        _label_domain_score(result, plan.extractor_protocol or {})
    if json_path is not None and is_main_process():
        write_json(result, json_path)
    return result


def _label_domain_score(result: dict[str, Any], extractor_protocol: dict[str, Any]) -> None:
    """IS from a domain evaluator's classifier is a domain IS: over its classes, not ImageNet's,
    read against the same classifier's IS of real held-out images (its ceiling)."""
    name = extractor_protocol.get("name")
    result["protocol"]["is_classifier"] = f"{name}: domain IS over its own classes (not ImageNet's)"
    ceiling = extractor_protocol.get("is_ceiling")
    if ceiling is not None:
        result["is_ceiling"] = ceiling


@dataclass
class Plan:
    """Which layer each metric reads, what each side must keep of it, and the computation."""

    specs: list[MetricSpec]
    extractor: FeatureExtractor | None  # None: statistics files on both sides
    ci: bool
    batch_size: int
    device: str
    floor: bool = False  # the real side keeps its features for every metric

    def __post_init__(self) -> None:
        self.layers = {spec.name: _extractor_layer(self.extractor, spec) for spec in self.specs}
        protocol = self.extractor.protocol() if self.extractor is not None else None
        self.extractor_protocol = protocol
        # None for extractors with their own preprocessing (domain evaluators).
        self.resize = (protocol or {}).get("resize")

    def feature_protocol(self) -> dict[str, Any]:
        return feature_protocol(self.extractor_protocol, self.resize)

    def _fake_from_stats_only(self, spec: MetricSpec) -> bool:
        return spec.name in checks.FAKE_STATS_ENOUGH and not self.ci

    def fake_values(self, fake: EvaluationInput) -> LayerValues:
        if isinstance(fake, StatsInput):
            return {
                self.layers[spec.name]: (fake.mu, fake.sigma, fake.count) for spec in self.specs
            }
        keep: dict[str, Keep] = {}
        for spec in self.specs:
            _merge(
                keep,
                self.layers[spec.name],
                "stats" if self._fake_from_stats_only(spec) else "features",
            )
        return extract(
            fake, self.extractor, keep, self.batch_size, self.device, label=f"fake ({fake.spec})"
        )

    def real_values(self, real: EvaluationInput | None, cache: FeatureCache) -> LayerValues:
        if real is None:
            return {}
        needing = [spec for spec in self.specs if spec.needs_real or self.floor]
        if isinstance(real, StatsInput):
            return {self.layers[spec.name]: (real.mu, real.sigma, real.count) for spec in needing}
        keep: dict[str, Keep] = {}
        for spec in needing:
            # Intervals resample the real rows too, so they need real features.
            stats_enough = spec.real_input == "stats" and not (self.ci or self.floor)
            _merge(keep, self.layers[spec.name], "stats" if stats_enough else "features")
        return cached_layers(
            real,
            self.extractor,
            keep,
            cache,
            self.resize or "",
            self.batch_size,
            self.device,
            label=f"real ({real.spec})",
        )

    def compute(
        self,
        spec: MetricSpec,
        fake_values: LayerValues,
        real_values: LayerValues,
        ci_draws: int,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        layer = self.layers[spec.name]
        fake, real = fake_values[layer], real_values.get(layer) if spec.needs_real else None
        if self._fake_from_stats_only(spec):
            fake, real = _as_stats(fake, "fake"), _as_stats(real, "real")
        return compute_metric(
            spec.name, fake, real, interval=self.ci, ci_draws=ci_draws, ci_seed=CI_SEED, **options
        )


def _extractor_layer(extractor: FeatureExtractor | None, spec: MetricSpec) -> str:
    """The extractor's layer for the metric: its own name, or the same role in a domain evaluator."""
    if extractor is None:
        return spec.layer
    if spec.layer in extractor.layers:
        return spec.layer
    reason = extractor.unavailable(spec.layer)
    if reason is not None:
        raise UserError(f"--metrics {spec.name}: {reason}")
    role = LAYER_ROLES.get(spec.layer)
    if role not in extractor.layers:
        raise UserError(
            f"--metrics {spec.name}: extractor {extractor.name} has no {spec.layer} layer "
            f"(its layers: {', '.join(extractor.layers)})"
        )
    return role


def _merge(keep: dict[str, Keep], layer: str, how: Keep) -> None:
    """Features serve every request; statistics only when no metric needs the features."""
    if keep.get(layer) != "features":
        keep[layer] = how


def _as_stats(value: LayerResult | None, what: str) -> tuple[np.ndarray, np.ndarray, int | None]:
    if value is None:
        raise UserError(f"{what}: fewer than 2 readable images; statistics need at least 2")
    if isinstance(value, np.ndarray):
        return (*feature_stats(value), len(value))
    return value


def _count(side: EvaluationInput | None) -> int | None:
    return None if side is None else side.count


def _n_of(side: EvaluationInput | None, values: LayerValues) -> int | None:
    """Images that actually went into the metrics (unreadable files excluded)."""
    if side is None or isinstance(side, StatsInput):
        return _count(side)
    for value in values.values():
        if isinstance(value, np.ndarray):
            return len(value)
        if value is not None:
            return value[2]
    return side.count
