"""The one metric registry: every name `eval`, `eval-translation`, `align`, `eval.metrics` and
`eval.best` accept, with what the metric needs, which evaluations may ask for it, the result
key that ranks runs and whether higher is better.

How a metric is computed lives with its kind: feature metrics attach their `MetricSpec`
(`ganforge.metrics.registry.register_metric`); class, translation and alignment metrics are
computed by `metrics.conditional`, `translation.evaluate` and `alignment`. Adding a metric is
one `register` line here (and its computation).

Needs: "features" (feature vectors of generated and real images), "labels" (a class-conditional
generator and labelled real images), "pairs" (translations and their targets), "cycle" (a run
that translates both ways), "captions" (a text-conditioned generator and held-out captions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

IMAGES = "images"  # evaluations of runs that sample from latents (Objective.evaluation)
TRANSLATION = "translation"  # ... of runs that translate images


@dataclass
class Metric:
    name: str
    needs: frozenset[str]
    evaluations: frozenset[str]  # the `Objective.evaluation` kinds that may ask for it
    rank_key: str  # the result key that ranks runs (eval.best, best.ckpt, the report's best)
    higher_is_better: bool
    computation: Any = None  # feature metrics: their `MetricSpec`


CATALOG: dict[str, Metric] = {}


def register(name: str, needs: Iterable[str], evaluations: Iterable[str], rank_key: str, higher_is_better: bool) -> Metric:
    """Add a metric; a name registered twice is a programming error."""
    if name in CATALOG:
        raise ValueError(f"metric {name!r} is already registered")
    CATALOG[name] = Metric(name, frozenset(needs), frozenset(evaluations), rank_key, higher_is_better)
    return CATALOG[name]


def names(evaluation: str | None = None, needs: str | None = None) -> list[str]:
    """Metric names, in registration order, that `evaluation` may ask for and that need `needs`."""
    return [
        name for name, metric in CATALOG.items()
        if (evaluation is None or evaluation in metric.evaluations) and (needs is None or needs in metric.needs)
    ]


def lower_is_better_keys() -> frozenset[str]:
    """Result keys (and metric names) whose smaller values are better."""
    return frozenset(key for m in CATALOG.values() if not m.higher_is_better for key in (m.name, m.rank_key))


BOTH = (IMAGES, TRANSLATION)
register("fid", ["features"], BOTH, "fid", higher_is_better=False)
register("kid", ["features"], BOTH, "kid_mean", higher_is_better=False)
register("is", ["features"], [IMAGES], "is_mean", higher_is_better=True)
register("pr", ["features"], [IMAGES], "precision", higher_is_better=True)
register("dc", ["features"], [IMAGES], "coverage", higher_is_better=True)
register("fd_inf", ["features"], [IMAGES], "fd_infinity", higher_is_better=False)
register("ifid", ["labels", "features"], [IMAGES], "ifid", higher_is_better=False)
register("cacc", ["labels"], [IMAGES], "class_accuracy", higher_is_better=True)
register("cdiv", ["labels", "features"], [IMAGES], "class_coverage", higher_is_better=True)
register("psnr", ["pairs"], [TRANSLATION], "psnr", higher_is_better=True)
register("ssim", ["pairs"], [TRANSLATION], "ssim", higher_is_better=True)
register("l1", ["pairs"], [TRANSLATION], "l1", higher_is_better=False)
register("cycle_psnr", ["cycle"], [TRANSLATION], "cycle_psnr", higher_is_better=True)
register("attributes", ["captions"], [IMAGES], "attributes_all", higher_is_better=True)  # builtin:shapes
register("spread", ["captions"], [IMAGES], "spread_min", higher_is_better=True)  # ... images of one prompt
