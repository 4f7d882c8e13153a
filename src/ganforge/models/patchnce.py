"""PatchNCE (Park et al., ECCV 2020, CUT): a patch of the output should match the input patch
at the same place more than any other patch of the same input.

`encoder_features` runs the first layers of a ResNet translator and keeps the outputs of the
listed layers; `PatchProjector` samples the same locations of the input's and the output's
features and projects each layer's samples with its own two-layer MLP onto the unit sphere;
`patch_nce` is the InfoNCE loss over them (positives: the same place; negatives: the other
sampled places of the same image).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

MASKED_LOGIT = -10.0  # a patch against itself among the negatives (the reference code's value)


def encoder_features(generator: nn.Module, x: Tensor, layers: list[int]) -> list[Tensor]:
    """The outputs of `generator.model[i]` for each i in `layers` (a ResNet translator)."""
    features, wanted = [], set(layers)
    for index, layer in enumerate(generator.model[: max(layers) + 1]):
        x = layer(x)
        if index in wanted:
            features.append(x)
    return features


def layer_channels(model: nn.Sequential, in_channels: int, index: int) -> int:
    """Channels of `model[index]`'s output: those of the last convolution up to it."""
    channels = in_channels
    for layer in model[: index + 1]:
        for module in layer.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                channels = module.out_channels
    return channels


class PatchProjector(nn.Module):
    """One MLP head per layer: C -> width -> width, N(0, 0.02) weights (the reference init)."""

    def __init__(self, channels: list[int], width: int):
        super().__init__()
        self.heads = nn.ModuleList(nn.Sequential(nn.Linear(c, width), nn.ReLU(), nn.Linear(width, width)) for c in channels)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, 0.0, 0.02)
                nn.init.zeros_(module.bias)

    def forward(self, features: list[Tensor], patches: int, ids: list[Tensor] | None = None) -> tuple[list[Tensor], list[Tensor]]:
        """[N*P, width] unit vectors per layer at `ids` (drawn when None), and the ids."""
        samples, drawn = [], []
        for k, (feature, head) in enumerate(zip(features, self.heads, strict=True)):
            flat = feature.flatten(2).transpose(1, 2)  # [N, H*W, C]
            where = ids[k] if ids is not None else torch.randperm(flat.shape[1], device=flat.device)[:patches]
            samples.append(F.normalize(head(flat[:, where].flatten(0, 1)), dim=1))
            drawn.append(where)
        return samples, drawn


def patch_nce(query: Tensor, key: Tensor, batch: int, temperature: float) -> Tensor:
    """InfoNCE of [N*P, D] output samples against the input's at the same places (keys detached)."""
    key = key.detach()
    dim = query.shape[1]
    positive = (query * key).sum(1, keepdim=True)  # [N*P, 1]
    q, k = query.view(batch, -1, dim), key.view(batch, -1, dim)
    patches = q.shape[1]
    negative = torch.bmm(q, k.transpose(1, 2))  # [N, P, P]
    eye = torch.eye(patches, dtype=torch.bool, device=query.device)[None]
    negative = negative.masked_fill(eye, MASKED_LOGIT).view(-1, patches)
    logits = torch.cat([positive, negative], 1) / temperature
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long, device=query.device))
