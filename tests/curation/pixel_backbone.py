"""A fast stand-in backbone for the filter's logic: thumbnail pixels and a colour-distance saliency."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganforge.curation.backbones import Backbone, Described


class PixelBackbone(Backbone):
    """Embedding: the 8x8 RGB thumbnail; saliency: distance of each 16x16 cell's colour from the corner's."""

    name = "test-pixels"
    images_seen = 0  # across instances: how many images were run through (cache misses)

    def describe(self, images: torch.Tensor) -> Described:
        PixelBackbone.images_seen += len(images)
        pixels = images.float() / 255
        embedding = F.adaptive_avg_pool2d(pixels, 8).flatten(1)
        cells = F.adaptive_avg_pool2d(pixels, 16)
        saliency = 1 + (cells - cells[:, :, :1, :1]).norm(dim=1)  # background 1, subject above 1.2
        return Described(embedding, saliency)

    def protocol(self) -> dict:
        return {"features": "test-pixels", "weights_sha256": "none"}
