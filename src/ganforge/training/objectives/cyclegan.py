"""CycleGAN (Zhu et al. 2017): unpaired translation with two generators and two discriminators.

G_AB: A -> B and G_BA: B -> A; D_B tells real B from G_AB(A), D_A real A from G_BA(B).
G phase: least-squares adversarial terms (default), cycle terms lambda * |G_BA(G_AB(a)) - a|
and lambda * |G_AB(G_BA(b)) - b| (lambda = 10), identity terms 0.5 * lambda * |G_AB(b) - b|
(and for A). D phase: each D on real images against fakes drawn from a history pool of the last
50 fakes (Shrivastava et al. 2017), its loss halved. The pools are checkpointed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from ganforge.translation.pool import ImagePool

if TYPE_CHECKING:
    from ganforge.config import Config


@register_objective
class CycleGANObjective(TranslationObjective):
    name = "cyclegan"
    sampled = "G_AB"
    default_gan_loss = "lsgan"
    needs_pairs = False
    directions = ("AtoB", "BtoA")

    @classmethod
    def translation_network(cls, networks: dict[str, nn.Module], direction: str) -> nn.Module:
        return networks["G_AB" if direction == "AtoB" else "G_BA"]

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        a, b = cls.channels(config)
        net, res, train = config.translator, config.data.resolution, config.train
        return [
            NetworkDecl.generator("G_AB", build_translator(net, a, b, res), train),
            NetworkDecl.generator("G_BA", build_translator(net, b, a, res), train),
            NetworkDecl.discriminator("D_A", build_patch_discriminator(net, a), train),
            NetworkDecl.discriminator("D_B", build_patch_discriminator(net, b), train),
        ]

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        t = config.translation
        self.cycle_weight, self.identity_weight = t.cycle_weight, t.identity_weight * t.cycle_weight
        self.pools = {"A": ImagePool(t.pool_size), "B": ImagePool(t.pool_size)}
        self._kept: dict[str, Tensor] | None = None

    def phases(self) -> list[Phase]:
        return [
            Phase("G", trains=("G_AB", "G_BA"), run=self.g_step, frozen=("D_A", "D_B")),
            Phase("D", trains=("D_A", "D_B"), run=self.d_step, needs_batch=False),
        ]

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        n = self.networks
        real_a, real_b = batch["a"], batch["b"]
        fake_b, fake_a = n["G_AB"](real_a), n["G_BA"](real_b)
        gan_ab = self.adversarial(n["D_B"](fake_b), True)
        gan_ba = self.adversarial(n["D_A"](fake_a), True)
        cycle_a = F.l1_loss(n["G_BA"](fake_b), real_a)
        cycle_b = F.l1_loss(n["G_AB"](fake_a), real_b)
        loss = gan_ab + gan_ba + self.cycle_weight * (cycle_a + cycle_b)
        logs = {"g_gan_ab": gan_ab.detach(), "g_gan_ba": gan_ba.detach(), "cycle_a": cycle_a.detach(), "cycle_b": cycle_b.detach()}
        if self.identity_weight > 0:
            identity_a = F.l1_loss(n["G_BA"](real_a), real_a)
            identity_b = F.l1_loss(n["G_AB"](real_b), real_b)
            loss = loss + self.identity_weight * (identity_a + identity_b)
            logs.update(identity_a=identity_a.detach(), identity_b=identity_b.detach())
        self._kept = {"real_a": real_a, "real_b": real_b, "fake_a": fake_a.detach(), "fake_b": fake_b.detach()}
        logs["g_loss"] = loss.detach()
        return loss, logs

    def _d_loss(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * (self.adversarial(discriminator(real), True) + self.adversarial(discriminator(fake), False))

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept, self._kept = self._kept, None
        d_a = self._d_loss(self.networks["D_A"], kept["real_a"], self.pools["A"].query(kept["fake_a"]))
        d_b = self._d_loss(self.networks["D_B"], kept["real_b"], self.pools["B"].query(kept["fake_b"]))
        loss = d_a + d_b  # each D's gradient comes from its own term only
        return loss, {"d_loss": loss.detach(), "d_a": d_a.detach(), "d_b": d_b.detach()}

    def drop_kept(self) -> None:
        self._kept = None

    def state_dict(self) -> dict[str, Any]:
        return {"pools": {name: pool.state_dict() for name, pool in self.pools.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, pool in self.pools.items():
            pool.load_state_dict(state["pools"][name])
