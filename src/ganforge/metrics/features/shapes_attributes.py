"""`--features shapes-attributes`: the shipped shapes evaluator's features with what it does not
see appended — each image's colour, position and size — so FID, recall and coverage notice a
generator that draws, say, only small red shapes.

The shapes evaluator is trained to tell the five shapes apart; its features hardly change with
colour or size. The six appended values come from the attribute reader's foreground coverage
(data/shapes_foreground.py): the mean RGB of the clearly-foreground pixels, the foreground's
centre (x, y) and its area. Each is standardised with its mean and std over the first
`REFERENCE_IMAGES` images of builtin:shapes, and the six together are weighted to carry as much
total variance there as the 128 learned features do: colour, place and size weigh as much as
shape. Nothing is trained; the `shapes` extractor (and every figure measured with it) is
unchanged.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import Tensor

from ganforge.data.shapes_foreground import SOLID, coverage, measures
from ganforge.metrics.features import register_features
from ganforge.metrics.features.base import FeatureExtractor

REFERENCE_IMAGES = 1000
ATTRIBUTE_NAMES = ("red", "green", "blue", "centre_x", "centre_y", "area")


def attribute_values(images: Tensor) -> Tensor:
    """uint8 RGB [N,3,H,W] -> [N,6]: mean colour of the solid foreground (0..1), centre x, y
    (fractions of the side) and area (fraction of the image)."""
    images = images.cpu()
    cover = coverage(images)
    solid = (cover > SOLID).float()[:, None]
    colour = (images.float() / 255 * solid).sum(dim=(2, 3)) / solid.sum(dim=(2, 3)).clamp(min=1)
    return torch.cat([colour, torch.from_numpy(measures(images))], dim=1)


@functools.lru_cache(maxsize=1)
def _reference() -> tuple[Tensor, Tensor, float]:
    """(mean [6], std [6], block weight) from the first REFERENCE_IMAGES images of builtin:shapes."""
    from ganforge.data.shapes import make_shapes
    from ganforge.metrics.features import build_features

    pixels = torch.from_numpy(np.array(make_shapes().pixels[:REFERENCE_IMAGES])).permute(0, 3, 1, 2)
    values = attribute_values(pixels)
    with torch.no_grad():
        learned = build_features("shapes")(pixels)["features"].double()
    total_variance = float(learned.var(dim=0).sum())
    # Each standardised value has variance 1: weight sqrt(total / 6) gives the six the total.
    return values.mean(dim=0), values.std(dim=0), (total_variance / len(ATTRIBUTE_NAMES)) ** 0.5


class ShapesAttributeFeatures(FeatureExtractor):
    """{"features": [N, 128 + 6], "logits": [N, 5]} of uint8 RGB images [N,3,H,W]."""

    name = "shapes-attributes"
    layers = ("features", "logits")

    def __init__(self, device: str = "cpu") -> None:
        super().__init__()
        from ganforge.metrics.features import build_features

        self.shapes = build_features("shapes", device=device)
        self.meta = self.shapes.meta

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        base = self.shapes(images)
        mean, std, weight = _reference()
        appended = (attribute_values(images) - mean) / std * weight
        features = torch.cat([base["features"], appended.to(base["features"])], dim=1)
        return {"features": features, "logits": base["logits"]}

    def protocol(self) -> dict:
        mean, std, weight = _reference()
        return {
            **self.shapes.protocol(),
            "name": self.name,
            "appended": {
                "values": list(ATTRIBUTE_NAMES),
                # Worded as statistics files recorded it: their protocol must still match (identity_of).
                "from": "attribute reader's foreground coverage (alignment/shapes_reader.py)",
                "standardised_on": f"builtin:shapes[:{REFERENCE_IMAGES}]",
                "mean": [round(float(v), 6) for v in mean],
                "std": [round(float(v), 6) for v in std],
                "weight": round(weight, 6),
            },
        }


@register_features("shapes-attributes")
def shapes_attribute_features(weights: str | None = None, resize: str | None = None,
                              device: str = "cpu") -> ShapesAttributeFeatures:
    return ShapesAttributeFeatures(device=device)
