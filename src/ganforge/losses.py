"""Adversarial losses on raw discriminator logits, and the gradient regularisers of D.

`LOSSES[name]` gives a `GanLoss`: `d_loss(real_logits, fake_logits)` and `g_loss(fake_logits)`
take logits `[N]` and return a scalar to minimise. D(x) = sigmoid(logit) where a paper speaks of
probabilities; the softplus forms below are the numerically stable log-sigmoid identities
log sigmoid(t) = -softplus(-t) and log(1 - sigmoid(t)) = -softplus(t).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.choices.losses import LOSS_CHOICES

DLoss = Callable[[Tensor, Tensor], Tensor]
GLoss = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class GanLoss:
    name: str  # a name of `choices.LOSS_CHOICES`, which says what config keys it reads
    d_loss: DLoss  # (real_logits [N], fake_logits [N]) -> scalar
    g_loss: GLoss  # fake_logits [N] -> scalar

    @property
    def reads(self) -> tuple[str, ...]:
        """Config keys this loss reads (beyond loss.name), as its `LossChoice` declares them."""
        return LOSS_CHOICES[self.name].reads

    @property
    def needs_gradient_penalty(self) -> bool:
        """The objective adds `gradient_penalty` x loss.gp_weight."""
        return "loss.gp_weight" in self.reads


def _bce_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))] (Goodfellow et al. 2014, eq. 1, as a loss)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def _nonsaturating_g_loss(fake_logits: Tensor) -> Tensor:
    """-E[log D(G(z))]: the non-saturating G loss (Goodfellow et al. 2014, sec. 3)."""
    return F.softplus(-fake_logits).mean()


def _minimax_g_loss(fake_logits: Tensor) -> Tensor:
    """E[log(1 - D(G(z)))]: G minimises the value function of eq. 1 directly."""
    return -F.softplus(fake_logits).mean()


def _lsgan_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2], a=0, b=1 (Mao et al. 2017, eq. 2)."""
    return 0.5 * (real_logits - 1).square().mean() + 0.5 * fake_logits.square().mean()


def _lsgan_g_loss(fake_logits: Tensor) -> Tensor:
    """1/2 E[(D(G(z)) - c)^2], c=1 (Mao et al. 2017, eq. 2)."""
    return 0.5 * (fake_logits - 1).square().mean()


def _hinge_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))] (Lim & Ye 2017; Miyato et al. 2018, eq. 16)."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def _negative_mean_g_loss(fake_logits: Tensor) -> Tensor:
    """-E[D(G(z))]: hinge and Wasserstein generator loss."""
    return -fake_logits.mean()


def _wasserstein_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """E[D(G(z))] - E[D(x)] (Gulrajani et al. 2017, Algorithm 1, without the penalty)."""
    return fake_logits.mean() - real_logits.mean()


LOSSES: dict[str, GanLoss] = {
    loss.name: loss
    for loss in (
        GanLoss("nonsaturating", _bce_d_loss, _nonsaturating_g_loss),
        GanLoss("minimax", _bce_d_loss, _minimax_g_loss),
        GanLoss("lsgan", _lsgan_d_loss, _lsgan_g_loss),
        GanLoss("hinge", _hinge_d_loss, _negative_mean_g_loss),
        GanLoss("wgan-gp", _wasserstein_d_loss, _negative_mean_g_loss),
    )
}


def _squared_gradient_norm(outputs: Tensor, inputs: Tensor) -> Tensor:
    """Per-sample ||d outputs.sum() / d inputs||^2 -> [N], differentiable (create_graph)."""
    (grad,) = torch.autograd.grad(outputs.sum(), inputs, create_graph=True)
    return grad.square().flatten(1).sum(1)


def r1_penalty(real_logits: Tensor, real_images: Tensor) -> Tensor:
    """E ||grad_x D(x)||^2 on real images (Mescheder et al. 2018, eq. 9, without the gamma/2).

    `real_images` [N, C, H, W] must have had `requires_grad_(True)` before D saw them; the caller
    multiplies by gamma/2 (and by the lazy interval k when applied every k steps).
    """
    return _squared_gradient_norm(real_logits, real_images).mean()


def gradient_penalty(discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    """E (||grad D(x_hat)|| - 1)^2 on random interpolates x_hat (Gulrajani et al. 2017, eq. 3).

    real, fake: [N, C, H, W]; the mixing weights come from torch's RNG on real's device.
    Multiply by the penalty weight (lambda = 10 in the paper) in the caller.
    """
    alpha = torch.rand(
        real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype
    )
    # Under autocast G may emit bf16/fp16 fakes; interpolate in the real images' dtype.
    fake = fake.detach().to(real.dtype)
    interpolates = torch.lerp(fake, real.detach(), alpha).requires_grad_(True)
    squared = _squared_gradient_norm(discriminator(interpolates), interpolates)
    norms = torch.sqrt(squared + 1e-12)  # eps keeps sqrt's gradient finite at 0
    return (norms - 1).square().mean()
