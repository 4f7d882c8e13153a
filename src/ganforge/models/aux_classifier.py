"""Plain judges trained beside D on real data only: a class classifier
(`loss.ac_classifier: separate`) and a text-image matcher (`text.contrastive_weight`).

The AC-GAN class head on a spectrally normalised D learns shape slowly (its Lipschitz bound
slows every feature it learns); these small CNNs have no such bound, learn the real labels or
captions within a few hundred steps and tell G early what its fakes look like. They see real
images with faint pixel noise, so they do not learn that a flat background means one class
(generated images always carry some noise). They have no BatchNorm: the same weights score real
and fake batches without batch statistics mixing them.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from ganforge.augment import random_noise

LEARNING_RATE = 1e-3  # Adam, as a supervised classifier of this size; D's rate is far lower
BETAS = (0.5, 0.999)
INPUT_NOISE_STD = 0.1  # up to 13 of 255 levels in [-1, 1] units, drawn per image


def with_input_noise(images: Tensor) -> Tensor:
    """Gaussian pixel noise, its std drawn per image from U(0, INPUT_NOISE_STD) (global RNG)."""
    return random_noise(images, INPUT_NOISE_STD)


class PlainImageEncoder(nn.Module):
    """[N, C, R, R] images in [-1, 1] -> features [N, feature_dim]: strided convolutions down to
    4x4 with LeakyReLU, then a global average pool, or with `keep_layout` the 4x4 map flattened
    (where things are stays in the features: captions say "on the left")."""

    def __init__(self, channels: int, resolution: int, width: int = 32, keep_layout: bool = False) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.LeakyReLU(0.2)]
        previous = width
        for index in range(int(math.log2(resolution)) - 2):  # R -> 4
            out = width * min(2 ** (index + 1), 8)
            layers += [nn.Conv2d(previous, out, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            previous = out
        self.body = nn.Sequential(*layers)
        self.keep_layout = keep_layout
        self.feature_dim = previous * 16 if keep_layout else previous

    def forward(self, images: Tensor) -> Tensor:
        features = self.body(images)
        return features.flatten(1) if self.keep_layout else features.mean(dim=(2, 3))


class AuxiliaryClassifier(nn.Module):
    """[N, C, R, R] images -> class logits [N, classes]; `noisy` adds the training input noise."""

    def __init__(self, channels: int, resolution: int, num_classes: int, width: int = 32) -> None:
        super().__init__()
        self.encoder = PlainImageEncoder(channels, resolution, width=width)
        self.head = nn.Linear(self.encoder.feature_dim, num_classes)

    def forward(self, images: Tensor, noisy: bool = False) -> Tensor:
        return self.head(self.encoder(with_input_noise(images) if noisy else images))
