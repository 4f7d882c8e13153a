"""Fixtures: a mixed folder, and a fast stand-in backbone (thumbnail pixels) for the filter's logic."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from mixed import mixed_folder

from ganforge.curation.backbones import BACKBONES, Backbone, Described


class PixelBackbone(Backbone):
    """Embedding: the 8x8 RGB thumbnail; saliency: distance of each 16x16 cell's colour from the corner's."""

    name = "test-pixels"

    def describe(self, images: torch.Tensor) -> Described:
        pixels = images.float() / 255
        embedding = F.adaptive_avg_pool2d(pixels, 8).flatten(1)
        cells = F.adaptive_avg_pool2d(pixels, 16)
        saliency = 1 + (cells - cells[:, :, :1, :1]).norm(dim=1)  # background 1, subject above 1.2
        return Described(embedding, saliency)

    def protocol(self) -> dict:
        return {"features": "test-pixels", "weights_sha256": "none"}


@pytest.fixture
def pixel_backbone():
    BACKBONES["test-pixels"] = lambda weights=None, device="cpu": PixelBackbone()
    yield "test-pixels"
    del BACKBONES["test-pixels"]


@pytest.fixture(scope="session")
def mixed(tmp_path_factory) -> dict:
    return mixed_folder(tmp_path_factory.mktemp("mixed"))
