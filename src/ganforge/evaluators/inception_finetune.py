"""Fine-tuning the FID Inception-v3 on labelled images that are large enough for it.

The network starts from the FID Inception weights (resolved like `--features inception`:
`--weights PATH`, the environment, the cache or a download) and learns a new class head
while the whole trunk adapts at a small learning rate. BatchNorm keeps its pretrained
statistics, because the small batches that fit on a CPU would estimate them badly.
"""

from __future__ import annotations

from ganforge.metrics.features.domain.inception_net import InceptionClassifier
from ganforge.metrics.features.inception import load_fid_inception
from ganforge.metrics.weights import resolve_inception_weights

FINETUNE_SETTINGS = {
    "batch_size": 16,
    "lr": 1e-4,
    "weight_decay": 0.0,
    "max_shift": 8,  # pixels at 299×299
    "freeze_batchnorm": True,
}


def pretrained_inception_classifier(
    num_classes: int, weights: str | None
) -> tuple[InceptionClassifier, str]:
    """(Inception-v3 classifier initialised from the FID weights, SHA-256 of the weights file)."""
    resolved = resolve_inception_weights(weights)
    network, _ = load_fid_inception(resolved.path)  # the ImageNet classifier, if any, is replaced
    return InceptionClassifier(num_classes, network), resolved.sha256
