"""Building blocks that feed a class label to G and D.

- `ConditionalBatchNorm2d`: BatchNorm without its own affine, followed by a per-class scale
  and shift looked up from embeddings (de Vries et al. 2017; Miyato & Koyama 2018, sec. 3).
- `LatentBatchNorm2d`: BigGAN's conditional BatchNorm, whose scale and shift also depend on a
  chunk of the noise (Brock et al. 2019, "hierarchical latent space"), with or without a class.
- `ProjectionHead`: the projection discriminator's class term <embed(y), phi(x)>
  (Miyato & Koyama 2018, eq. 3) added to the unconditional logit.
- `ConditionedSequential`: a Sequential whose condition-aware members also receive `c`.

Labels are int64 class indices [N]; the condition `c` may also be an embedding [N, E] for
models built for it (text), which these label blocks do not accept.
"""

from __future__ import annotations

import torch
from torch import nn


class ConditionalBatchNorm2d(nn.Module):
    """[N, C, H, W], labels [N] -> BN(x) * (1 + gamma[y]) + beta[y]; gamma, beta start at 0."""

    takes_condition = True

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        # Zero-initialised residual scale: at step 0 the layer is plain BN for every class.
        self.gamma = nn.Embedding(num_classes, channels)
        self.beta = nn.Embedding(num_classes, channels)
        nn.init.zeros_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = 1 + self.gamma(labels)[:, :, None, None]
        shift = self.beta(labels)[:, :, None, None]
        return self.bn(x) * scale + shift


class LatentBatchNorm2d(nn.Module):
    """[N, C, H, W], labels [N] or None, z [N, Z] -> BN(x) * (1 + gamma[y] + A z) + beta[y] + B z.

    A and B start at 0 (and so do gamma, beta): a plain BN until trained, unless the owner
    re-initialises them (the ResNet up-blocks do). Without classes the bias of the z layer is
    the static affine of a plain BN.
    """

    takes_condition = True

    def __init__(self, channels: int, num_classes: int, z_dim: int) -> None:
        super().__init__()
        self.channels = channels
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.from_z = nn.Linear(z_dim, 2 * channels)
        nn.init.zeros_(self.from_z.weight)
        nn.init.zeros_(self.from_z.bias)
        self.conditional = num_classes > 0
        if self.conditional:
            self.gamma = nn.Embedding(num_classes, channels)
            self.beta = nn.Embedding(num_classes, channels)
            nn.init.zeros_(self.gamma.weight)
            nn.init.zeros_(self.beta.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None, z: torch.Tensor) -> torch.Tensor:
        scale, shift = self.from_z(z).split(self.channels, dim=1)
        if self.conditional:
            scale = scale + self.gamma(labels)
            shift = shift + self.beta(labels)
        return self.bn(x) * (1 + scale[:, :, None, None]) + shift[:, :, None, None]


class ProjectionHead(nn.Module):
    """features [N, F], labels [N] -> [N]: the class term of a projection discriminator."""

    def __init__(self, features: int, num_classes: int, spectral: bool = False, std: float | None = None) -> None:
        super().__init__()
        embedding = nn.Embedding(num_classes, features)
        if std is None:
            nn.init.xavier_uniform_(embedding.weight)
        else:  # the same scale as the unconditional head's weights
            nn.init.normal_(embedding.weight, 0.0, std)
        self.embed = nn.utils.parametrizations.spectral_norm(embedding) if spectral else embedding

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (self.embed(labels) * features).sum(dim=1)


class ConditionedSequential(nn.Sequential):
    """Runs its members in order; members with `takes_condition` get (x, c), the others x."""

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        for module in self:
            x = module(x, c) if getattr(module, "takes_condition", False) else module(x)
        return x


def batchnorm(channels: int, num_classes: int) -> nn.Module:
    """Plain BN for unconditional models (state-dict names of earlier releases), CBN otherwise."""
    return ConditionalBatchNorm2d(channels, num_classes) if num_classes > 0 else nn.BatchNorm2d(channels)


def require_labels(labels: torch.Tensor | None, num_classes: int, who: str) -> None:
    """A conditional network called without labels (or the reverse) is a programming error."""
    if num_classes > 0 and labels is None:
        raise ValueError(f"{who}: this model is class-conditional; pass class labels c=[N] int64")
    if num_classes == 0 and labels is not None:
        raise ValueError(f"{who}: this model is unconditional; it takes no condition c")
