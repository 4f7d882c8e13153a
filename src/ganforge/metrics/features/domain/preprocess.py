"""The one preprocessing an evaluator applies, at training time and at evaluation time alike.

uint8 RGB [N,3,H,W] -> resize to the evaluator's input size -> grayscale (1-channel
evaluators) -> float32 normalised [N,C,S,S]. Every step is recorded in `evaluator.json`
under "preprocessing", so the same numbers come out wherever the evaluator is loaded.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

# ITU-R BT.601 luma, the rule PIL's convert("L") uses; applied in float32 without rounding.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
GRAYSCALE_RULE = "bt601-luma-float: 0.299*R + 0.587*G + 0.114*B, no rounding"


def _resize_bilinear_antialias(images: Tensor, size: int) -> Tensor:
    return F.interpolate(
        images, size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )


def _resize_bicubic_antialias(images: Tensor, size: int) -> Tensor:
    return F.interpolate(
        images, size=(size, size), mode="bicubic", align_corners=False, antialias=True
    )


# Recorded name -> function on float images [N,C,H,W] in 0..255.
RESIZE_MODES = {
    "bilinear-antialias": _resize_bilinear_antialias,
    "bicubic-antialias": _resize_bicubic_antialias,
}


def preprocessing_spec(
    input_size: int,
    channels: int,
    resize: str = "bilinear-antialias",
    mean: float = 0.5,
    std: float = 0.5,
) -> dict:
    """The JSON-able description stored in evaluator.json; `preprocess` reads exactly these keys."""
    return {
        "input": "uint8 RGB [N,3,H,W]",
        "input_size": input_size,
        "channels": channels,
        "resize": resize,
        "resize_skipped_when": "H == W == input_size",
        "grayscale": GRAYSCALE_RULE if channels == 1 else None,
        "scale": "x / 255",
        "mean": [mean] * channels,
        "std": [std] * channels,
    }


def preprocess(images: Tensor, spec: dict) -> Tensor:
    """uint8 RGB [N,3,H,W] -> float32 [N,C,S,S] per `spec` (see `preprocessing_spec`)."""
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(
            f"expected uint8 RGB images [N,3,H,W], got {images.dtype} {tuple(images.shape)}"
        )
    size = spec["input_size"]
    x = images.to(torch.float32)
    if x.shape[-2:] != (size, size):
        x = RESIZE_MODES[spec["resize"]](x, size).clamp_(0, 255)
    if spec["channels"] == 1:
        weights = torch.tensor(LUMA_WEIGHTS, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        x = (x * weights).sum(dim=1, keepdim=True)
    mean = torch.tensor(spec["mean"], dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    std = torch.tensor(spec["std"], dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x / 255 - mean) / std


def preprocess_each(images: list[Tensor], spec: dict) -> Tensor:
    """Images of mixed sizes (uint8 [3,H,W] each) -> float32 [N,C,S,S]; same numbers as a batch."""
    if images and all(img.shape == images[0].shape for img in images):
        return preprocess(torch.stack(images), spec)
    return torch.cat([preprocess(img.unsqueeze(0), spec) for img in images])
