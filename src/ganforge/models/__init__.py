"""Model registry: `MODELS[name]` gives a `ModelSpec` that builds G and D.

Adding an architecture = one file here that calls `register_model` + one import line below.
Contract: G(z: [N, z_dim] float, c=None) -> [N, C, H, W] in [-1, 1], with attributes `z_dim`
and `num_classes` (0: unconditional); D(x: [N, C, H, W], c=None) -> [N] raw logits (no
sigmoid), or [N, K] for K logits per image (scales or patches), which every loss averages. For class-conditional models `c` is a label tensor [N] int64; text models take an
embedding [N, E].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from torch import nn


class ModelConfig(Protocol):
    """What builders read of the config's `model` section (models never import the config)."""

    name: str
    z_dim: int
    g: Any  # .width
    d: Any  # .width, .batchnorm, .spectral_norm (None: the model's default)


Builder = Callable[[ModelConfig, int, int, int], nn.Module]  # (cfg, resolution, channels, classes)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    build_generator: Builder
    build_discriminator: Builder
    default_loss: str  # applied when the config leaves loss.name unset
    resolutions: tuple[int, ...] | None = None  # None: any resolution
    conditional: bool = False  # accepts class labels
    built_by_task: bool = False  # only the task whose objective names it (`Objective.model_name`) builds it
    needs_condition: bool = False  # built to fuse a condition (text or class) into G; unconditional tasks refuse it
    # D options this model honours, with its own defaults (others are a config error).
    d_options: dict[str, bool] = field(default_factory=dict)
    g_options: dict[str, bool] = field(default_factory=dict)  # the same for `model.g.<name>`
    # D(real, reconstruct=True) -> (logits, self-supervised loss), added to D's loss (FastGAN).
    reconstructs: bool = False

    def check_resolution(self, resolution: int) -> None:
        """Raise ValueError (worded for the config layer) if this model cannot build `resolution`."""
        if self.resolutions is not None and resolution not in self.resolutions:
            allowed = ", ".join(str(r) for r in self.resolutions)
            raise ValueError(
                f"data.resolution: {resolution} is not supported by model {self.name!r}; allowed: {allowed}"
            )

    def d_option(self, cfg: ModelConfig, name: str) -> bool:
        """The value of `model.d.<name>`: as configured, else this model's default."""
        value = getattr(cfg.d, name)
        return self.d_options[name] if value is None else value

    def g_option(self, cfg: ModelConfig, name: str) -> bool:
        """The value of `model.g.<name>`: as configured, else this model's default."""
        value = getattr(cfg.g, name, None)
        return self.g_options[name] if value is None else value


MODELS: dict[str, ModelSpec] = {}


def register_model(spec: ModelSpec) -> ModelSpec:
    if spec.name in MODELS:
        raise ValueError(f"model {spec.name!r} is already registered")
    MODELS[spec.name] = spec
    return spec


def build_models(
    cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0
) -> tuple[nn.Module, nn.Module]:
    spec = MODELS[cfg.name]
    return (
        spec.build_generator(cfg, resolution, channels, num_classes),
        spec.build_discriminator(cfg, resolution, channels, num_classes),
    )


from ganforge.models import dcgan, dfgan, fastgan_discriminator, gancls, mlp, projected, resnet  # noqa: E402,F401  (registration)
