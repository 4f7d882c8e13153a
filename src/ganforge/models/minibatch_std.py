"""Minibatch standard deviation (Karras et al. 2018, ProGAN §3): D sees how much the images of
a small group differ, so a G that draws one picture (one size, one colour) for every latent
is told apart from real images by that alone."""

from __future__ import annotations

import torch
from torch import Tensor, nn

GROUP = 4  # images per group, as in ProGAN / StyleGAN


def group_size(batch: int, largest: int = GROUP) -> int:
    """The largest size <= `largest` that divides `batch` (1: each image its own group)."""
    return next(size for size in range(min(largest, batch), 0, -1) if batch % size == 0)


class MinibatchStd(nn.Module):
    """[N,C,H,W] -> [N,C+1,H,W]: one channel more, holding the mean over features and pixels of
    the standard deviation across each image's group (N split into groups of `group_size(N)`)."""

    def forward(self, x: Tensor) -> Tensor:
        n, _, height, width = x.shape
        size = group_size(n)
        grouped = x.reshape(size, n // size, *x.shape[1:])  # member k of group g is image k·(N/size) + g
        std = (grouped.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # [N / size]
        channel = std.repeat(size)[:, None, None, None].expand(n, 1, height, width)
        return torch.cat([x, channel.to(x.dtype)], dim=1)
