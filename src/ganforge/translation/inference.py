"""Translate images with a trained pix2pix, colorize or cyclegan run (`ganforge translate`).

    translator = load_translator("runs/pix2pix-shapes")          # or direction="BtoA" (cyclegan)
    out = translator(images_uint8)                                # [N,C,H,W] uint8, any H and W
    translate("runs/colorize-shapes", "gray.png", "out.png", hints="hints.png")

Inputs of any size are padded (edge pixels repeated) to the multiple the network needs and
the output is cropped back; colour or grayscale inputs are converted to what the run expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.data.training import from_model_range, to_model_range
from ganforge.errors import UserError
from ganforge.runs import config_from_state, load_checkpoint, resolve_checkpoint
from ganforge.translation.hints import encode

TRANSLATION_TASKS = ("pix2pix", "colorize", "cyclegan")
# (task, direction) -> network; pix2pix and colorize translate the direction they were trained in.
NETWORKS = {("cyclegan", "AtoB"): "G_AB", ("cyclegan", "BtoA"): "G_BA"}


@dataclass
class Translator:
    """A trained translation network with what its inputs must be."""

    network: nn.Module
    task: str
    direction: str
    in_channels: int  # channels of the image to translate (gray 1 for colorize)
    out_channels: int
    hinted: bool  # colorize: the network also reads hint colours and a mask
    config: object

    @property
    def multiple(self) -> int:
        return int(getattr(self.network, "multiple", 1))

    @torch.no_grad()
    def __call__(self, images: Tensor, hints: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        """uint8 [N,in,H,W] (and for colorize hints [N,3,H,W] in [-1, 1] with mask [N,1,H,W]) -> uint8 [N,out,H,W]."""
        x = to_model_range(images)
        if self.hinted:
            if hints is None:
                hints, mask = torch.zeros((len(x), 3, *x.shape[-2:])), torch.zeros((len(x), 1, *x.shape[-2:]))
            x = encode(x, hints, mask)
        return from_model_range(self.forward_padded(x))

    def forward_padded(self, x: Tensor) -> Tensor:
        height, width = x.shape[-2:]
        m = self.multiple
        pad_h, pad_w = -height % m, -width % m
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        device = next(self.network.parameters(), torch.empty(0)).device
        return self.network(x.to(device)).float().cpu()[..., :height, :width]


def network_name(task: str, direction: str, trained: str) -> str:
    if (task, direction) in NETWORKS:
        return NETWORKS[(task, direction)]
    if direction != trained:
        raise UserError(f"--direction {direction}: this {task} run translates {trained} only (its translation.direction)")
    return "G"


def load_translator(run: str | Path, direction: str | None = None, ema: bool = True, device: str = "cpu") -> Translator:
    """The translation network of a run directory or checkpoint, in eval mode."""
    from ganforge.metrics.protocol import resolve_device
    from ganforge.training.objectives import OBJECTIVES, DataInfo

    device = resolve_device(device)
    path = resolve_checkpoint(run)
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    if config.task not in TRANSLATION_TASKS:
        raise UserError(f"{path}: a {config.task} run; translate needs a {', '.join(TRANSLATION_TASKS)} run")
    trained = config.translation.direction
    direction = direction or ("AtoB" if config.task == "cyclegan" else trained)
    if direction not in ("AtoB", "BtoA"):
        raise UserError(f"--direction {direction}: expected AtoB or BtoA")
    name = network_name(config.task, direction, trained)
    objective = OBJECTIVES[config.task]
    declared = {d.name: d.module for d in objective.declare(config, DataInfo(config.data.resolution, config.data.channels))}
    network = declared[name]
    weights = state["ema"][name] if ema and name in state["ema"] else state["networks"][name]
    try:
        network.load_state_dict(weights)
    except RuntimeError:
        raise UserError(f"{path}: its weights do not match its own config (an inconsistent checkpoint)") from None
    a, b = objective.channels(config)
    if config.task == "cyclegan" and direction == "BtoA":
        a, b = b, a
    return Translator(network.to(device).eval(), config.task, direction, a, b, objective.takes_hints, config)
