"""GAN-CLS (Reed et al. 2016) with StackGAN's conditioning augmentation (Zhang et al. 2017).

G: the text embedding -> Linear + LeakyReLU -> (mu, log sigma^2) of a `condition_dim` Gaussian;
c = mu + sigma·eps while training (mu in eval mode, for repeatable samples); [z; c] feeds a
DCGAN generator. The KL of that Gaussian to N(0, I) of the last forward is `generator.kl`.
The text embedding enters both networks standardised over the run's captions (`TextStandardizer`).
D: DCGAN strided convs down to 4x4; the text, projected to 128 dims (+ LeakyReLU), is tiled
over the 4x4 map and concatenated; a 1x1 conv and a 4x4 conv give the logit.
"""

from __future__ import annotations

import math
from itertools import pairwise

import torch
from torch import Tensor, nn

from ganforge.models import register_model
from ganforge.models.dcgan import DCGANGenerator
from ganforge.models.init import dcgan_init
from ganforge.models.text_conditioning import TextStandardizer

SLOPE = 0.2
TEXT_PROJECTION = 128


class GANCLSGenerator(nn.Module):
    num_classes = 0

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int, text_dim: int, condition_dim: int):
        super().__init__()
        self.z_dim, self.text_dim = z_dim, text_dim
        self.augment = nn.Sequential(nn.Linear(text_dim, 2 * condition_dim), nn.LeakyReLU(SLOPE))
        self.image = DCGANGenerator(z_dim + condition_dim, width, resolution, channels)
        self.kl = torch.zeros(())
        self.text_norm = TextStandardizer(text_dim)

    def forward(self, z: Tensor, e: Tensor) -> Tensor:
        mu, log_var = self.augment(self.text_norm(e)).chunk(2, dim=1)
        if self.training:
            c = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            self.kl = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum(dim=1).mean()
        else:
            c = mu
        return self.image(torch.cat([z, c], dim=1))


class GANCLSDiscriminator(nn.Module):
    num_classes = 0

    def __init__(self, width: int, resolution: int, channels: int, text_dim: int):
        super().__init__()
        self.text_dim = text_dim
        n = int(math.log2(resolution)) - 2
        widths = [width * 2**i for i in range(n)]  # w, 2w, 4w at 32 (to 4x4)
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1), nn.LeakyReLU(SLOPE, inplace=True)]
        for c_in, c_out in pairwise(widths):
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(SLOPE, inplace=True)]
        self.image = nn.Sequential(*layers)
        self.text = nn.Sequential(nn.Linear(text_dim, TEXT_PROJECTION), nn.LeakyReLU(SLOPE, inplace=True))
        self.joint = nn.Sequential(
            nn.Conv2d(widths[-1] + TEXT_PROJECTION, widths[-1], 1, bias=False),
            nn.BatchNorm2d(widths[-1]),
            nn.LeakyReLU(SLOPE, inplace=True),
            nn.Conv2d(widths[-1], 1, 4, 1, 0),
        )
        self.apply(dcgan_init)
        self.text_norm = TextStandardizer(text_dim)

    def features(self, x: Tensor) -> Tensor:
        return self.image(x)

    def logits(self, h: Tensor, e: Tensor) -> Tensor:
        text = self.text(self.text_norm(e))[..., None, None].expand(-1, -1, *h.shape[-2:])
        return self.joint(torch.cat([h, text.to(h.dtype)], dim=1)).flatten()

    def forward(self, x: Tensor, e: Tensor) -> Tensor:
        return self.logits(self.features(x), e)


def _built_by_task(*args, **kwargs) -> nn.Module:
    raise ValueError("model gancls is built by its text task's objective")


register_model("gancls", _built_by_task, _built_by_task)
