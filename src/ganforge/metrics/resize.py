"""Preprocessing modes of the FID Inception network (METRICS.md §2).

Each mode turns uint8 RGB images [N,3,H,W] into the network input float32 [N,3,299,299]
in [-1,1]; images already 299×299 skip the resize. The mode is recorded in every result,
because the same images give different FIDs under different resizes.

- `tf1` (default): TensorFlow 1.x bilinear resize as used by TTUR, StyleGAN2-ADA and
  torch-fidelity; the numbers in papers.
- `pytorch-fid`: `F.interpolate(bilinear, align_corners=False)` on [0,1] images, as pytorch-fid.
- `clean`: PIL bicubic on float32 channels without requantisation, as clean-fid "clean".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from ganforge.errors import UserError

INCEPTION_SIZE = 299


def _check_images(images: Tensor) -> None:
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"expected uint8 RGB images [N,3,H,W], got {images.dtype} {list(images.shape)}")


def _is_inception_size(images: Tensor) -> bool:
    return images.shape[-2:] == (INCEPTION_SIZE, INCEPTION_SIZE)


def _tf1_source_coords(in_size: int, out_size: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """TF1 `resize_bilinear` (align_corners=False, no half-pixel centres): src = i * in/out.

    Returns (lo, hi, frac): neighbour indices [out] int64 and weights [out] float32.
    """
    # TF1 computes the scale and the source coordinate in float32; so do we, bit for bit.
    scale = torch.tensor(in_size / out_size, dtype=torch.float32, device=device)
    source = torch.arange(out_size, dtype=torch.float32, device=device) * scale
    lo = source.long()  # source >= 0, so truncation is floor
    hi = (lo + 1).clamp_max(in_size - 1)
    return lo, hi, source - lo.float()


def tf1_resize(images: Tensor, size: int = INCEPTION_SIZE) -> Tensor:
    """TF1 bilinear resize: uint8 or float [N,C,H,W] -> float32 [N,C,size,size], values kept in [0,255].

    Interpolates along x, then along y, with TF's operation order (a + (b - a) * frac).
    """
    pixels = images.float()
    x_lo, x_hi, x_frac = _tf1_source_coords(pixels.shape[3], size, pixels.device)
    y_lo, y_hi, y_frac = _tf1_source_coords(pixels.shape[2], size, pixels.device)
    left, right = pixels.index_select(3, x_lo), pixels.index_select(3, x_hi)
    rows = left + (right - left) * x_frac
    top, bottom = rows.index_select(2, y_lo), rows.index_select(2, y_hi)
    return top + (bottom - top) * y_frac[:, None]


def tf1_input(images: Tensor) -> Tensor:
    """`tf1` mode: uint8 [N,3,H,W] -> float32 [N,3,299,299], (x - 128) / 128."""
    _check_images(images)
    pixels = images.float() if _is_inception_size(images) else tf1_resize(images)
    return (pixels - 128) / 128


def pytorch_fid_input(images: Tensor) -> Tensor:
    """`pytorch-fid` mode: uint8 [N,3,H,W] -> float32 [N,3,299,299], 2 * bilinear(x / 255) - 1."""
    _check_images(images)
    unit = images.float() / 255
    if not _is_inception_size(images):
        unit = F.interpolate(unit, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False)
    return 2 * unit - 1


def _pil_bicubic_channel(channel: np.ndarray) -> np.ndarray:
    """One float32 channel [H,W] -> [299,299], PIL bicubic in mode "F" (no requantisation)."""
    resized = Image.fromarray(channel).resize((INCEPTION_SIZE, INCEPTION_SIZE), resample=Image.Resampling.BICUBIC)
    return np.asarray(resized)


def clean_input(images: Tensor) -> Tensor:
    """`clean` mode: uint8 [N,3,H,W] -> float32 [N,3,299,299], PIL bicubic, clip [0,255], (x - 128) / 128."""
    _check_images(images)
    if _is_inception_size(images):
        return (images.float() - 128) / 128
    pixels = images.cpu().numpy().astype(np.float32)
    resized = np.stack([[_pil_bicubic_channel(channel) for channel in image] for image in pixels])
    clipped = torch.from_numpy(resized.clip(0, 255)).to(images.device)
    return (clipped - 128) / 128


RESIZE_MODES: dict[str, Callable[[Tensor], Tensor]] = {
    "tf1": tf1_input,
    "pytorch-fid": pytorch_fid_input,
    "clean": clean_input,
}


def get_resize_mode(name: str) -> Callable[[Tensor], Tensor]:
    """The preprocessing function of mode `name`; UserError naming the allowed modes otherwise."""
    if name not in RESIZE_MODES:
        raise UserError(f"--resize {name}: unknown resize mode; allowed: {', '.join(RESIZE_MODES)}")
    return RESIZE_MODES[name]
