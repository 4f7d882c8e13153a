"""The adversarial term of the translation tasks on PatchGAN logits, as the reference GANLoss:
`vanilla` (binary cross-entropy on logits, pix2pix) and `lsgan` (mean squared error, CycleGAN)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def _vanilla(logits: Tensor, real: bool) -> Tensor:
    # BCE against 1 (real) or 0 (fake): softplus(-t) = -log sigmoid(t), softplus(t) = -log(1 - sigmoid(t)).
    return F.softplus(-logits).mean() if real else F.softplus(logits).mean()


def _lsgan(logits: Tensor, real: bool) -> Tensor:
    return (logits - 1).square().mean() if real else logits.square().mean()


ADVERSARIAL = {"vanilla": _vanilla, "lsgan": _lsgan}
