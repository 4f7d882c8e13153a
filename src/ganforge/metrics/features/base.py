"""The interface every feature extractor implements."""

from __future__ import annotations

from torch import Tensor, nn


class FeatureExtractor(nn.Module):
    """Turns uint8 RGB images [N,3,H,W] into named float32 feature tensors.

    Subclasses set `name` and `layers` (the first is the default layer, e.g. "pool3"),
    do their own resizing/normalisation inside `forward`, and describe themselves in
    `protocol()` so results and caches record exactly what produced them.
    """

    name: str = "base"
    layers: tuple[str, ...] = ()

    def forward(self, images: Tensor) -> dict[str, Tensor]:  # pragma: no cover - interface
        raise NotImplementedError

    def protocol(self) -> dict:
        """JSON-able description: extractor name, weights SHA-256, preprocessing, layers."""
        raise NotImplementedError

    def unavailable(self, layer: str) -> str | None:
        """Why `layer` is missing when a metric asks for it (one line), or None for the usual message."""
        return None

    @property
    def is_imagenet(self) -> bool:
        """Whether Inception Score is meaningful for this extractor (ImageNet classes)."""
        return False
