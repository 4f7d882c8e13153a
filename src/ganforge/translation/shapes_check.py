"""Checks of translations on `builtin:shapes`: which colour a shape was painted, and which shape it is.

The colour: the mean colour of the pixels that differ from the background by more than
`FOREGROUND_DIFFERENCE` in some channel, named by the nearest palette colour. The shape: the
shipped shapes evaluator (a classifier trained on builtin:shapes, see assets/evaluators/shapes).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganforge.data.shapes import BACKGROUND, COLOURS, SHAPES

FOREGROUND_DIFFERENCE = 40
NO_SHAPE = "none"


def colour_names(images: Tensor) -> list[str]:
    """uint8 [N,3,H,W] -> the palette name of each image's shape colour ("none": no shape drawn)."""
    pixels = images.to(torch.float32).flatten(2)  # [N,3,HW]
    background = torch.tensor(BACKGROUND, dtype=torch.float32)[None, :, None]
    foreground = (pixels - background).abs().amax(1) > FOREGROUND_DIFFERENCE  # [N,HW]
    palette = torch.tensor(list(COLOURS.values()), dtype=torch.float32)
    names = []
    for image, mask in zip(pixels, foreground, strict=True):
        if not mask.any():
            names.append(NO_SHAPE)
            continue
        mean = image[:, mask].mean(1)
        names.append(list(COLOURS)[int((palette - mean).norm(dim=1).argmin())])
    return names


def shape_predictions(images: Tensor) -> Tensor:
    """uint8 [N,3,H,W] -> the shapes evaluator's class index per image (an index into SHAPES)."""
    from ganforge.metrics.features.domain import shipped_evaluator_dir
    from ganforge.metrics.features.domain.files import load_evaluator
    from ganforge.metrics.features.domain.network import run_evaluator

    evaluator, meta = load_evaluator(shipped_evaluator_dir("shapes"))
    if list(meta["classes"]) != list(SHAPES):
        raise RuntimeError(f"the shipped shapes evaluator's classes {meta['classes']} differ from {list(SHAPES)}")
    return run_evaluator(evaluator, list(images))["logits"].argmax(1)
