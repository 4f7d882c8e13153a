"""pix2pix (Isola et al. 2017): a conditional GAN on concat(input, output) plus lambda * L1.

Per iteration: G translates the batch once; D learns real pairs (input, target) from fake
pairs (input, G(input)) with its loss halved (as the paper, to slow D against G); then G
minimises the adversarial term on the same fakes plus `translation.l1_weight` (100) x L1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.models.translators import build_patch_discriminator, build_translator
from ganforge.training.objectives.base import (
    Batch,
    DataInfo,
    NetworkDecl,
    Phase,
    register_objective,
)
from ganforge.training.objectives.translation import TranslationObjective

if TYPE_CHECKING:
    from ganforge.config import Config


@register_objective
class Pix2PixObjective(TranslationObjective):
    name = "pix2pix"

    @classmethod
    def generator_channels(cls, config: Config) -> tuple[int, int]:
        """(channels G reads, channels G writes); colorize adds its hint channels."""
        return cls.channels(config)

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        g_in, g_out = cls.generator_channels(config)
        condition = cls.channels(config)[0]
        train = config.train
        return [
            NetworkDecl.generator("G", build_translator(config.translator, g_in, g_out, config.data.resolution), train),
            NetworkDecl.discriminator("D", build_patch_discriminator(config.translator, condition + g_out), train),
        ]

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.generator, self.discriminator = networks["G"], networks["D"]
        self.l1_weight = config.translation.l1_weight
        self._kept: tuple[Tensor, Tensor, Tensor] | None = None  # condition, fake (with graph), target

    def phases(self) -> list[Phase]:
        return [
            Phase("D", trains=("D",), run=self.d_step),
            Phase("G", trains=("G",), run=self.g_step, frozen=("D",), needs_batch=False),
        ]

    def generator_input(self, batch: Batch) -> Tensor:
        return batch["a"]

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        condition, target = batch["a"], batch["b"]
        fake = self.generator(self.generator_input(batch))
        self._kept = (condition, fake, target)
        real_logits = self.discriminator(torch.cat([condition, target], 1))
        fake_logits = self.discriminator(torch.cat([condition, fake.detach()], 1))
        loss = 0.5 * (self.adversarial(real_logits, True) + self.adversarial(fake_logits, False))
        return loss, {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()}

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept, self._kept = self._kept, None
        condition, fake, target = kept
        adversarial = self.adversarial(self.discriminator(torch.cat([condition, fake], 1)), True)
        l1 = F.l1_loss(fake, target)
        loss = adversarial + self.l1_weight * l1
        return loss, {"g_loss": loss.detach(), "g_gan": adversarial.detach(), "g_l1": l1.detach()}

    def drop_kept(self) -> None:
        self._kept = None
