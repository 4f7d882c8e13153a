"""Built-in data sets (`builtin:NAME`): generated or bundled, held in memory, no download."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from ganforge.data.base import ImageSource
from ganforge.data.digits import make_digits
from ganforge.data.shapes import SHAPES, make_shapes
from ganforge.errors import UserError

BUILTIN_PREFIX = "builtin:"
DIGIT_CLASSES = [str(d) for d in range(10)]


class BuiltinSource(ImageSource):
    """Images from an in-memory array `pixels` [N,H,W] (mode "L") or [N,H,W,3] ("RGB") uint8."""

    kind = "builtin"

    def __init__(
        self,
        spec: str,
        pixels: np.ndarray,
        params: dict,
        labels: list[int],
        class_names: list[str],
        attributes=None,
        captions=None,
    ) -> None:
        self.spec = spec
        self.pixels = pixels
        self.params = params
        self.labels = labels
        self.class_names = class_names
        self.attributes = attributes
        self.captions = captions

    def __len__(self) -> int:
        return len(self.pixels)

    def name(self, i: int) -> str:
        return f"{self.spec}[{i}]"

    def image(self, i: int) -> Image.Image:
        # fromarray on the read-only cache: PIL copies before any in-place edit.
        return Image.fromarray(self.pixels[i], mode="L" if self.pixels.ndim == 3 else "RGB")

    def read_bytes(self, i: int) -> bytes:
        return self.pixels[i].tobytes()

    def _fingerprint_items(self) -> dict:
        return {"spec": self.spec, "params": self.params}


def _digits(spec: str) -> BuiltinSource:
    data = make_digits()
    return BuiltinSource(spec, data.pixels, data.params, data.labels, DIGIT_CLASSES)


def _shapes(size: int) -> Callable[[str], BuiltinSource]:
    def build(spec: str) -> BuiltinSource:
        data = make_shapes(size=size)
        return BuiltinSource(
            spec,
            data.pixels,
            data.params,
            data.labels,
            list(SHAPES),
            data.attributes,
            data.captions,
        )

    return build


BUILTINS: dict[str, Callable[[str], BuiltinSource]] = {
    "digits": _digits,
    "shapes": _shapes(32),
    "shapes64": _shapes(64),
}


# The shipped evaluator (src/ganforge/assets/evaluators) trained on each built-in source's
# classes, and the image size it reads: what evaluates those images by default.
SHIPPED_EVALUATORS: dict[str, str] = {"digits": "digits", "shapes": "shapes", "shapes64": "shapes"}
SHIPPED_EVALUATOR_RESOLUTION = 32


def shipped_evaluator(spec: str, resolution: int | None = None) -> str | None:
    """The shipped evaluator of a built-in source (at `resolution`, when given: only its own size)."""
    name = SHIPPED_EVALUATORS.get(spec.removeprefix(BUILTIN_PREFIX)) if is_builtin(spec) else None
    if resolution is not None and resolution != SHIPPED_EVALUATOR_RESOLUTION:
        return None
    return name


def is_builtin(spec: str) -> bool:
    return spec.startswith(BUILTIN_PREFIX)


def open_builtin(spec: str, labels: bool = False) -> BuiltinSource:
    """`builtin:NAME` -> its source; labels are always present (`labels` is accepted for symmetry)."""
    name = spec[len(BUILTIN_PREFIX) :]
    if name not in BUILTINS:
        raise UserError(
            f"{spec}: unknown built-in data set; allowed: "
            + ", ".join(BUILTIN_PREFIX + n for n in sorted(BUILTINS))
        )
    return BUILTINS[name](spec)
