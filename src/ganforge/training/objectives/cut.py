"""CUT and FastCUT (Park et al., ECCV 2020): one-sided unpaired translation with PatchNCE.

One generator G: A -> B (a ResNet translator), one PatchGAN D on B, and F: an MLP head per
compared layer of G's encoder (`cut.nce_layers`). D phase: least squares on real B against
G(a) (halved). G phase: the adversarial term plus `nce_weight` x PatchNCE between G's features
of a and of G(a) at `cut.patches` sampled places per layer (F learns with G). CUT adds the
identity PatchNCE of G(b) against b and averages the two; FastCUT drops it, weighs NCE by 10
and flips the input half of the time, comparing the flipped-back output's features with the
input's (flip-equivariance). `cut.mode` picks those defaults; each key can be set alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from ganforge.models.patchnce import PatchProjector, encoder_features, layer_channels, patch_nce
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
class CUTObjective(TranslationObjective):
    name = "cut"
    sampled = "G"
    default_gan_loss = "lsgan"
    needs_pairs = False

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        a, b = cls.channels(config)
        train = config.train
        generator = build_translator(config.translator, a, b, config.data.resolution)
        channels = [layer_channels(generator.model, a, i) for i in config.cut.nce_layers]
        return [
            NetworkDecl.generator("G", generator, train),
            NetworkDecl.discriminator("D", build_patch_discriminator(config.translator, b), train),
            # F learns in G's phase, at G's rate (as the reference code), and keeps no EMA.
            NetworkDecl("F", PatchProjector(channels, config.cut.projection), train.lr_g, train.betas_g),
        ]

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.nce_weight, self.nce_identity, self.flip = config.cut.resolved()
        self.layers, self.patches, self.temperature = config.cut.nce_layers, config.cut.patches, config.cut.temperature
        self._kept: dict[str, Tensor | bool] | None = None

    def phases(self) -> list[Phase]:
        return [
            Phase("D", trains=("D",), run=self.d_step),
            Phase("G", trains=("G", "F"), run=self.g_step, frozen=("D",), needs_batch=False),
        ]

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        real_a, real_b = batch["a"], batch["b"]
        inputs = torch.cat([real_a, real_b]) if self.nce_identity else real_a
        flipped = self.flip and bool(torch.rand(()) < 0.5)
        if flipped:
            inputs = inputs.flip(3)
        outputs = self.networks["G"](inputs)
        fake = outputs[: len(real_a)]
        self._kept = {"a": real_a, "b": real_b, "fake": fake, "identity": outputs[len(real_a):], "flipped": flipped}
        d = self.networks["D"]
        fake_logits, real_logits = d(fake.detach()), d(real_b)
        loss = 0.5 * (self.adversarial(fake_logits, False) + self.adversarial(real_logits, True))
        return loss, {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()}

    def _nce(self, source: Tensor, output: Tensor, flipped: bool) -> Tensor:
        """PatchNCE of `output` against `source`, averaged over the layers and weighted."""
        g, heads = self.networks["G"], self.networks["F"]
        queries = encoder_features(g, output, self.layers)
        if flipped:  # the output of the flipped input, flipped back to the input's places
            queries = [q.flip(3) for q in queries]
        with torch.no_grad():  # the keys are constants of the loss (detached in the reference code)
            keys, ids = heads(encoder_features(g, source, self.layers), self.patches)
        queries, _ = heads(queries, self.patches, ids)
        total = sum(patch_nce(q, k, len(source), self.temperature) for q, k in zip(queries, keys, strict=True))
        return self.nce_weight * total / len(self.layers)

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept, self._kept = self._kept, None
        gan = self.adversarial(self.networks["D"](kept["fake"]), True)
        nce = self._nce(kept["a"], kept["fake"], kept["flipped"])
        logs = {"g_gan": gan.detach(), "nce": nce.detach()}
        if self.nce_identity:
            identity = self._nce(kept["b"], kept["identity"], kept["flipped"])
            logs["nce_identity"] = identity.detach()
            nce = 0.5 * (nce + identity)
        loss = gan + nce
        logs["g_loss"] = loss.detach()
        return loss, logs

    def drop_kept(self) -> None:
        self._kept = None

