"""Translate images with a trained translation run (`ganforge translate`): pix2pix, colorize,
cyclegan, nicegan or cut.

    translator = load_translator("runs/pix2pix-shapes")          # or direction="BtoA" (cyclegan, nicegan)
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


def translation_objective(task: str):
    """The objective class of a translation task, or None for a task that draws from latents."""
    from ganforge.training.objectives import OBJECTIVES
    from ganforge.training.objectives.translation import TranslationObjective

    objective = OBJECTIVES.get(task)
    return objective if objective is not None and issubclass(objective, TranslationObjective) else None


def translation_tasks() -> list[str]:
    from ganforge.training.objectives import OBJECTIVES

    return sorted(name for name in OBJECTIVES if translation_objective(name) is not None)


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


def check_direction(objective, task: str, direction: str, trained: str) -> None:
    """Two-way tasks translate either way; the others only the direction they were trained in."""
    if direction not in ("AtoB", "BtoA"):
        raise UserError(f"--direction {direction}: expected AtoB or BtoA")
    if direction not in objective.directions and direction != trained:
        raise UserError(f"--direction {direction}: this {task} run translates {trained} only (its translation.direction)")


def load_translator(run: str | Path, direction: str | None = None, ema: bool = True, device: str = "cpu") -> Translator:
    """The translation network of a run directory or checkpoint, in eval mode."""
    from ganforge.training.objectives import DataInfo

    path = resolve_checkpoint(run)
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    objective = translation_objective(config.task)
    if objective is None:
        raise UserError(f"{path}: a {config.task} run; translate needs a {', '.join(translation_tasks())} run")
    trained = config.translation.direction
    direction = direction or ("AtoB" if objective.directions else trained)
    check_direction(objective, config.task, direction, trained)
    declared = {d.name: d.module for d in objective.declare(config, DataInfo(config.data.resolution, config.data.channels))}
    try:
        for name, network in declared.items():
            network.load_state_dict(state["ema"][name] if ema and name in state["ema"] else state["networks"][name])
    except (RuntimeError, KeyError):
        raise UserError(f"{path}: its weights do not match its own config (an inconsistent checkpoint)") from None
    network = objective.translation_network(declared, direction)
    a, b = objective.channels(config)
    if objective.directions and direction == "BtoA":
        a, b = b, a
    return Translator(network.to(device).eval(), config.task, direction, a, b, config.task == "colorize", config)
