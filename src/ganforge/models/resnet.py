"""SNGAN ResNet (Miyato et al. 2018, appendix B.4; blocks of Gulrajani et al. 2017).

G: linear -> 4x4 map, residual up-blocks (BN, ReLU, nearest 2x, conv3x3) to R x R, then
BN, ReLU, conv3x3, tanh. D: an "optimized" first down-block, residual down-blocks (avg-pool)
to 8x8, two blocks without pooling, ReLU, global sum pool, linear -> logit; spectral norm on
every conv and linear of D (always: SNGAN's D has no BN, so `model.d.spectral_norm` and
`model.d.batchnorm` are not options of this model). At 32x32 every block has `width` channels (the CIFAR model);
each doubling of R above 32 doubles the channels of the deepest blocks.

Class-conditional (num_classes > 0): conditional BatchNorm in G's up-blocks and a projection
discriminator with a spectrally normalised class embedding (Miyato & Koyama 2018).

`model.g.hierarchical_z` splits z into one chunk for the base and one for each up-block and the
last BatchNorm, whose scale and shift then follow their chunk as well as the class (BigGAN's
hierarchical latent space, Brock et al. 2019): the noise reaches every scale of the image.

`model.d.minibatch_std` adds ProGAN's minibatch standard deviation channel before D's two
last blocks (models/minibatch_std.py).
"""

from __future__ import annotations

import math
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.errors import UserError
from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import (
    ConditionedSequential,
    LatentBatchNorm2d,
    ProjectionHead,
    batchnorm,
    require_labels,
)
from ganforge.models.init import xavier_init
from ganforge.models.minibatch_std import MinibatchStd


def _multipliers(resolution: int) -> list[int]:
    """Channel multiplier per level from 4x4 up to R/2: [1,1,1] at 32, [2,1,1,1] at 64."""
    levels = int(math.log2(resolution)) - 2
    return [2 ** max(0, levels - 3 - i) for i in range(levels)]


def _shortcut_init(module: nn.Module) -> None:
    xavier_init(module, gain=1.0)


def _sn_conv(c_in: int, c_out: int, kernel: int) -> nn.Module:
    """Spectrally normalised conv, initialised before wrapping so power iteration starts on it."""
    conv = nn.Conv2d(c_in, c_out, kernel, 1, kernel // 2)
    xavier_init(conv, gain=math.sqrt(2.0) if kernel == 3 else 1.0)  # 1x1 shortcuts: linear, gain 1
    return spectral_norm(conv)


class UpBlock(nn.Module):
    """[N, c_in, H, W] -> [N, c_out, 2H, 2W]: BN-ReLU-up-conv-BN-ReLU-conv + up-conv1x1 shortcut.

    With `num_classes` > 0 both BNs are conditional on the labels passed to `forward`; with
    `z_dim` > 0 they also follow the noise chunk z [N, z_dim] passed to it, through z layers
    initialised as the block's convolutions (Glorot, gain √2): the chunk acts from step 0, as
    BigGAN's gains do.
    """

    takes_condition = True

    def __init__(self, c_in: int, c_out: int, num_classes: int = 0, z_dim: int = 0) -> None:
        super().__init__()
        self.conditional, self.takes_z = num_classes > 0, z_dim > 0
        norm = (lambda c: LatentBatchNorm2d(c, num_classes, z_dim)) if z_dim else (lambda c: batchnorm(c, num_classes))
        self.bn1, self.conv1 = norm(c_in), nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.bn2, self.conv2 = norm(c_out), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)
        self.apply(xavier_init)
        self.shortcut.apply(_shortcut_init)

    def _norm(self, bn: nn.Module, x: torch.Tensor, c: torch.Tensor | None, z: torch.Tensor | None) -> torch.Tensor:
        if self.takes_z:
            return bn(x, c, z)
        return bn(x, c) if self.conditional else bn(x)

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None, z: torch.Tensor | None = None) -> torch.Tensor:
        h = F.interpolate(F.relu(self._norm(self.bn1, x, c, z)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self._norm(self.bn2, self.conv1(h), c, z)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class DownBlock(nn.Module):
    """[N, c_in, H, W] -> [N, c_out, H/2 or H, ...]: ReLU-conv-ReLU-conv(-avgpool) + shortcut."""

    def __init__(self, c_in: int, c_out: int, downsample: bool) -> None:
        super().__init__()
        self.downsample = downsample
        self.conv1, self.conv2 = _sn_conv(c_in, c_out, 3), _sn_conv(c_out, c_out, 3)
        learn_shortcut = downsample or c_in != c_out
        self.shortcut = _sn_conv(c_in, c_out, 1) if learn_shortcut else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.conv1(F.relu(x))))
        skip = self.shortcut(x)
        if self.downsample:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        return h + skip


