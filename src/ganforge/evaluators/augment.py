"""Seeded training-time augmentations on preprocessed float images [N,C,S,S].

Every random draw comes from the `torch.Generator` passed in, so a seed fixes the run.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def random_translate(images: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each image by up to `max_shift` pixels in x and y, filling with the edge pixels."""
    if max_shift <= 0:
        return images
    n, _, height, width = images.shape
    padded = F.pad(images, [max_shift] * 4, mode="replicate")
    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=generator)
    return torch.stack(
        [
            padded[i, :, dy : dy + height, dx : dx + width]
            for i, (dy, dx) in enumerate(offsets.tolist())
        ]
    )


def random_noise(images: Tensor, max_std: float, generator: torch.Generator | None = None) -> Tensor:
    """Add Gaussian pixel noise, its standard deviation drawn per image from U(0, max_std).
    Drawn from `generator` on its device, or without one from the global RNG on the images'."""
    if max_std <= 0:
        return images
    if generator is None:  # drawn in the images' memory layout (channels_last during training)
        std = torch.rand(images.shape[0], 1, 1, 1, device=images.device) * max_std
        return images + std * torch.randn_like(images)
    std = torch.rand(images.shape[0], 1, 1, 1, generator=generator, device=generator.device) * max_std
    noise = torch.randn(images.shape, generator=generator, device=generator.device) * std
    return images + noise.to(images.device, images.dtype)


def random_resized_crop(
    images: Tensor, generator: torch.Generator, scale: tuple[float, float] = (0.4, 1.0)
) -> Tensor:
    """SimCLR's crop: a random square-ish area fraction in `scale`, resized back to full size."""
    n = images.shape[0]
    area = torch.empty(n).uniform_(*scale, generator=generator)
    log_ratio = torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=generator)
    ratio = log_ratio.exp()
    half_w = (area * ratio).sqrt().clamp(max=1.0)
    half_h = (area / ratio).sqrt().clamp(max=1.0)
    centre_x = (torch.rand(n, generator=generator) * 2 - 1) * (1 - half_w)
    centre_y = (torch.rand(n, generator=generator) * 2 - 1) * (1 - half_h)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = half_w * flip
    theta[:, 0, 2] = centre_x
    theta[:, 1, 1] = half_h
    theta[:, 1, 2] = centre_y
    grid = F.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def colour_jitter(images: Tensor, generator: torch.Generator, strength: float = 0.4) -> Tensor:
    """Random brightness and contrast per image (and per-channel gain for colour images)."""
    n, channels = images.shape[:2]
    device = images.device
    contrast = 1 + (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1) * strength
    brightness = (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1) * strength
    gain = 1 + (torch.rand(n, channels, 1, 1, generator=generator) * 2 - 1) * strength * (
        channels > 1
    )
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * contrast.to(device) * gain.to(device) + mean + brightness.to(device)


def simclr_view(images: Tensor, generator: torch.Generator) -> Tensor:
    """One augmented view for contrastive learning: crop + flip, then colour jitter."""
    return colour_jitter(random_resized_crop(images, generator), generator)
