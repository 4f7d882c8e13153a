"""NICE-GAN's networks (Chen et al., CVPR 2020): a discriminator whose encoder is the generator's.

`NiceDiscriminator`: an encoder (two stride-2 spectral-norm convolutions, then the class
activation map of U-GAT-IT, Kim et al. 2020, added back as a residual weighted by a learned
`lamda` that starts at 0) and three classifiers on its code of increasing receptive field
(local, middle, global), besides the CAM logits. `NiceDecoder`: the generator without an
encoder; it reads the code of the source domain's discriminator and decodes it with residual
blocks of adaptive layer-instance normalisation (AdaLIN, U-GAT-IT), whose scale and shift are
computed from the code's pooled features. `EncodeDecode` chains them for translation.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

HEADS = ("local", "middle", "global")
EPS = 1e-5


def _layer_instance_mix(x: Tensor, rho: Tensor) -> Tensor:
    """rho x instance-normalised + (1 - rho) x layer-normalised, rho in [0, 1] per channel."""
    instance = (x - x.mean((2, 3), keepdim=True)) / torch.sqrt(x.var((2, 3), keepdim=True) + EPS)
    layer = (x - x.mean((1, 2, 3), keepdim=True)) / torch.sqrt(x.var((1, 2, 3), keepdim=True) + EPS)
    rho = rho.clamp(0, 1).view(1, -1, 1, 1)  # U-GAT-IT clips rho after each step; clamped here instead
    return rho * instance + (1 - rho) * layer


class LayerInstanceNorm(nn.Module):
    """LIN with its own scale and shift (the decoder's upsampling blocks)."""

    def __init__(self, channels: int):
        super().__init__()
        self.rho = nn.Parameter(torch.zeros(channels))
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return _layer_instance_mix(x, self.rho) * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


class AdaLINBlock(nn.Module):
    """Residual block whose normalisations take their scale and shift from the code."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, 1, 0, bias=False)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 0, bias=False)
        self.rho1 = nn.Parameter(torch.full((channels,), 0.9))
        self.rho2 = nn.Parameter(torch.full((channels,), 0.9))

    def forward(self, x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
        scale, shift = gamma[:, :, None, None], beta[:, :, None, None]
        h = self.conv1(F.pad(x, (1, 1, 1, 1), mode="reflect"))
        h = F.relu(_layer_instance_mix(h, self.rho1) * scale + shift)
        h = self.conv2(F.pad(h, (1, 1, 1, 1), mode="reflect"))
        return x + _layer_instance_mix(h, self.rho2) * scale + shift


class NiceEncoder(nn.Module):
    """[N, C, H, W] -> code [N, 2w, H/4, W/4], CAM logits [N, 2], heatmap [N, 1, H/4, W/4]."""

    def __init__(self, in_channels: int, width: int):
        super().__init__()
        self.down = nn.Sequential(
            nn.ReflectionPad2d(1), spectral_norm(nn.Conv2d(in_channels, width, 4, 2, 0)), nn.LeakyReLU(0.2),
            nn.ReflectionPad2d(1), spectral_norm(nn.Conv2d(width, 2 * width, 4, 2, 0)), nn.LeakyReLU(0.2),
        )
        channels = 2 * width
        self.gap_fc = spectral_norm(nn.Linear(channels, 1, bias=False))
        self.gmp_fc = spectral_norm(nn.Linear(channels, 1, bias=False))
        self.conv1x1 = nn.Conv2d(2 * channels, channels, 1)
        self.lamda = nn.Parameter(torch.zeros(1))  # residual attention: the plain features at first
        self.channels = channels

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        features = self.down(x)
        avg_logit = self.gap_fc(features.mean((2, 3)))
        max_logit = self.gmp_fc(features.amax((2, 3)))
        # The CAM weights each channel by its classifier weight, once per pooling.
        attended = torch.cat([features * self.gap_fc.weight.view(1, -1, 1, 1),
                              features * self.gmp_fc.weight.view(1, -1, 1, 1)], 1)
        attended = F.leaky_relu(self.conv1x1(attended), 0.2)
        code = self.lamda * attended + features
        return code, torch.cat([avg_logit, max_logit], 1), code.sum(1, keepdim=True)


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2))


def _head(channels: int) -> nn.Sequential:
    return nn.Sequential(spectral_norm(nn.Conv2d(channels, channels, 3, 1, 1)), nn.LeakyReLU(0.2),
                         spectral_norm(nn.Conv2d(channels, 1, 3, 1, 1)))


class NiceDiscriminator(nn.Module):
    """Encoder, then local / middle / global patch classifiers on its code (each after one more
    stride-2 convolution, as far as the code's size allows) and the CAM logits."""

    def __init__(self, in_channels: int, width: int, resolution: int):
        super().__init__()
        self.encoder = NiceEncoder(in_channels, width)
        levels = max(1, min(len(HEADS), (resolution // 4).bit_length() - 1))  # code side 8 at 32 px: 3 levels
        channels = [self.encoder.channels * min(2**k, 4) for k in range(levels + 1)]
        self.downs = nn.ModuleList(_down(channels[k], channels[k + 1]) for k in range(levels))
        self.heads = nn.ModuleList(_head(channels[k + 1]) for k in range(levels))

    def forward(self, x: Tensor) -> tuple[list[Tensor], Tensor, Tensor]:
        """([local, middle, global] patch logits, CAM logits, code)."""
        code, cam_logits, _ = self.encoder(x)
        logits, h = [], code
        for down, head in zip(self.downs, self.heads, strict=True):
            h = down(h)
            logits.append(head(h))
        return logits, cam_logits, code


class NiceDecoder(nn.Module):
    """code [N, z, H/4, W/4] -> image [N, out, H, W] in [-1, 1]."""

    def __init__(self, code_channels: int, out_channels: int, width: int, blocks: int):
        super().__init__()
        channels = 4 * width
        self.entry = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(code_channels, channels, 3), LayerInstanceNorm(channels), nn.ReLU())
        # "light" U-GAT-IT: gamma and beta from the globally pooled features (any input size)
        self.fc = nn.Sequential(nn.Linear(channels, channels), nn.ReLU(), nn.Linear(channels, channels), nn.ReLU())
        self.gamma, self.beta = nn.Linear(channels, channels), nn.Linear(channels, channels)
        self.blocks = nn.ModuleList(AdaLINBlock(channels) for _ in range(blocks))
        up: list[nn.Module] = []
        for _ in range(2):
            up += [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                   nn.Conv2d(channels, channels // 2, 3, bias=False), LayerInstanceNorm(channels // 2), nn.ReLU()]
            channels //= 2
        up += [nn.ReflectionPad2d(3), nn.Conv2d(channels, out_channels, 7, bias=False), nn.Tanh()]
        self.up = nn.Sequential(*up)

    def forward(self, code: Tensor) -> Tensor:
        x = self.entry(code)
        style = self.fc(x.mean((2, 3)))
        gamma, beta = self.gamma(style), self.beta(style)
        for block in self.blocks:
            x = block(x, gamma, beta)
        return self.up(x)


class EncodeDecode(nn.Module):
    """A translation network: the source discriminator's encoder, then the target's decoder."""

    multiple = 4  # two stride-2 convolutions down, two upsamplings back

    def __init__(self, encoder: NiceEncoder, decoder: NiceDecoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x)[0])
