"""Vanilla GAN with fully connected G and D (Goodfellow et al. 2014; the CS231n GAN notebook).

G: z -> width -> width -> C*R*R (ReLU hidden, tanh output); D: C*R*R -> width -> width -> 1
(LeakyReLU 0.01 hidden, as in the CS231n notebook). Works at any resolution.
`model.d.spectral_norm` wraps D's linear layers in spectral norm. Unconditional only.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import require_labels

LEAKY_SLOPE = 0.01  # CS231n GAN notebook, discriminator()


class MLPGenerator(nn.Module):
    """z [N, z_dim] float -> images [N, C, R, R] in [-1, 1]."""

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int) -> None:
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        self.num_classes = 0
        self.net = nn.Sequential(
            nn.Linear(z_dim, width),
            nn.ReLU(inplace=True),
            nn.Linear(width, width),
            nn.ReLU(inplace=True),
            nn.Linear(width, channels * resolution * resolution),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, 0, "MLP generator")
        return self.net(z).view(-1, self.channels, self.resolution, self.resolution)


class MLPDiscriminator(nn.Module):
    """images [N, C, R, R] -> raw logits [N]."""

    def __init__(self, width: int, resolution: int, channels: int, use_sn: bool = False) -> None:
        super().__init__()
        self.resolution, self.channels = resolution, channels
        linears = [
            nn.Linear(channels * resolution * resolution, width),
            nn.Linear(width, width),
            nn.Linear(width, 1),
        ]
        if use_sn:
            linears = [spectral_norm(layer) for layer in linears]
        self.net = nn.Sequential(
            nn.Flatten(),
            linears[0],
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
            linears[1],
            nn.LeakyReLU(LEAKY_SLOPE, inplace=True),
            linears[2],
        )

    def forward(self, images: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, 0, "MLP discriminator")
        return self.net(images).view(-1)


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> MLPGenerator:
    return MLPGenerator(cfg.z_dim, cfg.g.width, resolution, channels)


def build_discriminator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> MLPDiscriminator:
    return MLPDiscriminator(cfg.d.width, resolution, channels, SPEC.d_option(cfg, "spectral_norm"))


SPEC = register_model("mlp", build_generator, build_discriminator)
