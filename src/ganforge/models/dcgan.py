"""DCGAN (Radford et al. 2015): transposed-conv generator, strided-conv discriminator.

G: z -> 4x4 (width*2^(n-1) channels) -> ... -> R/2 x R/2 (width) -> R x R (C, tanh),
every hidden block after the 4x4 base ConvTranspose(k4 s2 p1) + BN + ReLU; n = log2(R) - 2
hidden blocks.
D mirrors it: Conv(k4 s2 p1) + [BN | spectral norm] + LeakyReLU(0.2) down to 4x4, then a
4x4 conv to one raw logit (no sigmoid; the loss takes logits).
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.models import ModelSpec, register_model
from ganforge.models.init import dcgan_init

if TYPE_CHECKING:
    from ganforge.config import ModelConfig

RESOLUTIONS = (32, 64, 128)
LEAKY_SLOPE = 0.2  # Radford et al. 2015, sec. 3


def _hidden_blocks(resolution: int) -> int:
    """Hidden blocks between the 4x4 base and the R x R output: log2(R) - 2 (3 at 32x32)."""
    return int(math.log2(resolution)) - 2


class DCGANGenerator(nn.Module):
    """z [N, z_dim] float -> images [N, C, R, R] in [-1, 1]."""

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int) -> None:
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        n = _hidden_blocks(resolution)
        widths = [width * 2 ** (n - 1 - i) for i in range(n)]  # e.g. 256, 128, 64 at 32x32
        # The paper's 4x4 transposed conv of z as a 1x1 map is exactly this linear map; one GEMM
        # is cheaper than a transposed conv on CPU. No bias: BN follows.
        layers: list[nn.Module] = [
            nn.Linear(z_dim, widths[0] * 16, bias=False),
            nn.Unflatten(1, (widths[0], 4, 4)),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        ]
        for c_in, c_out in pairwise(widths):
            layers += [
                nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """images [N, C, R, R] -> raw logits [N].

    `batchnorm`: BN after every conv but the first (Radford et al. 2015, sec. 3);
    `spectral_norm` replaces BN with spectral normalisation of every conv (Miyato et al. 2018).
    """

    def __init__(
        self,
        width: int,
        resolution: int,
        channels: int,
        batchnorm: bool = True,
        use_sn: bool = False,
    ) -> None:
        super().__init__()
        self.resolution, self.channels = resolution, channels
        n = _hidden_blocks(resolution)
        widths = [width * 2**i for i in range(n)]  # e.g. 64, 128, 256 at 32x32
        use_bn = batchnorm and not use_sn
        layers: list[nn.Module] = []
        convs: list[nn.Conv2d] = []
        for i, c_out in enumerate(widths):
            c_in = channels if i == 0 else widths[i - 1]
            with_bn = use_bn and i > 0
            # BN's shift makes a conv bias redundant.
            conv = nn.Conv2d(c_in, c_out, 4, 2, 1, bias=not with_bn)
            convs.append(conv)
            layers += [conv, nn.BatchNorm2d(c_out)] if with_bn else [conv]
            layers.append(nn.LeakyReLU(LEAKY_SLOPE, inplace=True))
        head = nn.Conv2d(widths[-1], 1, 4, 1, 0)
        convs.append(head)
        layers += [head, nn.Flatten(0)]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)
        if use_sn:
            for conv in convs:
                spectral_norm(conv)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)


def build_generator(cfg: ModelConfig, resolution: int, channels: int) -> DCGANGenerator:
    SPEC.check_resolution(resolution)
    return DCGANGenerator(cfg.z_dim, cfg.g.width, resolution, channels)


def build_discriminator(cfg: ModelConfig, resolution: int, channels: int) -> DCGANDiscriminator:
    SPEC.check_resolution(resolution)
    return DCGANDiscriminator(
        cfg.d.width, resolution, channels, cfg.d.batchnorm, cfg.d.spectral_norm
    )


SPEC = register_model(
    ModelSpec("dcgan", build_generator, build_discriminator, "nonsaturating", RESOLUTIONS)
)
