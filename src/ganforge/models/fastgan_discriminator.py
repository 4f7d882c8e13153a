"""FastGAN's own discriminator (Liu et al. 2021, sec. 3.2): strided residual down-blocks to 8x8,
skip-layer excitation, 5x5 patch logits, and a self-supervised task on real images: small
decoders rebuild the whole image from the 8x8 features and one random quarter of it from the
16x16 features. The paper scores the rebuilds with LPIPS; here with the mean squared error in
pixels (no second pretrained network), on images at most 128 px (the paper's decoder size).

`model.name: fastgan` pairs it with the FastGAN generator (`fastgan.py`); the unconditional
objective adds `reconstruction_loss` to D's loss on real images (`ModelSpec.reconstructs`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import require_labels
from ganforge.models.fastgan import FastGANGenerator
from ganforge.models.fastgan_blocks import (
    SkipLayerExcitation,
    UpBlock,
    channels_at,
    init_batchnorm,
    sn_conv,
)

LEAKY_SLOPE = 0.2
DECODED_SIDE_MAX = 128


def _leaky() -> nn.Module:
    return nn.LeakyReLU(LEAKY_SLOPE, inplace=True)


class DownBlock(nn.Module):
    """Half the side: (conv4 s2, BN, LReLU, conv3, BN, LReLU) averaged with (avgpool, conv1, BN, LReLU)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.main = nn.Sequential(sn_conv(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), _leaky(),
                                  sn_conv(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out), _leaky())  # fmt: skip
        self.direct = nn.Sequential(nn.AvgPool2d(2, 2), sn_conv(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), _leaky())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.main(x) + self.direct(x)) / 2


class Decoder(nn.Module):
    """[N, c, 8, 8] features -> [N, C, side, side] images in [-1, 1]."""

    def __init__(self, c_in: int, width: int, side: int, channels: int) -> None:
        super().__init__()
        blocks, s = [], 8
        while s < side:
            s *= 2
            blocks.append(UpBlock(c_in, channels_at(s, width)))
            c_in = channels_at(s, width)
        self.net = nn.Sequential(*blocks, sn_conv(c_in, channels, 3, 1, 1), nn.Tanh())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features)


class FastGANDiscriminator(nn.Module):
    """images [N, C, R, R] -> patch logits [N, 25]; with `reconstruct`, also the self-supervised loss."""

    def __init__(self, width: int, resolution: int, channels: int) -> None:
        super().__init__()
        self.resolution, self.channels, self.num_classes = resolution, channels, 0
        half = resolution // 2
        self.stem = nn.Sequential(sn_conv(channels, channels_at(half, width), 4, 2, 1, bias=False), _leaky())
        self.sides = [half // 2**i for i in range(1, 20) if half // 2**i >= 8]  # R/4, ..., 8
        self.downs = nn.ModuleList(DownBlock(channels_at(s * 2, width), channels_at(s, width)) for s in self.sides)
        # Gates of the 16x16 and 8x8 maps from the largest maps (the paper's 128->16 and 64->8).
        self.excite16 = SkipLayerExcitation(channels_at(half, width), channels_at(16, width)) if half > 16 else None
        self.excite8 = SkipLayerExcitation(channels_at(self.sides[0], width), channels_at(8, width)) if half > 16 else None
        c8 = channels_at(8, width)
        self.logits = nn.Sequential(sn_conv(c8, c8 * 4, 1, bias=False), nn.BatchNorm2d(c8 * 4), _leaky(), sn_conv(c8 * 4, 1, 4))
        self.decoded_side = min(resolution, DECODED_SIDE_MAX)
        self.decode_whole = Decoder(c8, width, self.decoded_side, channels)
        self.decode_part = Decoder(channels_at(16, width), width, self.decoded_side, channels)
        init_batchnorm(self)

    def _features(self, images: torch.Tensor) -> dict[int, torch.Tensor]:
        maps = {self.resolution // 2: self.stem(images)}
        for side, down in zip(self.sides, self.downs, strict=True):
            x = down(maps[side * 2])
            if side == 16 and self.excite16 is not None:
                x = self.excite16(maps[self.resolution // 2], x)
            if side == 8 and self.excite8 is not None:
                x = self.excite8(maps[self.sides[0]], x)
            maps[side] = x
        return maps

    def reconstruction_loss(self, images: torch.Tensor, maps: dict[int, torch.Tensor]) -> torch.Tensor:
        """MSE of the whole image rebuilt from 8x8 features and of a random quarter from 16x16 ones."""
        target = F.interpolate(images, size=self.decoded_side, mode="area") if self.resolution > self.decoded_side else images
        whole = F.mse_loss(self.decode_whole(maps[8]), target)
        quarter = int(torch.randint(4, ()))  # one quarter for the whole batch, as the paper's code
        row, col = divmod(quarter, 2)
        part_features = maps[16][:, :, row * 8:(row + 1) * 8, col * 8:(col + 1) * 8]
        half = self.decoded_side // 2
        part_target = target[:, :, row * half:(row + 1) * half, col * half:(col + 1) * half]
        part = F.mse_loss(self.decode_part(part_features), F.interpolate(part_target, size=self.decoded_side, mode="nearest"))
        return whole + part

    def forward(self, images: torch.Tensor, c: torch.Tensor | None = None, reconstruct: bool = False):
        """Logits [N, 25]; with `reconstruct` (real images), (logits, reconstruction loss)."""
        require_labels(c, 0, "FastGAN discriminator")
        maps = self._features(images)
        logits = self.logits(maps[8]).flatten(1)
        return (logits, self.reconstruction_loss(images, maps)) if reconstruct else logits


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> FastGANGenerator:
    SPEC.check_resolution(resolution)
    return FastGANGenerator(cfg.z_dim, cfg.g.width, resolution, channels, num_classes)


def build_discriminator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> FastGANDiscriminator:
    SPEC.check_resolution(resolution)
    return FastGANDiscriminator(cfg.d.width, resolution, channels)


SPEC = register_model("fastgan", build_generator, build_discriminator, reconstructs=True)
