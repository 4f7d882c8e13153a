"""NICE-GAN (Chen et al., CVPR 2020): unpaired translation whose discriminators are the encoders.

D_A judges domain A and its encoder E_A codes A images; G_AB is a decoder only: A -> B is
G_AB(E_A(a)), judged by D_B (and B -> A alike). Training is decoupled: the encoders learn in
the D phase alone (as part of their discriminators) and are frozen in the G phase, where only
the decoders learn.

D phase: least-squares terms of each D's local, middle and global classifiers and its CAM
logits (`nicegan.cam_weight`) on real images against the fakes decoded from the real codes.
G phase: the same adversarial terms for the fakes, cycle terms lambda * |G_BA(E_B(G_AB(E_A(a)))) - a|
(`translation.cycle_weight`, 10) and the identity terms of NICE-GAN, each decoder rebuilding
its own domain from the code: `nicegan.recon_weight` (10) * |G_BA(E_A(a)) - a| (and for B).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.models.nicegan import EncodeDecode, NiceDecoder, NiceDiscriminator
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

# direction -> (the source domain's discriminator, whose encoder codes the input; the decoder)
ROUTES = {"AtoB": ("D_A", "G_AB"), "BtoA": ("D_B", "G_BA")}


@register_objective
class NiceGANObjective(TranslationObjective):
    name = "nicegan"
    sampled = "G_AB"
    default_gan_loss = "lsgan"
    needs_pairs = False
    directions = ("AtoB", "BtoA")

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        a, b = cls.channels(config)
        net, res, train, blocks = config.translator, config.data.resolution, config.train, config.nicegan.blocks
        code = 2 * net.d_width  # the encoder's output channels
        return [
            NetworkDecl.generator("G_AB", NiceDecoder(code, b, net.g_width, blocks), train),
            NetworkDecl.generator("G_BA", NiceDecoder(code, a, net.g_width, blocks), train),
            NetworkDecl.discriminator("D_A", NiceDiscriminator(a, net.d_width, res), train),
            NetworkDecl.discriminator("D_B", NiceDiscriminator(b, net.d_width, res), train),
        ]

    @classmethod
    def translation_network(cls, networks: dict[str, nn.Module], direction: str) -> nn.Module:
        source, decoder = ROUTES[direction]
        return EncodeDecode(networks[source].encoder, networks[decoder])

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.cycle_weight = config.translation.cycle_weight
        self.recon_weight, self.cam_weight = config.nicegan.recon_weight, config.nicegan.cam_weight
        self._kept: Batch | None = None

    def phases(self) -> list[Phase]:
        return [
            Phase("D", trains=("D_A", "D_B"), run=self.d_step, frozen=("G_AB", "G_BA")),
            Phase("G", trains=("G_AB", "G_BA"), run=self.g_step, frozen=("D_A", "D_B"), needs_batch=False),
        ]

    def _judged(self, logits: list[Tensor], cam: Tensor, real: bool) -> Tensor:
        """Sum of the patch classifiers' terms and the weighted CAM term."""
        return sum(self.adversarial(x, real) for x in logits) + self.cam_weight * self.adversarial(cam, real)

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        n = self.networks
        real_a, real_b = batch["a"], batch["b"]
        logits_a, cam_a, code_a = n["D_A"](real_a)
        logits_b, cam_b, code_b = n["D_B"](real_b)
        with torch.no_grad():
            fake_b, fake_a = n["G_AB"](code_a.detach()), n["G_BA"](code_b.detach())
        fake_logits_a, fake_cam_a, _ = n["D_A"](fake_a)
        fake_logits_b, fake_cam_b, _ = n["D_B"](fake_b)
        d_a = self._judged(logits_a, cam_a, True) + self._judged(fake_logits_a, fake_cam_a, False)
        d_b = self._judged(logits_b, cam_b, True) + self._judged(fake_logits_b, fake_cam_b, False)
        self._kept = {"a": real_a, "b": real_b}
        loss = d_a + d_b
        return loss, {"d_loss": loss.detach(), "d_a": d_a.detach(), "d_b": d_b.detach()}

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        n = self.networks
        kept, self._kept = self._kept, None
        real_a, real_b = kept["a"], kept["b"]
        with torch.no_grad():  # the encoders are frozen here: the codes of the reals need no graph
            code_a, code_b = n["D_A"](real_a)[2], n["D_B"](real_b)[2]
        fake_b, fake_a = n["G_AB"](code_a), n["G_BA"](code_b)
        logits_b, cam_b, code_fake_b = n["D_B"](fake_b)  # judged and coded in one pass, as the paper
        logits_a, cam_a, code_fake_a = n["D_A"](fake_a)
        gan_ab, gan_ba = self._judged(logits_b, cam_b, True), self._judged(logits_a, cam_a, True)
        cycle_a = F.l1_loss(n["G_BA"](code_fake_b), real_a)
        cycle_b = F.l1_loss(n["G_AB"](code_fake_a), real_b)
        loss = gan_ab + gan_ba + self.cycle_weight * (cycle_a + cycle_b)
        logs = {"g_gan_ab": gan_ab.detach(), "g_gan_ba": gan_ba.detach(), "cycle_a": cycle_a.detach(), "cycle_b": cycle_b.detach()}
        if self.recon_weight > 0:
            recon_a, recon_b = F.l1_loss(n["G_BA"](code_a), real_a), F.l1_loss(n["G_AB"](code_b), real_b)
            loss = loss + self.recon_weight * (recon_a + recon_b)
            logs.update(identity_a=recon_a.detach(), identity_b=recon_b.detach())
        logs["g_loss"] = loss.detach()
        return loss, logs

    def drop_kept(self) -> None:
        self._kept = None
