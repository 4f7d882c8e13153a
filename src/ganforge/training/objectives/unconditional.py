"""Unconditional GAN: D tells real images from G(z); G learns to fool D."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganforge.augment import diff_augment
from ganforge.config import Config
from ganforge.losses import LOSSES, gradient_penalty, r1_penalty


class UnconditionalObjective:
    """Losses of one unconditional D step and G step; returns (loss, detached logs)."""

    def __init__(self, config: Config, generator: nn.Module, discriminator: nn.Module, device: torch.device):
        self.generator = generator
        self.discriminator = discriminator
        self.device = device
        self.loss = LOSSES[config.loss.name]
        self.loss_cfg = config.loss
        self.policy = list(config.augment.diffaugment)
        self.z_dim = config.model.z_dim
        self.d_steps_done = 0
        self._kept_fake: Tensor | None = None

    def _augment(self, images: Tensor) -> Tensor:
        return diff_augment(images, self.policy) if self.policy else images

    def _latents(self, n: int) -> Tensor:
        return torch.randn(n, self.z_dim, device=self.device)

    def d_loss(self, real_images: Tensor, keep_fake: bool = False) -> tuple[Tensor, dict[str, Tensor]]:
        """D step. With `keep_fake`, the fakes keep their graph so the next G step reuses them
        (one G forward per iteration, as in the DCGAN reference training loop)."""
        z = self._latents(len(real_images))
        if keep_fake:
            fake_images = self.generator(z)
            self._kept_fake = fake_images
            fake_images = fake_images.detach()
        else:
            with torch.no_grad():
                fake_images = self.generator(z)
        real_logits = self.discriminator(self._augment(real_images))
        fake_logits = self.discriminator(self._augment(fake_images))
        loss = self.loss.d_loss(real_logits, fake_logits)
        logs = {"d_loss": loss.detach(), "d_real": real_logits.detach().mean(), "d_fake": fake_logits.detach().mean()}
        if self.loss.needs_gradient_penalty:
            penalty = gradient_penalty(self.discriminator, real_images, fake_images)
            loss = loss + self.loss_cfg.gp_weight * penalty
            logs["gradient_penalty"] = penalty.detach()
        if self.loss_cfg.r1_gamma > 0 and self.d_steps_done % self.loss_cfg.r1_every == 0:
            # Lazy R1 (Karras 2020, §B): every k steps, scaled by k to keep its strength.
            real_for_r1 = real_images.detach().requires_grad_(True)
            penalty = r1_penalty(self.discriminator(self._augment(real_for_r1)), real_for_r1)
            loss = loss + 0.5 * self.loss_cfg.r1_gamma * self.loss_cfg.r1_every * penalty
            logs["r1"] = penalty.detach()
        self.d_steps_done += 1
        return loss, logs

    def g_loss(self, batch_size: int) -> tuple[Tensor, dict[str, Tensor]]:
        fake_images, self._kept_fake = self._kept_fake, None
        if fake_images is None:
            fake_images = self.generator(self._latents(batch_size))
        loss = self.loss.g_loss(self.discriminator(self._augment(fake_images)))
        return loss, {"g_loss": loss.detach()}

    def drop_kept(self) -> None:
        self._kept_fake = None

    def state_dict(self) -> dict:
        return {"d_steps_done": self.d_steps_done}

    def load_state_dict(self, state: dict) -> None:
        self.d_steps_done = int(state["d_steps_done"])
