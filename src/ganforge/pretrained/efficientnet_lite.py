"""EfficientNet-Lite0 (Tan & Le 2019, the "lite" variant: ReLU6, no squeeze-excitation, fixed
stem and head) built with timm's `tf_efficientnet_lite0` (TensorFlow "same" padding) and loaded
with the reference state dict of `efficientnet-lite-pytorch`, whose keys map one to one.

Inputs: [N, 3, H, W] float in [-1, 1] (the TensorFlow models' (x - 127.5) / 127.5 scaling).
"""

from __future__ import annotations

import os
import re

import torch
from torch import nn

from ganforge.pretrained.efficientnet_weights import load_efficientnet_state

STAGE_REPEATS = (1, 2, 2, 3, 3, 4, 1)  # blocks per stage (efficientnet_lite_builder.py)
# Per block kind: the reference's layer names -> timm's.
_FIRST_STAGE = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
_INVERTED_RESIDUAL = {"_expand_conv": "conv_pw", "_bn0": "bn1", "_depthwise_conv": "conv_dw", "_bn1": "bn2",
                      "_project_conv": "conv_pwl", "_bn2": "bn3"}  # fmt: skip
_TOP = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
_BLOCK_KEY = re.compile(r"_blocks\.(\d+)\.(\w+)\.(\w+)$")
# Where the reference's flat block index lands in timm's [stage][index] nesting.
_BLOCK_PLACES = [(stage, index) for stage, repeats in enumerate(STAGE_REPEATS) for index in range(repeats)]
# The four feature scales a projected discriminator reads (Sauer et al. 2021, projector.py):
# strides 4, 8, 16, 32 with 24, 40, 112 and 320 channels.
FEATURE_CHANNELS = (24, 40, 112, 320)


def timm_key(reference_key: str) -> str:
    """The timm name of one reference key (`_blocks.3._expand_conv.weight` -> `blocks.2.0.conv_pw.weight`)."""
    block = _BLOCK_KEY.match(reference_key)
    if block is None:
        layer, tensor = reference_key.split(".")
        return f"{_TOP[layer]}.{tensor}"
    stage, index = _BLOCK_PLACES[int(block[1])]
    layers = _FIRST_STAGE if stage == 0 else _INVERTED_RESIDUAL
    return f"blocks.{stage}.{index}.{layers[block[2]]}.{block[3]}"


def efficientnet_lite0(weights: str | os.PathLike | None = None) -> nn.Module:
    """The ImageNet classifier in eval mode, frozen: [N,3,H,W] in [-1, 1] -> logits [N, 1000]."""
    import timm  # here: importing timm costs a second or more of every `train` start that needs no EfficientNet

    network = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    state = {timm_key(key): value for key, value in load_efficientnet_state(weights).items()}
    network.load_state_dict(state, strict=True)  # every key present, none left over
    return network.eval().requires_grad_(False)


def feature_stages(network: nn.Module) -> nn.ModuleList:
    """The four stages whose outputs are the features: strides 4, 8, 16, 32 (FEATURE_CHANNELS)."""
    blocks = network.blocks
    return nn.ModuleList([
        nn.Sequential(network.conv_stem, network.bn1, *blocks[0:2]),
        nn.Sequential(*blocks[2:3]),
        nn.Sequential(*blocks[3:5]),
        nn.Sequential(*blocks[5:7]),
    ])  # fmt: skip


def stage_features(stages: nn.ModuleList, images: torch.Tensor) -> list[torch.Tensor]:
    """The four stages' outputs for images [N,3,H,W] in [-1, 1]."""
    features = []
    for stage in stages:
        images = stage(images)
        features.append(images)
    return features
