"""DF-GAN (Tao et al. 2022): hinge loss over real, fake and mismatched pairs, and the
matching-aware gradient penalty (MA-GP) on real images with their own captions.

D: relu(1 - D(x, e)) + ½·relu(1 + D(G(z, e), e)) + ½·relu(1 + D(x, e_wrong)) (the
mismatch weight is `text.mismatch_weight`), plus k·E[‖∇_(x,e) D(x, e)‖^p] (k, p =
`text.ma_gp_weight`, `text.ma_gp_power`; 2 and 6 in the paper; every `text.ma_gp_every`
D steps). G: -D(G(z, e), e), plus with `text.mode_seeking` = λ > 0 the MSGAN term
λ / (ratio + ε), ratio = mean |G(z, e) - G(z2, e)| / mean |z - z2| (Mao et al. 2019), and
with `text.diversity_weight` > 0 the bounded diversity term of `diversity.py` (the fakes then
come in pairs sharing a caption). With `text.pack: 2` D reads two images of one caption
stacked along the channels (PacGAN per caption, `caption_partners.py`): real packs pair each
real image with another of its caption, fake packs the two fakes of a caption, so D sees
whether G draws one picture per prompt.
Wrong captions are the batch's captions rolled by one. Adam β = (0, 0.9), lr G 1e-4, D 4e-4
as in the paper come from the presets.
"""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F
from torch import Tensor

from ganforge.models.dfgan import build_discriminator, build_generator
from ganforge.training.objectives.base import Batch, DataInfo, register_objective
from ganforge.training.objectives.caption_partners import (
    PartnerField,
    packed_fakes,
    stacked,
)
from ganforge.training.objectives.diversity import DiversityTerm, paired
from ganforge.training.objectives.text import TextObjective


def matching_aware_penalty(logits: Tensor, images: Tensor, e: Tensor, power: float) -> Tensor:
    """E[‖∇_(x,e) D(x, e)‖^power] of D's `logits` on real images with their own captions
    (`images` and `e` must require gradients before the forward that made `logits`)."""
    grad_x, grad_e = torch.autograd.grad(logits.sum(), (images, e), create_graph=True)
    norms = torch.cat([grad_x.flatten(1), grad_e.flatten(1)], dim=1).norm(dim=1)
    return norms.pow(power).mean()


MODE_SEEKING_EPS = 1e-5
MIN_SHARED_CAPTIONS = 0.5  # text.pack: the share of captions that must have a second image  # MSGAN's epsilon in 1 / (ratio + eps)


def mode_seeking_ratio(generator, fake: Tensor, z: Tensor, e: Tensor) -> Tensor:
    """Mean over the batch of |G(z, e) - G(z2, e)|₁ / |z - z2|₁ (per-element means) for fresh
    latents z2 and the same captions: how far images move per unit of latent (MSGAN, eq. 2)."""
    z2 = torch.randn_like(z)
    other = generator(z2, e)
    image_distance = (fake - other).abs().flatten(1).mean(dim=1)
    latent_distance = (z - z2).abs().mean(dim=1)
    return (image_distance / latent_distance).mean()


@register_objective
class DFGANObjective(TextObjective):
    name = "text-dfgan"

    @classmethod
    def build_networks(cls, config, data: DataInfo, text_dim: int):
        return (
            build_generator(config.model, data.resolution, data.channels, text_dim=text_dim),
            build_discriminator(config.model, data.resolution, data.channels * config.text.pack, text_dim=text_dim),
        )

    def __init__(self, config, networks, device, data):
        super().__init__(config, networks, device, data)
        self.d_steps_done = 0
        self.diversity = DiversityTerm.of(config.text)
        self.packed = config.text.pack > 1

    def batch_fields(self, data) -> dict:
        fields = super().batch_fields(data)
        self.diversity.measure(data.images, [texts[0] for texts in data.captions], self.config.seed)
        if self.packed:
            partners = PartnerField(fields["caption"], data.images, data.crop_size, self.config.seed)
            if partners.shared_share() < MIN_SHARED_CAPTIONS:  # real pairs would be mostly twins
                print(f"ganforge: warning: text.pack: 2 pairs images of one caption, but only "
                      f"{partners.shared_share():.0%} of the captions in {data.source} belong to more than one "
                      "image, so most real pairs are one image twice (text.pack: 1 reads single images)",
                      file=sys.stderr)
            fields["partner"] = partners
        return fields

    def fake_conditions(self, e: Tensor, ids: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """With packed pairs, or the diversity term on (from D step `text.diversity_start`),
        fakes i and i + ceil(N/2) share a caption."""
        pairs = self.diversity.pairs_at(self.d_steps_done)
        if not (pairs or self.packed):
            return e, ids
        return paired(e), (paired(ids) if ids is not None else None)

    def real_input(self, batch: Batch) -> Tensor:
        """What D reads of the real batch: the images, or each beside a partner of its caption."""
        if not self.packed:
            return batch["image"]
        return stacked(batch["image"], batch["partner"])

    def fake_logits(self, fake: Tensor, e: Tensor) -> Tensor:
        """D's logits of the fakes with their captions (of the fake packs with text.pack: 2)."""
        if self.packed:
            fake, e = packed_fakes(fake, e)
        return self.discriminator(fake, e)

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        text = self.config.text
        real = self.real_input(batch)
        e = self.embed(batch["caption"], train_encoder=self.encoder.trainable)
        # Lazy MA-GP (as lazy R1, Karras 2020 §B): every k D steps, its weight scaled by k.
        penalise = text.ma_gp_weight > 0 and self.d_steps_done % text.ma_gp_every == 0
        if penalise:
            real = real.detach().requires_grad_(True)
            if not e.requires_grad:
                e = e.requires_grad_(True)
        real_logits, wrong_logits, fake_logits = self.pair_logits(real, e, last, batch["caption"])
        loss_real = F.relu(1 - real_logits).mean()
        loss_fake = F.relu(1 + fake_logits).mean()
        loss_wrong = F.relu(1 + wrong_logits).mean()
        loss = loss_real + (1 - text.mismatch_weight) * loss_fake + text.mismatch_weight * loss_wrong
        logs = {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(),
                "d_fake": fake_logits.detach().mean(), "d_wrong": wrong_logits.detach().mean()}
        if penalise:
            penalty = matching_aware_penalty(real_logits, real, e, text.ma_gp_power)
            loss = loss + text.ma_gp_weight * text.ma_gp_every * penalty
            logs["ma_gp"] = penalty.detach()
        match_loss, match_logs = self.matcher_d_loss(batch["image"], e, batch["caption"])
        loss = loss + match_loss
        logs.update(match_logs)
        self.d_steps_done += 1
        return loss, logs

    def keep_for_g(self, fake: Tensor, e: Tensor, z: Tensor) -> tuple:
        return fake, e, z  # mode seeking draws a second image per caption beside z

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        fake, e, z = self.take_kept()
        loss = -self.fake_logits(fake, e).mean()
        logs = {"g_loss": loss.detach()}
        weight = self.config.text.mode_seeking
        if weight > 0:
            spread = mode_seeking_ratio(self.generator, fake, z, e)
            loss = loss + weight / (spread + MODE_SEEKING_EPS)
            logs["mode_seeking_ratio"] = spread.detach()
        loss = self.diversity.added(loss, fake, logs)
        match_loss, match_logs = self.matcher_g_loss(fake, e)
        logs.update(match_logs)
        return loss + match_loss, logs

    def state_dict(self) -> dict:
        return {**super().state_dict(), "d_steps_done": self.d_steps_done}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.d_steps_done = int(state["d_steps_done"])
