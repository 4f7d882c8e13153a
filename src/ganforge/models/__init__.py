"""Model registry: `MODELS[name]` gives a `ModelSpec` that builds G and D.

Adding an architecture = one file here that calls `register_model` + one import line below.
Contract: G(z: [N, z_dim] float) -> [N, C, H, W] in [-1, 1], with attribute `z_dim`;
D(x: [N, C, H, W]) -> [N] raw logits (no sigmoid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import nn

if TYPE_CHECKING:
    from ganforge.config import ModelConfig


@dataclass(frozen=True)
class ModelSpec:
    name: str
    build_generator: Callable[[ModelConfig, int, int], nn.Module]  # (cfg, resolution, channels)
    build_discriminator: Callable[[ModelConfig, int, int], nn.Module]
    default_loss: str
    resolutions: tuple[int, ...] | None = None  # None: any resolution

    def check_resolution(self, resolution: int) -> None:
        """Raise ValueError (worded for the config layer) if this model cannot build `resolution`."""
        if self.resolutions is not None and resolution not in self.resolutions:
            allowed = ", ".join(str(r) for r in self.resolutions)
            raise ValueError(
                f"data.resolution: {resolution} is not supported by model {self.name!r}; allowed: {allowed}"
            )


MODELS: dict[str, ModelSpec] = {}


def register_model(spec: ModelSpec) -> ModelSpec:
    MODELS[spec.name] = spec
    return spec


def build_models(cfg: ModelConfig, resolution: int, channels: int) -> tuple[nn.Module, nn.Module]:
    spec = MODELS[cfg.name]
    return spec.build_generator(cfg, resolution, channels), spec.build_discriminator(cfg, resolution, channels)


from ganforge.models import dcgan, mlp, resnet  # noqa: E402,F401  (registration)
