"""Colourisation with sparse colour hints: pix2pix from grayscale (or line art) plus hints.

G reads concat(gray, hint colours, hint mask) (Zhang et al. 2017): during training each
image gets a random number of hint patches sampled from its target, none for a share
`translation.hint_none_prob` of the images and 1 + Geometric(`hint_geometric_p`) otherwise,
so the network colours plausibly without hints and follows them when given. D judges
concat(gray, colour) as pix2pix; the L1 term ties the colours to the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from ganforge.data.training import from_model_range
from ganforge.training.objectives.base import Batch, DataInfo, register_objective
from ganforge.training.objectives.pix2pix import Pix2PixObjective
from ganforge.training.objectives.translation import as_rgb
from ganforge.translation.hints import (
    HINT_CHANNELS,
    encode,
    max_patch,
    sample_hints,
    training_counts,
)

if TYPE_CHECKING:
    from ganforge.config import Config

GRID_HINTS = (0, 10)  # hints per grid row, alternating: the same image without and with hints
HINT_SEED_OFFSET = 5


@register_objective
class ColorizeObjective(Pix2PixObjective):
    name = "colorize"
    hinted = True

    @classmethod
    def generator_channels(cls, config: Config) -> tuple[int, int]:
        gray, colour = cls.channels(config)
        return gray + HINT_CHANNELS, colour

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.patch = max_patch(config.data.resolution, config.translation.hint_max_patch)
        self.hint_generator = torch.Generator().manual_seed(config.seed + HINT_SEED_OFFSET)

    def generator_input(self, batch: Batch) -> Tensor:
        target = batch["b"]
        t = self.config.translation
        counts = training_counts(len(target), t.hint_none_prob, t.hint_geometric_p, self.hint_generator)
        hints, mask = sample_hints(target.detach().float().cpu(), counts, self.patch, self.hint_generator)
        return encode(batch["a"], hints.to(target), mask.to(target))

    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        fixed = super().fixed_inputs(n, seed)
        rows = len(fixed["a"])
        counts = torch.tensor([GRID_HINTS[i % len(GRID_HINTS)] for i in range(rows)])
        fixed["hints"], fixed["mask"] = sample_hints(fixed["b"], counts, self.patch, torch.Generator().manual_seed(seed))
        return fixed

    def network_input(self, fixed: dict[str, Tensor]) -> Tensor:
        return encode(fixed["a"], fixed["hints"], fixed["mask"])

    @torch.no_grad()
    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        """input with its hints painted in | output | target."""
        images, columns = super().render(networks, fixed)
        marked = as_rgb(from_model_range(fixed["a"]))
        hinted = from_model_range(fixed["hints"])
        marked = torch.where(fixed["mask"].bool(), hinted, marked)
        images = images.view(-1, columns, *images.shape[1:]).clone()
        images[:, 0] = marked
        return images.flatten(0, 1), columns

    def seed_own_draws(self, seed: int) -> None:
        self.hint_generator.manual_seed(seed)  # each process draws hints for its own images

    def state_dict(self) -> dict[str, Any]:
        return {"hint_generator": self.hint_generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.hint_generator.set_state(state["hint_generator"])
