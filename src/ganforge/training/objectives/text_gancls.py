"""GAN-CLS (Reed et al. 2016): the matching-aware discriminator with conditioning augmentation.

D: -log D(x, e) - ½·[log(1 - D(x, e_wrong)) + log(1 - D(G(z, e), e))] (the ½ is
`text.mismatch_weight`), on logits. G: -log D(G(z, e), e) + `text.kl_weight`·KL(N(mu, sigma)
‖ N(0, I)) of the conditioning augmentation (StackGAN; weight 2 as TRAINING.md). Wrong
captions are the batch's captions rolled by one.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ganforge.models.gancls import GANCLSDiscriminator, GANCLSGenerator
from ganforge.training.objectives.base import Batch, DataInfo, register_objective
from ganforge.training.objectives.text import TextObjective


@register_objective
class GANCLSObjective(TextObjective):
    name = "text-gancls"

    @classmethod
    def build_networks(cls, config, data: DataInfo, text_dim: int):
        model = config.model
        return (
            GANCLSGenerator(model.z_dim, model.g.width, data.resolution, data.channels, text_dim, config.text.condition_dim),
            GANCLSDiscriminator(model.d.width, data.resolution, data.channels, text_dim),
        )

    def keep_for_g(self, fake: Tensor, e: Tensor, z: Tensor) -> tuple:
        return fake, e, self.generator.kl  # the KL of the forward that made these fakes

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        weight = self.config.text.mismatch_weight
        real = batch["image"]
        e = self.embed(batch["caption"], train_encoder=self.encoder.trainable)
        real_logits, wrong_logits, fake_logits = self.pair_logits(real, e, last, batch["caption"])
        loss = (F.softplus(-real_logits).mean() + weight * F.softplus(wrong_logits).mean()
                + (1 - weight) * F.softplus(fake_logits).mean())
        logs = {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(),
                "d_fake": fake_logits.detach().mean(), "d_wrong": wrong_logits.detach().mean()}
        match_loss, match_logs = self.matcher_d_loss(real, e, batch["caption"])
        logs.update(match_logs)
        return loss + match_loss, logs

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        fake, e, kl = self.take_kept()
        adversarial = F.softplus(-self.discriminator(fake, e)).mean()
        match_loss, match_logs = self.matcher_g_loss(fake, e)
        loss = adversarial + self.config.text.kl_weight * kl + match_loss
        return loss, {"g_loss": adversarial.detach(), "kl": kl.detach(), **match_logs}
