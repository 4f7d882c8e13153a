"""Projected GAN's discriminator (Sauer et al. 2021): D looks at images through a frozen
pretrained EfficientNet-Lite0, at four scales (strides 4, 8, 16, 32), after fixed random
projections, with one small discriminator per scale.

- Cross-channel mixing (CCM): a random 1x1 conv per scale (24, 40, 112, 320 -> 64, 128, 256,
  512 channels). Cross-scale mixing (CSM): each scale adds a random 1x1 conv of the coarser
  mixed scale, upsampled (sec. 3.2). Both are drawn at initialisation and kept fixed as
  buffers, so checkpoints hold them and a resumed run sees the same projections.
- Per scale: SN conv(4, s2) + BN + LeakyReLU(0.2) down to 4x4, then an SN conv over the rest:
  one logit per scale. D returns [N, 4]; every loss averages over its elements, which is the
  sum of the per-scale losses of the paper (eq. 3) up to a constant.
- The feature network is not part of the module tree: it is neither trained, nor switched to
  train mode, nor saved. A checkpoint records the SHA-256 of its weights file instead, checked
  on load; the file itself is read (and its hash checked) on the first forward.

Class-conditional: a projection term <embed(y), pooled features> per scale (Miyato & Koyama 2018).
`model.name: projected` pairs it with the FastGAN generator (`fastgan.py`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganforge.errors import UserError
from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import ProjectionHead, require_labels
from ganforge.models.fastgan import FastGANGenerator
from ganforge.pretrained.efficientnet_lite import FEATURE_CHANNELS, stage_features
from ganforge.pretrained.efficientnet_weights import NETWORK, WEIGHTS_SHA256
from ganforge.pretrained.fold_batch_norm import fold_batch_norms

PROJECTED_CHANNELS = (64, 128, 256, 512)  # CCM outputs (the paper's expanded 64-channel setting)
FEATURE_SIDE_MIN = 32  # smaller images are upsampled to 32 (at 32 px the coarsest scale is 1x1)
HEAD_SIDE = 4  # each small discriminator downsamples to this side, then one conv reads it all
LEAKY_SLOPE = 0.2


def load_feature_stages() -> nn.ModuleList:
    """The frozen EfficientNet-Lite0's four stages (the weights file is resolved and hash-checked)."""
    from ganforge.pretrained.efficientnet_lite import efficientnet_lite0, feature_stages

    return feature_stages(efficientnet_lite0())


