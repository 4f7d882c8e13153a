"""Feature-extractor registry (`--features`): name -> factory(weights, resize, device)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ganforge.errors import UserError
from ganforge.metrics.features.base import FeatureExtractor

FEATURES: dict[str, Callable[..., FeatureExtractor]] = {}


def register_features(name: str):
    """Decorator adding a factory under `name`; a name registered twice is a programming error."""

    def add(factory: Callable[..., FeatureExtractor]) -> Callable[..., FeatureExtractor]:
        if name in FEATURES:
            raise ValueError(f"feature extractor {name!r} is already registered")
        FEATURES[name] = factory
        return factory

    return add


def build_features(
    spec: str, *, weights: str | None = None, resize: str = "tf1", device: str = "cpu"
) -> FeatureExtractor:
    """`inception`, a registered name (`digits`, `shapes`), `domain:DIR` or an evaluator DIR."""
    if spec.startswith("domain:"):
        return FEATURES["domain"](path=spec.removeprefix("domain:"), device=device)
    if spec in FEATURES:
        return FEATURES[spec](weights=weights, resize=resize, device=device)
    if Path(spec).is_dir():
        return FEATURES["domain"](path=spec, device=device)
    raise UserError(f"--features {spec}: unknown extractor; allowed: {', '.join(sorted(FEATURES))}, domain:DIR")


from ganforge.metrics.features import domain, inception, shapes_attributes  # noqa: E402,F401  (registration)
