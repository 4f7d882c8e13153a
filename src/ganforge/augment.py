"""DiffAugment (Zhao et al. 2020): differentiable augmentations applied to real and fake images.

`diff_augment(images, ["color", "translation", "cutout"])` on [N, C, H, W] float images in
[-1, 1]; every operation draws one random value per sample from torch's global RNG on the
images' device (so a checkpointed RNG state resumes the same augmentations) and is
differentiable with respect to the images.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from ganforge.errors import UserError

TRANSLATION_RATIO = 0.125  # max shift, as a fraction of the image side (Zhao et al. 2020, sec. 3)
CUTOUT_RATIO = 0.5  # side of the erased square, as a fraction of the image side


def _per_sample_uniform(images: Tensor) -> Tensor:
    """U[0, 1) of shape [N, 1, 1, 1] on the images' device and dtype."""
    return torch.rand(images.shape[0], 1, 1, 1, device=images.device, dtype=images.dtype)


def random_brightness(images: Tensor) -> Tensor:
    """Add a per-sample offset in [-0.5, 0.5)."""
    return images + (_per_sample_uniform(images) - 0.5)


def random_saturation(images: Tensor) -> Tensor:
    """Scale each pixel's distance from its channel mean by [0, 2); no-op for 1 channel."""
    gray = images.mean(dim=1, keepdim=True)
    return (images - gray) * (_per_sample_uniform(images) * 2) + gray


def random_contrast(images: Tensor) -> Tensor:
    """Scale the distance from the per-image mean by a factor in [0.5, 1.5)."""
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * (_per_sample_uniform(images) + 0.5) + mean


def _random_shifts(images: Tensor, limit: int) -> Tensor:
    """Per-sample integer shifts in [-limit, limit], shape [N]."""
    return torch.randint(-limit, limit + 1, (images.shape[0],), device=images.device)


def random_translation(images: Tensor) -> Tensor:
    """Shift each image by up to 1/8 of its size in x and y; uncovered pixels become 0."""
    n, _, height, width = images.shape
    limit_y, limit_x = int(height * TRANSLATION_RATIO + 0.5), int(width * TRANSLATION_RATIO + 0.5)
    shift_y = _random_shifts(images, limit_y)
    shift_x = _random_shifts(images, limit_x)
    padded = F.pad(images, [limit_x, limit_x, limit_y, limit_y])
    # output[y, x] = input[y - shift_y, x - shift_x], read from the zero-padded image.
    rows = torch.arange(height, device=images.device) + limit_y - shift_y[:, None]  # [N, H]
    cols = torch.arange(width, device=images.device) + limit_x - shift_x[:, None]  # [N, W]
    batch = torch.arange(n, device=images.device)[:, None, None]
    gathered = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # [N, H, W, C]
    return gathered.permute(0, 3, 1, 2)


def random_cutout(images: Tensor) -> Tensor:
    """Zero one square of half the image side per sample; its centre is uniform over the image."""
    n, _, height, width = images.shape
    size_y, size_x = int(height * CUTOUT_RATIO + 0.5), int(width * CUTOUT_RATIO + 0.5)
    # Centres in [0, side] for even squares, [0, side) for odd ones, as in DiffAugment's code.
    centre_y = torch.randint(0, height + (1 - size_y % 2), (n, 1, 1), device=images.device)
    centre_x = torch.randint(0, width + (1 - size_x % 2), (n, 1, 1), device=images.device)
    top, left = centre_y - size_y // 2, centre_x - size_x // 2
    y = torch.arange(height, device=images.device)[None, :, None]
    x = torch.arange(width, device=images.device)[None, None, :]
    inside = (y >= top) & (y < top + size_y) & (x >= left) & (x < left + size_x)  # [N, H, W]
    return images * (~inside).unsqueeze(1).to(images.dtype)


AUGMENTATIONS: dict[str, tuple[Callable[[Tensor], Tensor], ...]] = {
    "color": (random_brightness, random_saturation, random_contrast),
    "translation": (random_translation,),
    "cutout": (random_cutout,),
}


def diff_augment(images: Tensor, policy: list[str]) -> Tensor:
    """Apply the policy's augmentations in order: [N, C, H, W] -> same shape; [] is a no-op."""
    for name in policy:
        if name not in AUGMENTATIONS:
            allowed = ", ".join(AUGMENTATIONS)
            raise UserError(f"augment.diffaugment: unknown policy {name!r}; allowed: {allowed}")
        for augmentation in AUGMENTATIONS[name]:
            images = augmentation(images)
    return images


# Augmentations of the evaluators' training and of the judges' inputs (seeded by a generator).

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