def _random_conv_weight(c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A 1x1 conv's weight and bias drawn as PyTorch initialises nn.Conv2d (Kaiming uniform)."""
    conv = nn.Conv2d(c_in, c_out, 1)
    return conv.weight.detach().clone(), conv.bias.detach().clone()


class RandomProjections(nn.Module):
    """Four feature maps -> four mixed maps of PROJECTED_CHANNELS, at the same sides; fixed."""

    def __init__(self) -> None:
        super().__init__()
        for k, (c_in, c_out) in enumerate(zip(FEATURE_CHANNELS, PROJECTED_CHANNELS, strict=True)):
            weight, bias = _random_conv_weight(c_in, c_out)
            self.register_buffer(f"ccm{k}_weight", weight)
            self.register_buffer(f"ccm{k}_bias", bias)
        for k in range(len(PROJECTED_CHANNELS) - 1):  # scale k mixes in scale k + 1
            weight, bias = _random_conv_weight(PROJECTED_CHANNELS[k + 1], PROJECTED_CHANNELS[k])
            self.register_buffer(f"csm{k}_weight", weight)
            self.register_buffer(f"csm{k}_bias", bias)

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        mixed = [F.conv2d(f, getattr(self, f"ccm{k}_weight"), getattr(self, f"ccm{k}_bias"))
                 for k, f in enumerate(features)]  # fmt: skip
        for k in reversed(range(len(mixed) - 1)):
            coarser = F.interpolate(mixed[k + 1], size=mixed[k].shape[-2:], mode="bilinear", align_corners=False)
            mixed[k] = mixed[k] + F.conv2d(coarser, getattr(self, f"csm{k}_weight"), getattr(self, f"csm{k}_bias"))
        return mixed


def _head_channels(side: int, width: int) -> int:
    """Projected GAN's channels per side at width 64 (512 at 8, 256 at 16, ... 64 at 64)."""
    return min(8 * width, max(width, 64 * width // side))


class ScaleDiscriminator(nn.Module):
    """[N, C, s, s] projected features (+ labels) -> one logit per image [N]."""

    def __init__(self, c_in: int, side: int, width: int, num_classes: int = 0) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        while side > HEAD_SIDE:
            side //= 2
            c_out = _head_channels(side, width)
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False)), nn.BatchNorm2d(c_out),
                       nn.LeakyReLU(LEAKY_SLOPE, inplace=True)]  # fmt: skip
            c_in = c_out
        self.body = nn.Sequential(*layers)
        self.logit = spectral_norm(nn.Conv2d(c_in, 1, side, 1, 0))
        self.num_classes = num_classes
        if num_classes > 0:
            self.projection = ProjectionHead(c_in, num_classes, spectral=True)

    def forward(self, features: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.body(features)
        logits = self.logit(hidden).flatten()
        if c is not None:
            logits = logits + self.projection(hidden.sum(dim=(2, 3)), c)
        return logits


class ProjectedDiscriminator(nn.Module):
    """images [N, C, R, R] in [-1, 1] (C = 1 or 3; + labels [N] when conditional) -> logits [N, 4]."""

    def __init__(self, width: int, resolution: int, channels: int, num_classes: int = 0) -> None:
        super().__init__()
        self.resolution, self.channels, self.num_classes = resolution, channels, num_classes
        self.feature_side = max(resolution, FEATURE_SIDE_MIN)
        self.projections = RandomProjections()
        sides = [self.feature_side // stride for stride in (4, 8, 16, 32)]
        self.heads = nn.ModuleList(
            ScaleDiscriminator(c, s, width, num_classes) for c, s in zip(PROJECTED_CHANNELS, sides, strict=True)
        )
        self.weights_sha256 = WEIGHTS_SHA256
        self._frozen: list[nn.ModuleList] = []  # a plain list keeps it out of parameters, modes and state

    def load_features(self) -> None:
        """Read the frozen network (its weights file is resolved and hash-checked) unless it is there."""
        if not self._frozen:
            # BatchNorms folded into the convs: the same features (1e-6 relative), 22% less time
            self._frozen.append(fold_batch_norms(load_feature_stages().eval()))

    def _feature_stages(self, images: torch.Tensor, layout: torch.memory_format) -> nn.ModuleList:
        """The frozen network, kept on the images' device and in `layout`."""
        self.load_features()
        stages = self._frozen[0]
        weight = stages[0][0].weight
        if weight.device != images.device or weight.dtype != images.dtype or not weight.is_contiguous(memory_format=layout):
            stages.to(device=images.device, dtype=images.dtype, memory_format=layout)
        return stages

    def forward(self, images: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        require_labels(c, self.num_classes, "projected discriminator")
        # Read before the gray expansion, whose stride-0 view is in neither layout: in NCHW the
        # network's depthwise convs on 1x1 maps took a quarter of a 32-px step.
        layout = torch.channels_last if images.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
        if images.shape[1] == 1:  # gray images go in as three equal channels
            images = images.expand(-1, 3, -1, -1)
        if images.shape[-1] != self.feature_side:
            images = F.interpolate(images, size=self.feature_side, mode="bilinear", align_corners=False)
        images = images.contiguous(memory_format=layout)
        # Frozen weights: gradients reach the images (G's step) but no weight ever gets one.
        features = self.projections(stage_features(self._feature_stages(images, layout), images))
        return torch.stack([head(f, c) for head, f in zip(self.heads, features, strict=True)], dim=1)

    def get_extra_state(self) -> dict:
        return {"feature_network": NETWORK, "sha256": self.weights_sha256}

    def set_extra_state(self, state: dict) -> None:
        if state.get("sha256") != self.weights_sha256:
            raise UserError(
                f"the checkpoint's projected discriminator looked through {state.get('feature_network')} weights "
                f"with SHA-256 {state.get('sha256')}, this ganforge reads {self.weights_sha256}; train it anew"
            )


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> FastGANGenerator:
    SPEC.check_resolution(resolution)
    return FastGANGenerator(cfg.z_dim, SPEC.g_width(cfg, resolution), resolution, channels, num_classes)


def build_discriminator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0) -> ProjectedDiscriminator:
    SPEC.check_resolution(resolution)
    discriminator = ProjectedDiscriminator(cfg.d.width, resolution, channels, num_classes)
    discriminator.load_features()  # before training starts: missing weights stop the run at once
    return discriminator


SPEC = register_model("projected", build_generator, build_discriminator)
