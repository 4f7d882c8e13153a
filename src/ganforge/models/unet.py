"""The U-Net generator of pix2pix (Isola et al. 2017, §3.2.1 and appendix 6.1.1).

An encoder of 4x4 stride-2 convolutions down to 1x1 (depth = log2 of the resolution) and a
mirrored decoder; each decoder block also sees the encoder output of its size (skip
connections). Dropout 0.5 in the decoder blocks below the outer four, as the reference.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganforge.models.translation_parts import NORMS, init_weights, norm_has_bias


class UnetBlock(nn.Module):
    """down -> submodule -> up, with the block's input concatenated to its output (skip)."""

    def __init__(self, outer: int, inner: int, in_channels: int | None = None, submodule: nn.Module | None = None,
                 outermost: bool = False, innermost: bool = False, norm: str = "batch", dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        bias = norm_has_bias(norm)
        in_channels = outer if in_channels is None else in_channels
        down_conv = nn.Conv2d(in_channels, inner, 4, 2, 1, bias=bias)
        if outermost:
            down = [down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            down = [nn.LeakyReLU(0.2, True), down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias), NORMS[norm](outer)]
        else:
            down = [nn.LeakyReLU(0.2, True), down_conv, NORMS[norm](inner)]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias), NORMS[norm](outer)]
            if dropout:
                up.append(nn.Dropout(0.5))
        middle = [submodule] if submodule is not None else []
        self.model = nn.Sequential(*down, *middle, *up)

    def forward(self, x: Tensor) -> Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """[N, in, R, R] in [-1, 1] -> [N, out, R, R] in [-1, 1]; R a multiple of 2**depth."""

    def __init__(self, in_channels: int, out_channels: int, resolution: int, width: int = 64,
                 norm: str = "batch", dropout: bool = True):
        super().__init__()
        depth = int(math.log2(resolution))
        if 2**depth != resolution or depth < 5:
            raise ValueError(f"data.resolution: the U-Net needs a power of two of at least 32 (got {resolution})")
        self.in_channels, self.out_channels, self.depth = in_channels, out_channels, depth
        self.multiple = 2**depth  # input sides must be multiples of this (1x1 at the bottleneck)
        block = UnetBlock(width * 8, width * 8, innermost=True, norm=norm)
        for _ in range(depth - 5):
            block = UnetBlock(width * 8, width * 8, submodule=block, norm=norm, dropout=dropout)
        block = UnetBlock(width * 4, width * 8, submodule=block, norm=norm)
        block = UnetBlock(width * 2, width * 4, submodule=block, norm=norm)
        block = UnetBlock(width, width * 2, submodule=block, norm=norm)
        self.model = UnetBlock(out_channels, width, in_channels, submodule=block, outermost=True, norm=norm)
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
