"""GAN-CLS (Reed et al. 2016): the matching-aware discriminator with conditioning augmentation.

D: -log D(x, e) - ½·[log(1 - D(x, e_wrong)) + log(1 - D(G(z, e), e))] (the ½ is
`text.mismatch_weight`), on logits. G: -log D(G(z, e), e) + `text.kl_weight`·KL(N(mu, sigma)
‖ N(0, I)) of the conditioning augmentation (StackGAN; weight 2 as TRAINING.md). Wrong
captions are the batch's captions rolled by one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganforge.models.gancls import GANCLSDiscriminator, GANCLSGenerator
from ganforge.training.objectives.base import Batch, DataInfo, Phase, register_objective
from ganforge.training.objectives.text import TextObjective


@register_objective
class GANCLSObjective(TextObjective):
    name = "text-gancls"
    model_name = "gancls"

    @classmethod
    def build_networks(cls, config, data: DataInfo, text_dim: int):
        model = config.model
        return (
            GANCLSGenerator(model.z_dim, model.g.width, data.resolution, data.channels, text_dim, config.text.condition_dim),
            GANCLSDiscriminator(model.d.width, data.resolution, data.channels, text_dim),
        )

    def __init__(self, config, networks, device, data):
        super().__init__(config, networks, device, data)
        self._kept: tuple[Tensor, Tensor, Tensor] | None = None
        trains = ("D", "G") if self.encoder.trainable else ("D",)
        self._phases = [
            Phase("D", trains=trains, run=self.d_step, repeats=config.train.n_dis),
            Phase("G", trains=("G",), run=self.g_step, frozen=("D",), needs_batch=False),
        ]

    def phases(self) -> list[Phase]:
        return self._phases

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        weight = self.config.text.mismatch_weight
        real = batch["image"]
        e = self.embed(batch["caption"], train_encoder=self.encoder.trainable)
        e_fixed = e.detach()
        z = torch.randn(len(real), self.z_dim, device=self.device)
        if last:
            fake = self.generator(z, e_fixed)
            self._kept = (fake, e_fixed, self.generator.kl)
            fake = fake.detach()
        else:
            with torch.no_grad():
                fake = self.generator(z, e_fixed)
        features = self.discriminator.features(real)
        real_logits = self.discriminator.logits(features, e)
        wrong_logits = self.discriminator.logits(features, e.roll(1, dims=0))
        fake_logits = self.discriminator(fake, e)
        loss = (F.softplus(-real_logits).mean() + weight * F.softplus(wrong_logits).mean()
                + (1 - weight) * F.softplus(fake_logits).mean())
        logs = {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(),
                "d_fake": fake_logits.detach().mean(), "d_wrong": wrong_logits.detach().mean()}
        return loss, logs

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept, self._kept = self._kept, None
        if kept is None:
            raise RuntimeError("the G phase runs after a D phase")
        fake, e, kl = kept
        adversarial = F.softplus(-self.discriminator(fake, e)).mean()
        loss = adversarial + self.config.text.kl_weight * kl
        return loss, {"g_loss": adversarial.detach(), "kl": kl.detach()}

    def drop_kept(self) -> None:
        self._kept = None
