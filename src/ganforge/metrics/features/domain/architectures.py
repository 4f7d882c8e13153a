"""Evaluator networks: `ARCHITECTURES[name](**params)` builds one from its evaluator.json entry.

Every network has `embed(x) -> [N,d]` (the feature layer, penultimate) and `head`
(a Linear classifier over those features, or None for self-supervised evaluators).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class SmallCNN(nn.Module):
    """Conv-BN-ReLU stages with 2x max-pooling between them, then a global average pool.

    Input float [N,in_channels,S,S] (any S >= 2**(len(widths)-1)); features [N,widths[-1]].
    """

    feature_layer = "global average pool after the last conv stage"

    def __init__(self, in_channels: int, widths: list[int], num_classes: int | None) -> None:
        super().__init__()
        stages, previous = [], in_channels
        for index, width in enumerate(widths):
            stages += [nn.MaxPool2d(2)] if index else []
            stages.append(_conv_block(previous, width))
            previous = width
        self.body = nn.Sequential(*stages)
        self.feature_dim = previous
        self.head = nn.Linear(previous, num_classes) if num_classes else None

    def embed(self, x: Tensor) -> Tensor:
        return self.body(x).mean(dim=(2, 3))


def _small_cnn(in_channels: int, widths: list[int], num_classes: int | None) -> nn.Module:
    return SmallCNN(in_channels, list(widths), num_classes)


def _inception_v3(num_classes: int) -> nn.Module:
    # Imported on use: building Inception pulls in torchvision's model zoo.
    from ganforge.metrics.features.domain.inception_net import InceptionClassifier

    return InceptionClassifier(num_classes)


ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "small_cnn": _small_cnn,
    "inception_v3": _inception_v3,
}


def build_network(architecture: dict) -> nn.Module:
    """{"name": ..., **params} (as stored in evaluator.json) -> network with `embed` and `head`."""
    params = {key: value for key, value in architecture.items() if key != "name"}
    return ARCHITECTURES[architecture["name"]](**params)
