"""Read shape, colour, size and position off a `builtin:shapes`-style image.

- shape: the shipped shapes evaluator (a CNN trained on builtin:shapes, 100% on its held-out split);
- colour, size and position: the fixed pixel rules of `data.shapes_foreground`.

Every step is fixed: the same image reads the same way.
"""

from __future__ import annotations

import functools

from torch import Tensor

from ganforge.data.shapes import ATTRIBUTES
from ganforge.data.shapes_foreground import coverage, read_colour, read_position, read_size


@functools.lru_cache(maxsize=1)
def _shape_classifier():
    from ganforge.metrics.features.domain import shipped_evaluator_dir
    from ganforge.metrics.features.domain.files import load_evaluator

    evaluator, meta = load_evaluator(shipped_evaluator_dir("shapes"))
    return evaluator, meta["classes"]


def read_shape(images: Tensor) -> list[str]:
    from ganforge.metrics.features.domain.network import run_evaluator

    evaluator, classes = _shape_classifier()
    logits = run_evaluator(evaluator, list(images))["logits"]
    return [classes[k] for k in logits.argmax(dim=1).tolist()]


def read_attributes(images: Tensor) -> list[dict[str, str]]:
    """uint8 RGB [N,3,H,W] -> one {"shape", "colour", "size", "position"} per image."""
    if images.shape[1] != 3:
        raise ValueError(f"expected RGB images [N,3,H,W], got {tuple(images.shape)}")
    cover = coverage(images)
    shapes = read_shape(images)
    columns = {
        "shape": shapes,
        "colour": read_colour(images, cover),
        "size": read_size(cover, shapes),
        "position": read_position(cover),
    }
    return [{key: columns[key][i] for key in ATTRIBUTES} for i in range(len(images))]
