"""Will the models fit? Built on the meta device (no memory), their size is checked before training."""

from __future__ import annotations

import torch

from ganforge.config import Config
from ganforge.memory import check_fits
from ganforge.models import build_models

# Bytes per parameter while training with Adam: weights, gradients, two moments (fp32),
# plus the generator's EMA copy (counted for G only).
BYTES_PER_PARAMETER = 4 * 4


def training_bytes(config: Config) -> int:
    """Memory the parameters, gradients, Adam moments and G's EMA need (activations not counted)."""
    with torch.device("meta"):
        generator, discriminator = build_models(config.model, config.data.resolution, config.data.channels)
    g_params = sum(p.numel() for p in generator.parameters())
    d_params = sum(p.numel() for p in discriminator.parameters())
    return (g_params + d_params) * BYTES_PER_PARAMETER + g_params * 4


def check_models_fit(config: Config) -> None:
    device = "cuda" if config.train.device == "cuda" else "cpu"
    model = config.model
    what = f"model.z_dim={model.z_dim} model.g.width={model.g.width} model.d.width={model.d.width}"
    check_fits(what, training_bytes(config), device)
