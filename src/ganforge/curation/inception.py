"""The FID Inception-v3 as the filter's backbone (`--features inception`, the default)."""

from __future__ import annotations

import os

import torch
from torch import Tensor

from ganforge.curation.backbones import Backbone, Described, register_backbone
from ganforge.metrics.features.inception import InceptionFeatures, inception_features
from ganforge.metrics.features.inception_fast import exact_fp32

# fid_trunk's layers up to and including maxpool2: Conv2d_4a_3x3 (192 channels) and a 3x3
# max pool, a 35x35 map for a 299x299 input. Edge and texture detectors: flat background is
# weak there and the drawn subject strong, which is what the subject-size estimate needs.
SALIENCY_STAGE = 7


class InceptionBackbone(Backbone):
    """The FID Inception-v3: pool3 [N,2048] as the embedding, the channel L2 norm after maxpool2 as saliency."""

    name = "inception"

    def __init__(self, features: InceptionFeatures) -> None:
        self.features = features
        self.early = features.trunk[:SALIENCY_STAGE]
        self.late = features.trunk[SALIENCY_STAGE:]

    def describe(self, images: Tensor) -> Described:
        embeddings, maps = [], []
        with torch.inference_mode(), exact_fp32():
            for batch in images.split(self.features.batch_size):
                network_input = self.features.to_network_input(batch.to(self.features.device))
                early = self.early(network_input.contiguous(memory_format=self.features.memory_format))
                maps.append(early.float().norm(dim=1).cpu())
                embeddings.append(self.late(early).float().cpu())
        return Described(torch.cat(embeddings), torch.cat(maps))

    def protocol(self) -> dict:
        return {**self.features.protocol(), "layers": ["pool3"], "saliency": "norm after maxpool2"}


@register_backbone("inception")
def inception_backbone(weights: str | os.PathLike | None = None, device: str = "cpu") -> Backbone:
    return InceptionBackbone(inception_features(weights=weights, device=device))
