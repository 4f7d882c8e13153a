"""Sparse colour hints for colourisation (Zhang et al. 2017, "Real-Time User-Guided Image
Colorization with Learned Deep Priors", §3.3): points drawn from the target during training,
a user's hint image at inference. The network reads concat(gray, hint colours, mask)."""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ganforge.errors import UserError

HINT_CHANNELS = 4  # three hint colours (0 where no hint) and the mask


def max_patch(resolution: int, configured: int) -> int:
    """Largest hint patch side: as configured, else 9 pixels at 256 scaled to the resolution (at least 1)."""
    return configured or max(1, round(9 * resolution / 256))


def training_counts(n: int, none_prob: float, p: float, generator: torch.Generator) -> Tensor:
    """Hints per image: 0 with probability `none_prob`, else 1 + Geometric(p) (often few, sometimes many)."""
    none = torch.rand(n, generator=generator) < none_prob
    uniform = torch.rand(n, generator=generator).clamp_min(1e-12)
    extra = torch.zeros(n) if p >= 1 else torch.floor(torch.log(uniform) / math.log(1 - p))
    return torch.where(none, torch.zeros(n), 1 + extra).long()


def sample_hints(target: Tensor, counts: Tensor, patch: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Hints from `target` [N,3,R,R] (any range): `counts[i]` patches per image, centred at
    points drawn from a Gaussian around the image centre (sigma = R/4), side uniform in
    1..`patch`, each filled with the target's mean colour over it. Returns (hints [N,3,R,R]
    with 0 outside hints, mask [N,1,R,R] in {0, 1}); draws on the CPU from `generator`."""
    n, _, height, width = target.shape
    hints = torch.zeros_like(target)
    mask = torch.zeros((n, 1, height, width), dtype=target.dtype, device=target.device)
    for i in range(n):
        k = int(counts[i])
        if k == 0:
            continue
        centres = torch.randn(k, 2, generator=generator) * torch.tensor([height / 4, width / 4]) + torch.tensor([height / 2, width / 2])
        sides = torch.randint(1, patch + 1, (k,), generator=generator)
        for (cy, cx), side in zip(centres.tolist(), sides.tolist(), strict=True):
            top = min(max(int(cy) - side // 2, 0), height - side)
            left = min(max(int(cx) - side // 2, 0), width - side)
            region = (slice(top, top + side), slice(left, left + side))
            hints[i, :, region[0], region[1]] = target[i, :, region[0], region[1]].mean(dim=(1, 2), keepdim=True)
            mask[i, :, region[0], region[1]] = 1
    return hints, mask


def encode(gray: Tensor, hints: Tensor, mask: Tensor) -> Tensor:
    """The network input: gray [N,C,R,R], hint colours (0 where none) and the mask."""
    return torch.cat([gray, hints * mask, mask], 1)


def hints_from_image(img: Image.Image, size: tuple[int, int], name: str) -> tuple[Tensor, Tensor]:
    """A user's hints image -> (hints [1,3,H,W] in [-1, 1], mask [1,1,H,W]).

    Hint pixels: where alpha > 0 in an image with transparency, else every pixel that is
    neither pure black nor pure white (draw hint dots on a black or white canvas)."""
    if img.size != size:
        raise UserError(f"--hints {name}: {img.size[0]}x{img.size[1]} differs from the input's {size[0]}x{size[1]}")
    rgba = np.asarray(img.convert("RGBA"))
    rgb = rgba[..., :3].astype(np.int64)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        marked = rgba[..., 3] > 0
    else:
        marked = ~((rgb.sum(-1) == 0) | (rgb.sum(-1) == 3 * 255))
    if not marked.any():
        raise UserError(f"--hints {name}: no hint pixels (draw colours on a black, white or transparent canvas)")
    hints = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 127.5 - 1
    mask = torch.from_numpy(marked)[None, None].float()
    return hints * mask, mask
