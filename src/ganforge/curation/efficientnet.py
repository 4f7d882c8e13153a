"""EfficientNet-Lite0 (ImageNet, frozen) as the filter's backbone: `--features efficientnet-lite0`.

About a tenth of the FID Inception's arithmetic per image. Embedding: the head's 1,280
channels averaged over the frame; saliency: the channel L2 norm after the second block stage
(stride 4: 56x56 cells for the 224x224 input).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.curation.backbones import Backbone, Described, register_backbone
from ganforge.pretrained.efficientnet_lite import efficientnet_lite0
from ganforge.pretrained.efficientnet_weights import resolve_efficientnet_weights
from ganforge.storage import sha256_of_file

SIDE = 224  # the resolution the network was trained at
BATCH = 32


class EfficientNetBackbone(Backbone):
    name = "efficientnet-lite0"

    def __init__(self, network: nn.Module, weights_sha256: str, device: str = "cpu") -> None:
        blocks = network.blocks
        self.device = torch.device(device)
        self.early = nn.Sequential(network.conv_stem, network.bn1, *blocks[:2]).to(self.device)
        self.late = nn.Sequential(*blocks[2:], network.conv_head, network.bn2).to(self.device)
        self.weights_sha256 = weights_sha256

    def describe(self, images: Tensor) -> Described:
        embeddings, maps = [], []
        with torch.inference_mode():
            for batch in images.split(BATCH):
                pixels = batch.to(self.device).float()
                network_input = F.interpolate(pixels, size=(SIDE, SIDE), mode="bilinear", antialias=True,
                                              align_corners=False) / 127.5 - 1  # the TF models' scaling
                early = self.early(network_input)
                maps.append(early.norm(dim=1).cpu())
                embeddings.append(self.late(early).mean(dim=(2, 3)).cpu())
        return Described(torch.cat(embeddings), torch.cat(maps))

    def protocol(self) -> dict:
        return {"features": "efficientnet-lite0", "weights_sha256": self.weights_sha256,
                "resize": f"bilinear antialiased to {SIDE}", "saliency": "norm after stage 2"}


@register_backbone("efficientnet-lite0")
def efficientnet_backbone(weights: str | os.PathLike | None = None, device: str = "cpu") -> Backbone:
    path = resolve_efficientnet_weights(weights)
    return EfficientNetBackbone(efficientnet_lite0(path), sha256_of_file(path), device)
