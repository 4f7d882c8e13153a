"""FastGAN's generator (Liu et al. 2021), the light variant Projected GAN trains with (Sauer et
al. 2021): z -> 4x4 -> GLU up-blocks -> R x R, and skip-layer excitation that gates every map of
side s >= 64 with the map of side s/16 (the paper's 8->128, 16->256, ...; 4->64 added so 64 px
has one). Class-conditional: a learned label embedding beside z.

`model.name: projected` pairs it with the projected discriminator (`projected.py`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganforge.models.conditioning import require_labels
from ganforge.models.fastgan_blocks import (
    ChannelGLU,
    SkipLayerExcitation,
    UpBlock,
    channels_at,
    init_batchnorm,
    sn_conv,
    spectral,
)

LABEL_DIM = 32
SKIP_RATIO = 16  # excitation from the map 16 times smaller
SKIP_FROM = 64  # the smallest side that gets one


class FastGANGenerator(nn.Module):
    """z [N, z_dim] (+ labels [N] when conditional) -> images [N, C, R, R] in [-1, 1]."""

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int, num_classes: int = 0) -> None:
        super().__init__()
        self.z_dim, self.resolution, self.channels, self.num_classes = z_dim, resolution, channels, num_classes
        label_dim = LABEL_DIM if num_classes > 0 else 0
        sides = [4 * 2**i for i in range(int(math.log2(resolution)) - 1)]  # 4, 8, ..., R
        self.sides = sides
        self.initial = nn.Sequential(  # z as a 1x1 map -> 4x4 (Liu et al. 2021, InitLayer)
            nn.Unflatten(1, (z_dim + label_dim, 1, 1)),
            spectral(nn.ConvTranspose2d(z_dim + label_dim, channels_at(4, width) * 2, 4, 1, 0, bias=False)),
            nn.BatchNorm2d(channels_at(4, width) * 2),
            ChannelGLU(),
        )
        self.ups = nn.ModuleList(UpBlock(channels_at(s // 2, width), channels_at(s, width)) for s in sides[1:])
        self.excitations = nn.ModuleDict(
            {str(s): SkipLayerExcitation(channels_at(s // SKIP_RATIO, width), channels_at(s, width))
             for s in sides if s >= SKIP_FROM}  # fmt: skip
        )
        self.to_image = nn.Sequential(sn_conv(channels_at(resolution, width), channels, 3, 1, 1), nn.Tanh())
        init_batchnorm(self)
        if num_classes > 0:
            self.label_embedding = nn.Embedding(num_classes, label_dim)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, self.num_classes, "FastGAN generator")
        if c is not None:
            z = torch.cat([z, self.label_embedding(c).to(z.dtype)], dim=1)
        maps = {4: self.initial(z)}
        for side, up in zip(self.sides[1:], self.ups, strict=True):
            x = up(maps[side // 2])
            if str(side) in self.excitations:
                x = self.excitations[str(side)](maps[side // SKIP_RATIO], x)
            maps[side] = x
        return self.to_image(maps[self.resolution])
