"""Frozen feature networks the relevance filter scores with (`--features`), by name.

A backbone turns uint8 RGB images into an embedding (what the classifier reads) and a
saliency map (what the subject-size estimate reads). Another network joins with one
factory under `@register_backbone("name")`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor

from ganforge.errors import UserError


@dataclass(frozen=True)
class Described:
    embedding: Tensor  # [N,d] float32
    saliency: Tensor  # [N,h,w] float32, larger where the frame holds more structure


class Backbone:
    """A frozen network: `describe(images)` for uint8 RGB [N,3,H,W]; `protocol()` for caches and results."""

    name = "base"

    def describe(self, images: Tensor) -> Described:  # pragma: no cover - interface
        raise NotImplementedError

    def protocol(self) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


BACKBONES: dict[str, Callable[..., Backbone]] = {}


def register_backbone(name: str) -> Callable:
    def add(factory: Callable[..., Backbone]) -> Callable[..., Backbone]:
        if name in BACKBONES:
            raise ValueError(f"backbone {name!r} is already registered")
        BACKBONES[name] = factory
        return factory

    return add


def build_backbone(name: str, weights: str | os.PathLike | None = None, device: str = "cpu") -> Backbone:
    if name not in BACKBONES:
        raise UserError(f"--features {name}: unknown; allowed: {', '.join(sorted(BACKBONES))}")
    return BACKBONES[name](weights=weights, device=device)


from ganforge.curation import efficientnet, inception  # noqa: E402,F401  (registration)