class OptimizedDownBlock(nn.Module):
    """First D block, on raw images (no leading ReLU): [N, C, H, W] -> [N, c_out, H/2, W/2]."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1, self.conv2 = _sn_conv(c_in, c_out, 3), _sn_conv(c_out, c_out, 3)
        self.shortcut = _sn_conv(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.avg_pool2d(self.conv2(F.relu(self.conv1(x))), 2)
        return h + self.shortcut(F.avg_pool2d(x, 2))


class ResNetGenerator(nn.Module):
    """z [N, z_dim] float (+ labels [N] when conditional) -> images [N, C, R, R] in [-1, 1]."""

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int, num_classes: int = 0,
                 hierarchical_z: bool = False) -> None:
        super().__init__()
        self.z_dim, self.resolution, self.channels = z_dim, resolution, channels
        self.num_classes, self.hierarchical_z = num_classes, hierarchical_z
        widths = [width * m for m in _multipliers(resolution)] + [width]
        self.base_channels = widths[0]
        # Hierarchical z: near-equal chunks for the base, each up-block and the last BN (whose z
        # layer starts at 0, so its chunk acts once trained).
        chunks = [len(part) for part in torch.arange(z_dim).tensor_split(len(widths) + 1)]
        if hierarchical_z and min(chunks) == 0:
            raise UserError(f"model.z_dim: {z_dim} is too small to split among {len(chunks)} layers; give at least {len(chunks)}")
        self.z_chunks = chunks if hierarchical_z else [z_dim]
        self.project = nn.Linear(self.z_chunks[0], widths[0] * 16)
        block_z = chunks[1:-1] if hierarchical_z else [0] * (len(widths) - 1)
        self.blocks = ConditionedSequential(
            *(UpBlock(a, b, num_classes, zk) for (a, b), zk in zip(pairwise(widths), block_z, strict=True))
        )
        self.to_image = nn.Sequential(
            LatentBatchNorm2d(widths[-1], 0, chunks[-1]) if hierarchical_z else nn.BatchNorm2d(widths[-1]),
            nn.ReLU(),
            nn.Conv2d(widths[-1], channels, 3, 1, 1),
            nn.Tanh(),
        )
        _shortcut_init(self.project)
        xavier_init(self.to_image[2], gain=1.0)

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, self.num_classes, "ResNet generator")
        if not self.hierarchical_z:
            h = self.project(z).view(-1, self.base_channels, 4, 4)
            return self.to_image(self.blocks(h, c))
        parts = z.split(self.z_chunks, dim=1)
        h = self.project(parts[0]).view(-1, self.base_channels, 4, 4)
        for block, part in zip(self.blocks, parts[1:-1], strict=True):
            h = block(h, c, part)
        return self.to_image[1:](self.to_image[0](h, None, parts[-1]))


class ResNetDiscriminator(nn.Module):
    """images [N, C, R, R] (+ labels [N] when conditional) -> raw logits [N]; spectral norm
    on every conv, linear and class embedding."""

    def __init__(self, width: int, resolution: int, channels: int, num_classes: int = 0,
                 minibatch_std: bool = False) -> None:
        super().__init__()
        self.resolution, self.channels, self.num_classes = resolution, channels, num_classes
        # Down to 8x8: log2(R) - 3 halvings, the first in the optimized block; widths mirror G.
        halvings = int(math.log2(resolution)) - 3
        widths = [width * m for m in reversed(_multipliers(resolution)[:halvings])]
        blocks: list[nn.Module] = [OptimizedDownBlock(channels, widths[0])]
        blocks += [DownBlock(a, b, downsample=True) for a, b in pairwise(widths)]
        if minibatch_std:  # at 8x8, before the two last blocks; the first of them takes the extra channel
            blocks += [MinibatchStd(), DownBlock(widths[-1] + 1, widths[-1], downsample=False)]
        else:
            blocks += [DownBlock(widths[-1], widths[-1], downsample=False)]
        blocks += [DownBlock(widths[-1], widths[-1], downsample=False)]
        self.blocks = nn.Sequential(*blocks)
        head = nn.Linear(widths[-1], 1)
        _shortcut_init(head)
        self.head = spectral_norm(head)
        self.feature_dim = widths[-1]
        if num_classes > 0:
            self.projection = ProjectionHead(widths[-1], num_classes, spectral=True)

    def add_classifier(self) -> None:
        """An auxiliary class head on the pooled features (AC-GAN, `loss.ac_weight`)."""
        self.classifier = spectral_norm(nn.Linear(self.feature_dim, self.num_classes))

    def forward(self, images: torch.Tensor, c: torch.Tensor | None = None, classify: bool = False):
        """Logits [N]; with `classify`, (logits, class logits [N, classes])."""
        require_labels(c, self.num_classes, "ResNet discriminator")
        features = F.relu(self.blocks(images)).sum(dim=(2, 3))  # global sum pool [N, c]
        logits = self.head(features).view(-1)
        logits = logits if c is None else logits + self.projection(features, c)
        return (logits, self.classifier(features)) if classify else logits


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> ResNetGenerator:
    SPEC.check_resolution(resolution)
    hierarchical_z = SPEC.g_option(cfg, "hierarchical_z")
    return ResNetGenerator(cfg.z_dim, cfg.g.width, resolution, channels, num_classes, hierarchical_z)


def build_discriminator(
    cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0
) -> ResNetDiscriminator:
    SPEC.check_resolution(resolution)
    minibatch_std = SPEC.d_option(cfg, "minibatch_std")
    return ResNetDiscriminator(cfg.d.width, resolution, channels, num_classes, minibatch_std)


SPEC = register_model("resnet", build_generator, build_discriminator)
