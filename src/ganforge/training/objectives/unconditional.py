"""Unconditional GAN: D tells real images from G(z); G learns to fool D.

Phases per iteration: `train.n_dis` D steps on real batches, then one G step that reuses the
fakes of the last D step (one G forward per iteration, as the DCGAN reference loop).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from ganforge.augment import diff_augment
from ganforge.losses import LOSSES, gradient_penalty, r1_penalty
from ganforge.models import MODELS, build_models
from ganforge.sampling import generate_from_latents, latents
from ganforge.training.objectives.base import (
    Batch,
    DataInfo,
    NetworkDecl,
    Objective,
    Phase,
    register_objective,
)
from ganforge.training.objectives.pixel_mmd import RealSide, mmd2_groups, mmd_features, real_bank

if TYPE_CHECKING:
    from ganforge.config import Config
    from ganforge.data.training import TrainingImages


@register_objective
class UnconditionalObjective(Objective):
    """G(z) against D(x): a D phase (n_dis repeats) and a G phase with D frozen."""

    name = "unconditional"
    batch_keys = ("image",)

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        num_classes = data.num_classes if cls.data_needs_labels() else 0
        generator, discriminator = build_models(config.model, data.resolution, data.channels, num_classes)
        train = config.train
        return [
            NetworkDecl.generator("G", generator, train),
            NetworkDecl.discriminator("D", discriminator, train),
        ]

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        self.generator, self.discriminator = networks["G"], networks["D"]
        self.loss = LOSSES[config.loss.name]
        self.loss_cfg = config.loss
        self.policy = list(config.augment.diffaugment)
        self.z_dim = config.model.z_dim
        self.d_steps_done = 0
        self._kept: tuple[Tensor, Tensor | None] | None = None  # fakes (with graph) and their condition
        self._real_bank: list[RealSide] | None = None  # real images as the MMD term sees them (`batch_fields`)
        self.extra_judges: tuple[str, ...] = ()  # networks trained beside D (a separate classifier)
        self.reconstructs = MODELS[config.model.name].reconstructs

    def batch_fields(self, data: TrainingImages) -> dict:
        if self.loss_cfg.mmd_weight > 0 and len(data.images) > 1:
            bank = real_bank(data.images, self.loss_cfg.mmd_pool, self.config.seed, self.loss_cfg.mmd_extremes)
            self._real_bank = [group.to(self.device) for group in bank]
        return super().batch_fields(data)

    def phases(self) -> list[Phase]:
        """D and any other judge learn in the D phase and are frozen for G."""
        judges = ("D",) + self.extra_judges
        return [
            Phase("D", trains=judges, run=self.d_step, repeats=self.config.train.n_dis),
            Phase("G", trains=("G",), run=self.g_step, frozen=judges, needs_batch=False),
        ]

    # The condition of a batch's fakes; the conditional task overrides these two.
    def condition(self, batch: Batch) -> Tensor | None:
        return None

    def draw_condition(self, n: int) -> Tensor | None:
        return None

    def fake_condition(self, c: Tensor | None) -> Tensor | None:
        """The condition a D step's fakes are drawn for: the real batch's."""
        return c

    def scored(self, images: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """D's logits of (augmented) images, and a class loss where the task has one (else None)."""
        return self.discriminator(self._augment(images), c), None

    def fake_class_loss(self, fake_images: Tensor) -> Tensor | None:
        """A class loss that teaches a judge to spot fakes (None: no such term)."""
        return None

    def mismatched_logits(self, real_images: Tensor, c: Tensor | None) -> Tensor | None:
        """D's logits of real images under a wrong condition (None: no such term)."""
        return None

    def _augment(self, images: Tensor) -> Tensor:
        return diff_augment(images, self.policy) if self.policy else images

    def _latents(self, n: int) -> Tensor:
        return torch.randn(n, self.z_dim, device=self.device)

    def d_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        """D loss on a real batch and as many fakes. On the `last` repeat the fakes keep their
        graph so the G step reuses them."""
        real_images = batch["image"]
        c = self.condition(batch)
        fake_c = self.fake_condition(c)
        z = self._latents(len(real_images))
        if last:
            fake_images = self.generator(z, fake_c)
            self._kept = (fake_images, fake_c)
            fake_images = fake_images.detach()
        else:
            with torch.no_grad():
                fake_images = self.generator(z, fake_c)
        reconstruction_loss = None
        if self.reconstructs:  # D's self-supervised task on the real images it sees (FastGAN)
            real_logits, reconstruction_loss = self.discriminator(self._augment(real_images), c, reconstruct=True)
            class_loss = None
        else:
            real_logits, class_loss = self.scored(real_images, c)
        fake_logits = self.discriminator(self._augment(fake_images), fake_c)
        loss = self.loss.d_loss(real_logits, fake_logits)
        logs = {"d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()}
        if reconstruction_loss is not None:
            loss = loss + reconstruction_loss
            logs["d_reconstruction"] = reconstruction_loss.detach()
        fake_class_loss = self.fake_class_loss(fake_images)
        if fake_class_loss is not None:
            loss = loss + self.loss_cfg.ac_weight * fake_class_loss
            logs["ac_as_fake"] = fake_class_loss.detach()
        wrong_logits = self.mismatched_logits(real_images, c)
        if wrong_logits is not None:  # R(real) + (1 - w) F(fake) + w F(real, wrong condition)
            weight = self.loss_cfg.mismatch_weight
            loss = (1 - weight) * loss + weight * self.loss.d_loss(real_logits, wrong_logits)
            logs["d_wrong"] = wrong_logits.detach().mean()
        logs["d_loss"] = loss.detach()
        if class_loss is not None:  # the class head learns the real labels (not blended above)
            loss = loss + self.loss_cfg.ac_weight * class_loss
            logs["ac_real"] = class_loss.detach()
        if self.loss.needs_gradient_penalty:
            penalty = gradient_penalty(lambda x: self.discriminator(x, c), real_images, fake_images)
            loss = loss + self.loss_cfg.gp_weight * penalty
            logs["gradient_penalty"] = penalty.detach()
        if self.loss_cfg.r1_gamma > 0 and self.d_steps_done % self.loss_cfg.r1_every == 0:
            # Lazy R1 (Karras 2020, §B): every k steps, scaled by k to keep its strength.
            real_for_r1 = real_images.detach().requires_grad_(True)
            penalty = r1_penalty(self.discriminator(self._augment(real_for_r1), c), real_for_r1)
            loss = loss + 0.5 * self.loss_cfg.r1_gamma * self.loss_cfg.r1_every * penalty
            logs["r1"] = penalty.detach()
        self.d_steps_done += 1
        return loss, logs

    def g_step(self, batch: Batch | None, last: bool) -> tuple[Tensor, dict[str, Tensor]]:
        kept, self._kept = self._kept, None
        if kept is None:
            n = self.config.train.batch_size
            c = self.draw_condition(n)
            kept = (self.generator(self._latents(n), c), c)
        fake_images, c = kept
        fake_logits, class_loss = self.scored(fake_images, c)
        loss = self.loss.g_loss(fake_logits)
        logs = {"g_loss": loss.detach()}
        if class_loss is not None:  # fakes should be classified as the class asked for
            loss = loss + self.loss_cfg.ac_weight * class_loss
            logs["ac_fake"] = class_loss.detach()
        if self._real_bank is not None and len(fake_images) > 1:
            features = mmd_features(fake_images, self.loss_cfg.mmd_pool, self.loss_cfg.mmd_extremes)
            mmd = mmd2_groups(features, self._real_bank)
            loss = loss + self.loss_cfg.mmd_weight * mmd
            logs["mmd"] = mmd.detach()
        return loss, logs

    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        return {"z": latents(n, self.z_dim, seed=seed)}

    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        images = torch.cat(list(generate_from_latents(networks["G"], fixed["z"], labels=fixed.get("label"))))
        return images, max(1, int(math.sqrt(len(images))))

    def drop_kept(self) -> None:
        self._kept = None

    def state_dict(self) -> dict:
        return {"d_steps_done": self.d_steps_done}

    def load_state_dict(self, state: dict) -> None:
        self.d_steps_done = int(state["d_steps_done"])
