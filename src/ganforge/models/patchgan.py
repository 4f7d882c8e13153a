"""Discriminators of the translation tasks: PatchGAN and the 1x1 pixel discriminator (Isola et al. 2017, §3.2.2).

PatchGAN with `n_layers` 4x4 convolutions of stride 2 then two of stride 1: each output logit
sees a 70x70 patch at n_layers=3 (16x16 at 1, 34x34 at 2, 142x142 at 4). Output [N, 1, h, w]
raw logits; the losses average over patches.
"""

from __future__ import annotations

from torch import Tensor, nn

from ganforge.models.translation_parts import NORMS, init_weights, norm_has_bias


def receptive_field(n_layers: int) -> int:
    """Side of the input patch one PatchGAN logit sees (70 at n_layers=3)."""
    field = 1
    for stride in [1, 1] + [2] * n_layers:  # walked from the output back to the input
        field = (field - 1) * stride + 4
    return field


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels: int, width: int = 64, n_layers: int = 3, norm: str = "batch"):
        super().__init__()
        bias = norm_has_bias(norm)
        layers = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            previous, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(width * previous, width * mult, 4, stride, 1, bias=bias),
                NORMS[norm](width * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(width * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)


class PixelDiscriminator(nn.Module):
    """A 1x1 PatchGAN: judges each pixel's colour alone (Isola et al. 2017, Fig. 6)."""

    def __init__(self, in_channels: int, width: int = 64, norm: str = "batch"):
        super().__init__()
        bias = norm_has_bias(norm)
        self.model = nn.Sequential(
            nn.Conv2d(in_channels, width, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, width * 2, 1, bias=bias),
            NORMS[norm](width * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width * 2, 1, 1, bias=bias),
        )
        init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)
