"""Inception-v3 as an evaluator network: the FID trunk to pool3, plus a new class head."""

from __future__ import annotations

from torch import Tensor, nn
from torchvision.models.inception import Inception3

from ganforge.metrics.features.inception import build_fid_inception, fid_trunk

POOL3_DIM = 2048


class InceptionClassifier(nn.Module):
    """Normalised float [N,3,299,299] -> pool3 features [N,2048]; `head` maps them to K classes."""

    feature_layer = "pool3: global average pool after Mixed_7c"
    feature_dim = POOL3_DIM

    def __init__(self, num_classes: int, inception: Inception3 | None = None) -> None:
        super().__init__()
        # Only the trunk is kept: the 1008-way ImageNet classifier is replaced by `head`.
        self.trunk = fid_trunk(inception if inception is not None else build_fid_inception())
        self.trunk.requires_grad_(True)
        self.head = nn.Linear(POOL3_DIM, num_classes)

    def embed(self, x: Tensor) -> Tensor:
        return self.trunk(x)
