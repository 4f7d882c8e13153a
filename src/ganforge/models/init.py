"""Weight initialisation schemes, one function per paper, applied with `module.apply(...)`."""

from __future__ import annotations

import math

from torch import nn

_CONV_OR_LINEAR = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
_BATCHNORM = (nn.BatchNorm1d, nn.BatchNorm2d)


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. 2015, sec. 4: weights ~ N(0, 0.02); BN scale ~ N(1, 0.02), shift 0."""
    if isinstance(module, _CONV_OR_LINEAR):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, _BATCHNORM) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def xavier_init(module: nn.Module, gain: float = math.sqrt(2.0)) -> None:
    """Glorot-uniform weights with `gain`, zero bias; the SNGAN reference init for ReLU layers."""
    if isinstance(module, _CONV_OR_LINEAR):
        nn.init.xavier_uniform_(module.weight, gain)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
