"""FastGAN's building blocks (Liu et al. 2021): spectrally normalised convs, GLU up-blocks and
skip-layer excitation; shared by its generator and its self-supervised discriminator."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.models.init import dcgan_init

# Channels per feature-map side, as multiples of the width (FastGAN's `nfc_multi`).
CHANNEL_FACTORS = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}


def channels_at(side: int, width: int) -> int:
    return max(8, int(CHANNEL_FACTORS[side] * width))


def spectral(layer: nn.Module) -> nn.Module:
    """N(0, 0.02) weights, zero bias (FastGAN's init), then spectral normalisation; FastGAN
    normalises every conv of G and D (Liu et al. 2021, sec. 4)."""
    dcgan_init(layer)
    return spectral_norm(layer)


def sn_conv(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0, bias: bool = True) -> nn.Module:
    return spectral(nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=bias))


def init_batchnorm(network: nn.Module) -> None:
    """BN scales ~ N(1, 0.02), shifts 0, as FastGAN initialises them."""
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d) and module.affine:
            dcgan_init(module)


class ChannelGLU(nn.Module):
    """GLU over channels, a * sigmoid(b), as nn.GLU(dim=1) computes it.

    Written out because nn.GLU's backward returns NCHW gradients for channels_last inputs, and
    BatchNorm's backward on such mixed layouts was 6x slower on CPU (a fifth of a 32-px step).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values, gates = x.chunk(2, dim=1)
        return values * torch.sigmoid(gates)


class UpBlock(nn.Module):
    """x2 nearest upsampling, 3x3 conv to twice the channels, BN, GLU (the "lite" up-block)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),
            sn_conv(c_in, c_out * 2, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out * 2),
            ChannelGLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SkipLayerExcitation(nn.Module):
    """Channel gates for a large map from a small one (Liu et al. 2021, eq. 1): big * sigmoid(f(small))."""

    def __init__(self, c_small: int, c_big: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(4),
            sn_conv(c_small, c_big, 4, bias=False),
            nn.SiLU(),
            sn_conv(c_big, c_big, 1, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        return big * self.gate(small)
