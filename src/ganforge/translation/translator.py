"""A trained translation network with what its inputs must be (`ganforge translate`'s core).

Inputs of any size are padded (edge pixels repeated) to the multiple the network needs and
the output is cropped back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.data.training import from_model_range, to_model_range
from ganforge.translation.hints import encode


@dataclass
class Translator:
    """One direction of a translation run: its network and its input and output channels."""

    network: nn.Module
    direction: str
    in_channels: int  # channels of the image to translate (gray 1 for colorize)
    out_channels: int
    hinted: bool  # the network also reads hint colours and a mask
    config: Any

    @property
    def multiple(self) -> int:
        return int(getattr(self.network, "multiple", 1))

    @torch.no_grad()
    def __call__(self, images: Tensor, hints: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        """uint8 [N,in,H,W] (and, hinted, hints [N,3,H,W] in [-1, 1] with mask [N,1,H,W]) -> uint8 [N,out,H,W]."""
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
