"""Model registry: `MODELS[name]` gives a `ModelSpec` that builds G and D.

Adding an architecture = its `ModelChoice` in `ganforge.choices.models` (what a config may say
of it) + one file here that calls `register_model` + one import line below.
Contract: G(z: [N, z_dim] float, c=None) -> [N, C, H, W] in [-1, 1], with attributes `z_dim`
and `num_classes` (0: unconditional); D(x: [N, C, H, W], c=None) -> [N] raw logits (no
sigmoid), or [N, K] for K logits per image (scales or patches), which every loss averages. For class-conditional models `c` is a label tensor [N] int64; text models take an
embedding [N, E].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol

from torch import nn

from ganforge.choices.models import MODEL_CHOICES, ModelChoice


class ModelConfig(Protocol):
    """What builders read of the config's `model` section (models never import the config)."""

    name: str
    z_dim: int
    g: Any  # .width
    d: Any  # .width, .batchnorm, .spectral_norm (None: the model's default)


Builder = Callable[[ModelConfig, int, int, int], nn.Module]  # (cfg, resolution, channels, classes)


@dataclass(frozen=True, kw_only=True)
class ModelSpec(ModelChoice):
    """A model as training builds it: its `ModelChoice` (what a config may say of it) and its builders."""

    build_generator: Builder
    build_discriminator: Builder
    # D(real, reconstruct=True) -> (logits, self-supervised loss), added to D's loss (FastGAN).
    reconstructs: bool = False


MODELS: dict[str, ModelSpec] = {}


def register_model(name: str, build_generator: Builder, build_discriminator: Builder, reconstructs: bool = False) -> ModelSpec:
    """Register the builders of the model `MODEL_CHOICES[name]` declares."""
    if name in MODELS:
        raise ValueError(f"model {name!r} is already registered")
    if name not in MODEL_CHOICES:
        raise ValueError(f"model {name!r}: no ModelChoice of that name in ganforge.choices.models")
    choice = MODEL_CHOICES[name]
    declared = {item.name: getattr(choice, item.name) for item in fields(ModelChoice)}
    MODELS[name] = ModelSpec(**declared, build_generator=build_generator, build_discriminator=build_discriminator,
                             reconstructs=reconstructs)
    return MODELS[name]


def build_models(
    cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0
) -> tuple[nn.Module, nn.Module]:
    spec = MODELS[cfg.name]
    return (
        spec.build_generator(cfg, resolution, channels, num_classes),
        spec.build_discriminator(cfg, resolution, channels, num_classes),
    )


from ganforge.models import dcgan, dfgan, fastgan_discriminator, gancls, mlp, projected, resnet  # noqa: E402,F401  (registration)
