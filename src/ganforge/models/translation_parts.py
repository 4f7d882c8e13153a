"""Pieces shared by the translation networks: their normalisation layers and the paper init."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

NORMS: dict[str, Callable[[int], nn.Module]] = {
    "batch": lambda channels: nn.BatchNorm2d(channels, affine=True, track_running_stats=True),
    # As CycleGAN: no affine parameters, statistics of each image only.
    "instance": lambda channels: nn.InstanceNorm2d(channels, affine=False, track_running_stats=False),
}


def norm_has_bias(norm: str) -> bool:
    """Convolutions before BatchNorm need no bias (its shift replaces it); before InstanceNorm
    without affine parameters they keep one, as the reference implementation does."""
    return norm == "instance"


def init_weights(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """N(0, 0.02) convolution weights, N(1, 0.02) BatchNorm scales, zero biases (Isola et al. 2017, §6.2)."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, gain)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.normal_(layer.weight, 1.0, gain)
            nn.init.zeros_(layer.bias)
    return module
