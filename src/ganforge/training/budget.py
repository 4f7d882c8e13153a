"""Will the networks fit? Built on the meta device (no memory), their size is checked before training."""

from __future__ import annotations

import warnings

import torch

from ganforge.config import Config
from ganforge.memory import check_fits

# Bytes per parameter while training with Adam: weights, gradients and two moments (fp32),
# plus one more copy for each network that keeps an EMA.
BYTES_PER_PARAMETER = 4 * 4
EMA_BYTES_PER_PARAMETER = 4


def training_bytes(config: Config) -> int | None:
    """Memory the parameters, gradients, Adam moments and EMAs need (activations not counted).

    None when it cannot be known before the data is read (`data.resolution=auto`).
    """
    from ganforge.training.objectives import OBJECTIVES, DataInfo

    resolution, channels = config.data.resolution, config.data.channels
    if "auto" in (resolution, channels):
        return None
    objective = OBJECTIVES[config.task]
    classes = ["class"] if objective.data_needs_labels() else None  # one class: the size barely depends on it
    # Pretrained weights a network loads (a text encoder) land on meta tensors as no-ops, with
    # a warning per tensor: only the sizes are wanted here.
    with torch.device("meta"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*meta parameter.*")
        declared = objective.declare(config, DataInfo(resolution, channels, classes, [1] if classes else None))
    total = 0
    for decl in declared:
        count = sum(p.numel() for p in decl.module.parameters())
        total += count * (BYTES_PER_PARAMETER + (EMA_BYTES_PER_PARAMETER if decl.ema else 0))
    return total


def check_models_fit(config: Config) -> None:
    needed = training_bytes(config)
    if needed is None:
        return
    from ganforge.training.objectives import OBJECTIVES

    device = "cuda" if config.train.device == "cuda" else "cpu"
    what = " ".join(f"{key}={_value(config, key)}" for key in OBJECTIVES[config.task].size_keys)
    check_fits(what or "the networks", needed, device)


def _value(config: Config, dotted: str):
    value = config
    for part in dotted.split("."):
        value = getattr(value, part)
    return value
