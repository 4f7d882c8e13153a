"""A distribution term for G at low resolution: MMD² (Gretton et al. 2012) between a step's
fakes and a bank of real images, both average-pooled to `loss.mmd_pool`² pixels.

D scores one image at a time, so a G that draws only some of the data's colours or sizes can
pass it image by image; its batch, seen as a sample of small pictures, still differs from the
data, and the MMD grows with that difference (the GMMN idea, Li et al. 2015, here beside the
GAN loss and on pooled pixels). The real side is a bank of up to BANK training images drawn
once with the run's seed: against one real batch of 32 a missing colour (a sixth of the data)
moved the MMD by a quarter of its noise, against the bank by two. Kernel: a sum of Gaussians
whose widths are fixed multiples of the median squared distance between real images.

With `loss.mmd_extremes` each image also gives its per-channel soft maximum and minimum over
its pixels: the colour of a bright shape on a dark ground (or the reverse) whatever its size.
In the mean colour a small shape's colour is diluted by the ground: a small blue and a small
purple shape differed by 1/20 of the median distance between real images, too little for the
kernels to tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ganforge.training.objectives.diversity import pooled

WIDTHS = (0.25, 1.0, 4.0)  # kernel widths, as multiples of the median real-real squared distance
BANK = 1024  # real images the fakes are compared with
# Temperature of the soft extremes on [-1, 1] pixels: a shape on a tenth of the image reads
# 0.23 below its colour, the smooth stand-in for a maximum whose gradient reaches one pixel.
EXTREME_TEMPERATURE = 0.1


def _squared_distances(a: Tensor, b: Tensor) -> Tensor:
    """[N, M] squared Euclidean distances; written out so the gradient at 0 is finite."""
    return ((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T).clamp_min(0)


def _kernel(distances: Tensor, scale: Tensor) -> Tensor:
    return sum(torch.exp(-distances / (width * scale)) for width in WIDTHS)


def _within(distances: Tensor, scale: Tensor) -> Tensor:
    """Mean kernel value over pairs of different rows of one sample."""
    k, n = _kernel(distances, scale), len(distances)
    return (k.sum() - k.diagonal().sum()) / (n * (n - 1))


@dataclass(frozen=True)
class RealSide:
    """The real rows [M, F] with what MMD² needs of them alone, computed once."""

    features: Tensor
    scale: Tensor  # the median squared distance between two different real rows
    within: Tensor  # the mean kernel value between two different real rows

    @classmethod
    @torch.no_grad()
    def of(cls, reals: Tensor) -> RealSide:
        distances = _squared_distances(reals, reals)
        off_diagonal = ~torch.eye(len(reals), dtype=torch.bool, device=reals.device)
        scale = distances[off_diagonal].median().clamp_min(1e-6)
        return cls(reals, scale, _within(distances, scale))

    def to(self, device: torch.device) -> RealSide:
        return RealSide(self.features.to(device), self.scale.to(device), self.within.to(device))


def mmd2_to(fakes: Tensor, real: RealSide) -> Tensor:
    """Unbiased MMD² between rows of fakes [N, F] (with graph; N >= 2) and the real side."""
    between = _kernel(_squared_distances(fakes, real.features), real.scale).mean()
    return _within(_squared_distances(fakes, fakes), real.scale) + real.within - 2 * between


def mmd2(fakes: Tensor, reals: Tensor) -> Tensor:
    """Unbiased MMD² between rows of fakes [N, F] and reals [M, F], N, M >= 2."""
    return mmd2_to(fakes, RealSide.of(reals))


def soft_extremes(images: Tensor) -> Tensor:
    """[N,C,H,W] in [-1, 1] -> [N, 2C]: each channel's soft maximum, then its soft minimum (log-mean-exp)."""
    pixels = images.flatten(2)
    count = math.log(pixels.shape[-1])
    t = EXTREME_TEMPERATURE
    maxima = t * (torch.logsumexp(pixels / t, dim=-1) - count)
    minima = -t * (torch.logsumexp(-pixels / t, dim=-1) - count)
    return torch.cat([maxima, minima], dim=1)


def mmd_features(images: Tensor, side: int, extremes: bool) -> list[Tensor]:
    """[N,C,H,W] in [-1, 1] -> feature groups [N, F]: the images pooled to side × side (+ their
    soft extremes). Each group gets its own MMD, with kernel widths from its own distances: in
    one group the extremes' distances set the widths and the pooled means, which carry a
    shape's size, weighed too little (samples went from 60 % to 80 % small)."""
    groups = [pooled(images, side).flatten(1)]
    return groups + [soft_extremes(images)] if extremes else groups


def mmd2_groups(fakes: list[Tensor], reals: list[RealSide]) -> Tensor:
    """The sum of the groups' MMD²."""
    return sum(mmd2_to(fake, real) for fake, real in zip(fakes, reals, strict=True))


@torch.no_grad()
def real_bank(images: Tensor, side: int, seed: int, extremes: bool = False) -> list[RealSide]:
    """Up to BANK training images (uint8 [N,C,S,S]) drawn with `seed`, as `mmd_features` sees them."""
    picks = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:BANK]
    chunks = [mmd_features(images[chunk].float() / 127.5 - 1, side, extremes) for chunk in picks.split(256)]
    return [RealSide.of(torch.cat(group)) for group in zip(*chunks, strict=True)]
