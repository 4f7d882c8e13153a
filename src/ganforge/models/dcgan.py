"""DCGAN (Radford et al. 2015): transposed-conv generator, strided-conv discriminator.

G: z -> 4x4 (width*2^(n-1) channels) -> ... -> R/2 x R/2 (width) -> R x R (C, tanh),
every hidden block after the 4x4 base ConvTranspose(k4 s2 p1) + BN + ReLU; n = log2(R) - 2
hidden blocks.
D mirrors it: Conv(k4 s2 p1) + [BN | spectral norm] + LeakyReLU(0.2) down to 4x4, then a
4x4 conv to one raw logit (no sigmoid; the loss takes logits).

Class-conditional (num_classes > 0): G sees a learned label embedding beside z (as the classic
conditional DCGAN, Mirza & Osindero 2014) and its BatchNorms become conditional BatchNorms; D adds the
projection term <embed(y), flattened 4x4 features> to its logit (Miyato & Koyama 2018), the
class embedding initialised like the 4x4 logit conv, so both terms start on one scale.
"""

from __future__ import annotations

import math
from itertools import pairwise

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import (
    ConditionedSequential,
    ProjectionHead,
    batchnorm,
    require_labels,
)
from ganforge.models.init import dcgan_init

LEAKY_SLOPE = 0.2  # Radford et al. 2015, sec. 3
LABEL_DIM = 32  # learned label embedding concatenated to z in the conditional generator


def _hidden_blocks(resolution: int) -> int:
    """Hidden blocks between the 4x4 base and the R x R output: log2(R) - 2 (3 at 32x32)."""
    return int(math.log2(resolution)) - 2


class DCGANGenerator(nn.Module):
    """z [N, z_dim] float (+ labels [N] when conditional) -> images [N, C, R, R] in [-1, 1]."""

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int, num_classes: int = 0) -> None:
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        self.num_classes = num_classes
        n = _hidden_blocks(resolution)
        widths = [width * 2 ** (n - 1 - i) for i in range(n)]  # e.g. 256, 128, 64 at 32x32
        label_dim = LABEL_DIM if num_classes > 0 else 0
        # The paper's 4x4 transposed conv of z as a 1x1 map is exactly this linear map; one GEMM
        # is cheaper than a transposed conv on CPU. No bias: BN follows.
        layers: list[nn.Module] = [
            nn.Linear(z_dim + label_dim, widths[0] * 16, bias=False),
            nn.Unflatten(1, (widths[0], 4, 4)),
            batchnorm(widths[0], num_classes),
            nn.ReLU(inplace=True),
        ]
        for c_in, c_out in pairwise(widths):
            layers += [
                nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                batchnorm(c_out, num_classes),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = ConditionedSequential(*layers)
        self.apply(dcgan_init)
        if num_classes > 0:
            self.label_embedding = nn.Embedding(num_classes, label_dim)  # N(0, 1), like z

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, self.num_classes, "DCGAN generator")
        if c is not None:
            z = torch.cat([z, self.label_embedding(c).to(z.dtype)], dim=1)
        return self.net(z, c)


class DCGANDiscriminator(nn.Module):
    """images [N, C, R, R] (+ labels [N] when conditional) -> raw logits [N].

    `batchnorm`: BN after every conv but the first (Radford et al. 2015, sec. 3);
    `use_sn` replaces BN with spectral normalisation of every conv (Miyato et al. 2018).
    """

    def __init__(
        self,
        width: int,
        resolution: int,
        channels: int,
        batchnorm: bool = True,
        use_sn: bool = False,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        self.resolution, self.channels, self.num_classes = resolution, channels, num_classes
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
        self.feature_dim, self.use_sn = widths[-1] * 16, use_sn
        if num_classes > 0:
            self.projection = ProjectionHead(widths[-1] * 16, num_classes, spectral=use_sn, std=0.02)

    def add_classifier(self) -> None:
        """An auxiliary class head on the flattened 4x4 features (AC-GAN, `loss.ac_weight`)."""
        head = nn.Linear(self.feature_dim, self.num_classes)
        self.classifier = spectral_norm(head) if self.use_sn else head

    def forward(self, images: torch.Tensor, c: torch.Tensor | None = None, classify: bool = False):
        """Logits [N]; with `classify`, (logits, class logits [N, classes])."""
        require_labels(c, self.num_classes, "DCGAN discriminator")
        if c is None:
            return self.net(images)
        features = self.net[:-2](images)  # [N, F, 4, 4], before the logit conv
        logits = self.net[-2:](features) + self.projection(features.flatten(1), c)
        return (logits, self.classifier(features.flatten(1))) if classify else logits


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> DCGANGenerator:
    SPEC.check_resolution(resolution)
    return DCGANGenerator(cfg.z_dim, cfg.g.width, resolution, channels, num_classes)


def build_discriminator(
    cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0
) -> DCGANDiscriminator:
    SPEC.check_resolution(resolution)
    return DCGANDiscriminator(
        cfg.d.width,
        resolution,
        channels,
        SPEC.d_option(cfg, "batchnorm"),
        SPEC.d_option(cfg, "spectral_norm"),
        num_classes,
    )


SPEC = register_model("dcgan", build_generator, build_discriminator)
