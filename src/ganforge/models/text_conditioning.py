"""Sentence embeddings standardised over the run's captions before they condition G and D.

A pretrained sentence encoder puts all captions of one data set close together: on the shapes
captions MiniLM's cosines are 0.92–0.99 between captions that differ in one word, and most of
each vector is a direction every caption shares. Fed as they are, the words barely move G or
D. `TextStandardizer` subtracts the captions' mean embedding and divides each dimension by its
spread, so what tells captions apart has unit scale. Its statistics are buffers: they are
saved with the networks and applied again to typed prompts at sampling time.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

# Share of the mean per-dimension variance added to every dimension's: dimensions on which the
# training captions hardly differ are not blown up into noise for prompts they never saw.
VARIANCE_FLOOR = 0.1


class TextStandardizer(nn.Module):
    """e [N, dim] -> (e - shift) * scale; before `fit` it scales by sqrt(dim) (unit-norm e ->
    entries of unit scale), which is what a trainable encoder keeps."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("shift", torch.zeros(dim))
        self.register_buffer("scale", torch.full((dim,), math.sqrt(dim)))

    @torch.no_grad()
    def fit(self, table: Tensor) -> None:
        """Statistics of the run's caption embeddings [captions, dim] (float64, then stored)."""
        table = table.detach().to(torch.float64)
        variance = table.var(dim=0, unbiased=False)
        scale = (variance + VARIANCE_FLOOR * variance.mean()).clamp_min(1e-12).rsqrt()
        self.shift.copy_(table.mean(dim=0).to(self.shift.dtype))
        self.scale.copy_(scale.to(self.scale.dtype))

    def forward(self, e: Tensor) -> Tensor:
        return (e - self.shift.to(e.dtype)) * self.scale.to(e.dtype)


def fit_text_standardizers(network: nn.Module, table: Tensor) -> None:
    """Fit every standardiser inside `network` (wrappers such as DDP included)."""
    for module in network.modules():
        if isinstance(module, TextStandardizer):
            module.fit(table)
