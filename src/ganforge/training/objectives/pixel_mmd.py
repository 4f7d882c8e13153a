"""A distribution term for G at low resolution: MMD² (Gretton et al. 2012) between a step's
fakes and the real batch beside them, both average-pooled to `loss.mmd_pool`² pixels.

D scores one image at a time, so a G that draws only some of the data's colours or sizes can
pass it image by image; its batch, seen as a sample of small pictures, still differs from the
real batch, and the MMD grows with that difference (the GMMN idea, Li et al. 2015, here beside
the GAN loss and on pooled pixels). Kernel: a sum of Gaussians whose widths are fixed
multiples of the median squared distance between the real images of the batch.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.training.objectives.diversity import pooled

WIDTHS = (0.25, 1.0, 4.0)  # kernel widths, as multiples of the median real-real squared distance


def _squared_distances(a: Tensor, b: Tensor) -> Tensor:
    """[N, M] squared Euclidean distances; written out so the gradient at 0 is finite."""
    return ((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T).clamp_min(0)


def mmd2(fakes: Tensor, reals: Tensor) -> Tensor:
    """Unbiased MMD² between rows of fakes [N, F] (with graph) and reals [M, F], N, M >= 2."""
    real_real = _squared_distances(reals, reals)
    off_diagonal = ~torch.eye(len(reals), dtype=torch.bool, device=reals.device)
    scale = real_real[off_diagonal].median().detach().clamp_min(1e-6)

    def kernel(distances: Tensor) -> Tensor:
        return sum(torch.exp(-distances / (width * scale)) for width in WIDTHS)

    def within(distances: Tensor) -> Tensor:  # mean over pairs of different rows
        k, n = kernel(distances), len(distances)
        return (k.sum() - k.diagonal().sum()) / (n * (n - 1))

    between = kernel(_squared_distances(fakes, reals)).mean()
    return within(_squared_distances(fakes, fakes)) + within(real_real) - 2 * between


def pooled_mmd2(fakes: Tensor, reals: Tensor, side: int) -> Tensor:
    """MMD² of images [N,C,R,R] and [M,C,R,R] in [-1, 1] after pooling to side × side."""
    return mmd2(pooled(fakes, side).flatten(1), pooled(reals, side).flatten(1))
