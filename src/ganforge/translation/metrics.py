"""Paired translation metrics on uint8 images [N,C,H,W] (output against target), averaged over images.

- `psnr`: 10 log10(255^2 / MSE) per image (dB; higher is better).
- `ssim`: Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, population
  covariances, averaged over the window positions that fit inside the image and over channels:
  scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
  use_sample_covariance=False, data_range=255)`.
- `l1`: mean absolute difference in [0, 1] units (lower is better).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

DATA_RANGE = 255.0
SSIM_SIGMA = 1.5
SSIM_RADIUS = 5  # scikit-image: int(truncate 3.5 * sigma + 0.5) -> an 11x11 window
MAX_PSNR = 100.0  # reported for an exact copy (MSE 0)


def _as_float(images: Tensor) -> Tensor:
    return images.to(torch.float64)


def psnr(output: Tensor, target: Tensor) -> Tensor:
    """PSNR per image [N] in dB."""
    mse = (_as_float(output) - _as_float(target)).square().flatten(1).mean(1)
    value = 10 * torch.log10(DATA_RANGE**2 / mse.clamp_min(1e-12))
    return value.clamp_max(MAX_PSNR)


def l1(output: Tensor, target: Tensor) -> Tensor:
    """Mean absolute error per image [N] in [0, 1] units."""
    return (_as_float(output) - _as_float(target)).abs().flatten(1).mean(1) / DATA_RANGE


def _gaussian_window() -> Tensor:
    x = torch.arange(-SSIM_RADIUS, SSIM_RADIUS + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (x / SSIM_SIGMA) ** 2)
    return kernel / kernel.sum()


def _filter(images: Tensor) -> Tensor:
    """Separable Gaussian filter of [N,C,H,W], valid positions only (scikit-image crops the border)."""
    kernel = _gaussian_window()
    channels = images.shape[1]
    rows = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    cols = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    return F.conv2d(F.conv2d(images, rows, groups=channels), cols, groups=channels)


def ssim(output: Tensor, target: Tensor) -> Tensor:
    """SSIM per image [N]; images need sides of at least 11 pixels."""
    x, y = _as_float(output), _as_float(target)
    if min(x.shape[-2:]) < 2 * SSIM_RADIUS + 1:
        raise ValueError(f"SSIM needs images of at least {2 * SSIM_RADIUS + 1}x{2 * SSIM_RADIUS + 1} pixels (got {tuple(x.shape[-2:])})")
    c1, c2 = (0.01 * DATA_RANGE) ** 2, (0.03 * DATA_RANGE) ** 2
    mu_x, mu_y = _filter(x), _filter(y)
    var_x = _filter(x * x) - mu_x**2
    var_y = _filter(y * y) - mu_y**2
    cov = _filter(x * y) - mu_x * mu_y
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return s.flatten(1).mean(1)


PairedMetric = Callable[[Tensor, Tensor], Tensor]
# How the registry's pair metrics (`catalog.names(needs="pairs")`) are computed, per image.
PAIRED_METRICS: dict[str, PairedMetric] = {"psnr": psnr, "ssim": ssim, "l1": l1}


def paired_scores(output: Tensor, target: Tensor, names=tuple(PAIRED_METRICS)) -> dict[str, float]:
    """Mean of each named metric over the images."""
    return {name: float(PAIRED_METRICS[name](output, target).mean()) for name in names}
