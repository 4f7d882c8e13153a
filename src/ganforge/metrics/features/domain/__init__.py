"""Domain feature extractors: a trained ganforge evaluator as `--features`.

`domain:DIR` (or an evaluator DIR) loads `DIR/evaluator.json` + `DIR/weights.safetensors`;
`digits` and `shapes` load the evaluators shipped in `ganforge/assets/evaluators/`.
Images are preprocessed exactly as at training time (recorded in the JSON), so the
extractor's own resize rule applies and the Inception `--resize` mode does not.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

from torch import Tensor

from ganforge.errors import UserError
from ganforge.metrics.features import register_features
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.features.domain.files import load_evaluator

SHIPPED = ("digits", "shapes")


class DomainFeatures(FeatureExtractor):
    """uint8 RGB [N,3,H,W] -> {"features": [N,d] float32 (penultimate layer), "logits": [N,K]}.

    "logits" exists for supervised evaluators only.
    """

    def __init__(self, path: str | Path, device: str = "cpu") -> None:
        super().__init__()
        self.evaluator, self.meta = load_evaluator(path, device=device)
        self.name = f"domain:{self.meta['name']}"
        self.layers = ("features", "logits") if self.evaluator.has_logits else ("features",)
        self._checked_likeness = False  # warn at most once, on the first batch

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        if not self._checked_likeness:
            self._checked_likeness = True
            warn_if_unlike(self.name, self.meta.get("data", {}), images)
        return self.evaluator(images)

    def protocol(self) -> dict:
        meta = self.meta
        return {
            "name": self.name,
            "weights_sha256": meta["weights"]["sha256"],
            "architecture": meta["architecture"]["name"],
            "preprocessing": meta["preprocessing"],
            "layer": meta["feature_layer"]["name"],
            "feature_layer": meta["feature_layer"],
            "mode": meta["mode"],
            "val_accuracy": meta.get("val_accuracy"),
            "floor_fid": meta.get("floor_fid"),
            "floor_n": meta.get("floor_n"),
            "floor_images": meta.get("floor_images", "all (trained on)"),
            "is_ceiling": meta.get("is_ceiling"),
        }


def warn_if_unlike(name: str, trained_on: dict, images: Tensor) -> None:
    """One warning when images differ in size or colour from the evaluator's training images."""
    size, grayscale = trained_on.get("image_size"), trained_on.get("grayscale")
    height, width = images.shape[-2:]
    differences = []
    if size is not None and [height, width] != list(size):
        differences.append(f"{height}×{width} pixels, not {size[0]}×{size[1]}")
    if grayscale and not bool((images[:, 0] == images[:, 1]).all() and (images[:, 1] == images[:, 2]).all()):
        differences.append("colour, not grayscale")
    if differences:
        warnings.warn(
            f"--features {name}: these images are {' and '.join(differences)} like the ones it was "
            "trained on; its features, floor and IS describe other images",
            stacklevel=3,
        )


@register_features("domain")
def domain_features(path: str, device: str = "cpu") -> DomainFeatures:
    return DomainFeatures(path, device=device)


def shipped_evaluator_dir(name: str) -> Path:
    """Directory of a shipped evaluator inside the installed package."""
    directory = resources.files("ganforge") / "assets" / "evaluators" / name
    # Installed packages are plain directories (package data); zipped installs are not supported.
    path = Path(str(directory))
    if not path.is_dir():
        raise UserError(
            f"--features {name}: shipped evaluator missing at {path} (rebuild with `make evaluators`)"
        )
    return path


def _shipped(name: str):
    def build(
        weights: str | None = None, resize: str | None = None, device: str = "cpu"
    ) -> DomainFeatures:
        if weights is not None:
            warnings.warn(
                f"--features {name}: --weights is ignored (the evaluator ships its own weights)",
                stacklevel=2,
            )
        return DomainFeatures(shipped_evaluator_dir(name), device=device)

    return build


for _name in SHIPPED:
    register_features(_name)(_shipped(_name))
