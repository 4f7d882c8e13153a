"""DF-GAN (Tao et al. 2022), lite: deep text-image fusion in G, a one-stage matching-aware D.

G: [z; e] -> 4x4 (8·width) -> residual up-blocks, each fusing the condition [z; e] twice through
affine (FiLM) layers: h <- gamma(c)·h + beta(c), with gamma/beta from a 2-layer MLP of c,
initialised to the identity (gamma 1, beta 0) -> LeakyReLU -> 3x3 conv -> tanh.
D: 3x3 conv -> residual down-blocks (learned residual gain from 0) to 4x4 (8·width); the
logit comes from the 4x4 features concatenated with the text embedding tiled over them.

The text embedding enters both networks standardised over the run's captions
(`TextStandardizer`), so what tells captions apart has unit scale beside z. With text_dim 0
both networks are unconditional.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.models import ModelConfig, register_model
from ganforge.models.conditioning import require_labels
from ganforge.models.text_conditioning import TextStandardizer

SLOPE = 0.2
LABEL_DIM = 64  # the learned class embedding that stands in for a caption (task conditional)


def _widths(width: int, resolution: int) -> list[int]:
    """Channels from the 4x4 base to the output: 8w, 4w, 2w, w at 32; 8w, 8w, 4w, 2w, w at 64."""
    blocks = int(math.log2(resolution)) - 2
    factors = [min(8, 2 ** (blocks - i)) for i in range(blocks + 1)]
    return [width * f for f in factors]


class Affine(nn.Module):
    """FiLM: gamma(c)·x + beta(c), both from Linear-ReLU-Linear, starting as the identity."""

    def __init__(self, cond_dim: int, channels: int):
        super().__init__()
        self.gamma = nn.Sequential(nn.Linear(cond_dim, channels), nn.ReLU(inplace=True), nn.Linear(channels, channels))
        self.beta = nn.Sequential(nn.Linear(cond_dim, channels), nn.ReLU(inplace=True), nn.Linear(channels, channels))
        for head, bias in ((self.gamma, 1.0), (self.beta, 0.0)):
            nn.init.zeros_(head[2].weight)
            nn.init.constant_(head[2].bias, bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        return self.gamma(c)[..., None, None] * x + self.beta(c)[..., None, None]


class Fusion(nn.Module):
    """DF-GAN's fusion block: two affine layers, each followed by LeakyReLU."""

    def __init__(self, cond_dim: int, channels: int):
        super().__init__()
        self.first, self.second = Affine(cond_dim, channels), Affine(cond_dim, channels)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        x = F.leaky_relu(self.first(x, c), SLOPE)
        return F.leaky_relu(self.second(x, c), SLOPE)


def coordinate_channels(x: Tensor) -> Tensor:
    """[N,C,H,W] -> [N,C+2,H,W]: x and y of each pixel centre in [-1, 1] appended (CoordConv)."""
    n, _, height, width = x.shape
    ys = torch.linspace(-1, 1, height, device=x.device, dtype=x.dtype).view(1, 1, height, 1).expand(n, 1, height, width)
    xs = torch.linspace(-1, 1, width, device=x.device, dtype=x.dtype).view(1, 1, 1, width).expand(n, 1, height, width)
    return torch.cat([x, xs, ys], dim=1)


class UpBlock(nn.Module):
    """Nearest 2x, then fusion-conv twice, plus a shortcut. With `coords` the first fusion also
    scales and shifts coordinate channels by the condition: a caption can move what is drawn
    (FiLM alone acts on whole channels, the same everywhere in the image)."""

    def __init__(self, c_in: int, c_out: int, cond_dim: int, coords: bool = False):
        super().__init__()
        self.coords = coords
        extra = 2 if coords else 0
        self.fuse1, self.conv1 = Fusion(cond_dim, c_in + extra), nn.Conv2d(c_in + extra, c_out, 3, 1, 1)
        self.fuse2, self.conv2 = Fusion(cond_dim, c_out), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        h = coordinate_channels(x) if self.coords else x
        h = self.conv2(self.fuse2(self.conv1(self.fuse1(h, c)), c))
        return self.shortcut(x) + h


class DFGANGenerator(nn.Module):
    """G(z [N,z_dim], e [N,text_dim] or labels [N] or None) -> images [N,C,R,R] in [-1, 1].

    With `num_classes` a learned label embedding is the condition, where text has its caption.
    """

    def __init__(self, z_dim: int, width: int, resolution: int, channels: int, text_dim: int = 0,
                 coords: bool = False, num_classes: int = 0):
        super().__init__()
        self.z_dim, self.text_dim, self.resolution, self.channels = z_dim, text_dim, resolution, channels
        self.num_classes = num_classes
        widths = _widths(width, resolution)
        cond_dim = z_dim + (text_dim or (LABEL_DIM if num_classes else 0))
        self.base = nn.Linear(cond_dim, widths[0] * 16)
        with torch.no_grad():  # the caption's columns start at zero: G starts as the z-only base
            self.base.weight[:, z_dim:].zero_()
        self.blocks = nn.ModuleList(
            UpBlock(a, b, cond_dim, coords) for a, b in zip(widths, widths[1:], strict=False)
        )
        self.to_image = nn.Conv2d(widths[-1], channels, 3, 1, 1)
        self.text_norm = TextStandardizer(text_dim) if text_dim else None
        if num_classes:
            self.label_embedding = nn.Embedding(num_classes, LABEL_DIM)  # N(0, 1), like z

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Runs written before the base read the caption: its base saw z only. Zero columns for
        # the caption give the same function, so those checkpoints load and sample as before.
        weight = state_dict.get(prefix + "base.weight")
        if weight is not None and weight.shape[1] == self.z_dim and self.text_dim:
            state_dict[prefix + "base.weight"] = torch.cat([weight, weight.new_zeros(len(weight), self.text_dim)], dim=1)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, z: Tensor, e: Tensor | None = None) -> Tensor:
        condition = _condition(self, e, "DF-GAN generator")
        c = z if condition is None else torch.cat([z, condition.to(z.dtype)], dim=1)
        h = self.base(c).view(len(z), -1, 4, 4)
        for block in self.blocks:
            h = block(h, c)
        return torch.tanh(self.to_image(F.leaky_relu(h, SLOPE)))


class DownBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.LeakyReLU(SLOPE, inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.LeakyReLU(SLOPE, inplace=True),
        )
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.gain = nn.Parameter(torch.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(self.shortcut(x), 2) + self.gain * self.residual(x)


class DFGANDiscriminator(nn.Module):
    """D(x [N,C,R,R], e [N,text_dim] or labels [N] or None) -> [N] raw logits; `features(x)` is
    the image part."""

    def __init__(self, width: int, resolution: int, channels: int, text_dim: int = 0, num_classes: int = 0):
        super().__init__()
        self.text_dim, self.num_classes = text_dim, num_classes
        cond_dim = text_dim or (LABEL_DIM if num_classes else 0)
        widths = _widths(width, resolution)[::-1]  # w, 2w, ... up to 8w at 4x4
        self.feature_dim = widths[-1] * 16  # the flattened 4x4 image features
        self.stem = nn.Conv2d(channels, widths[0], 3, 1, 1)
        self.blocks = nn.Sequential(*(DownBlock(a, b) for a, b in zip(widths, widths[1:], strict=False)))
        self.joint = nn.Sequential(
            nn.Conv2d(widths[-1] + cond_dim, widths[-1] // 4, 3, 1, 1, bias=False),
            nn.LeakyReLU(SLOPE, inplace=True),
            nn.Conv2d(widths[-1] // 4, 1, 4, 1, 0, bias=False),
        )
        self.text_norm = TextStandardizer(text_dim) if text_dim else None
        if num_classes:
            self.label_embedding = nn.Embedding(num_classes, LABEL_DIM)

    def features(self, x: Tensor) -> Tensor:
        return self.blocks(self.stem(x))

    def logits(self, h: Tensor, e: Tensor | None) -> Tensor:
        condition = _condition(self, e, "DF-GAN discriminator")
        if condition is not None:
            tiled = condition[..., None, None].expand(-1, -1, *h.shape[-2:])
            h = torch.cat([h, tiled.to(h.dtype)], dim=1)
        return self.joint(h).flatten()

    def all_pair_logits(self, h: Tensor, e: Tensor) -> Tensor:
        """[N, N] logits of every (image i, condition j) pair, equal to `logits(h[i], e[j])`.

        The joint head's first conv is linear in [h; tiled e], so it splits into an image part
        and a condition part computed once each; only their sum, the LeakyReLU and the 4x4 conv
        run per pair (N² small tensors, not N² convolutions).
        """
        condition = _condition(self, e, "DF-GAN discriminator")
        first, last = self.joint[0], self.joint[2]
        channels = h.shape[1]
        image_part = F.conv2d(h, first.weight[:, :channels], padding=1)  # [N, K, 4, 4]
        tiled = condition[..., None, None].expand(-1, -1, *h.shape[-2:]).to(h.dtype)
        condition_part = F.conv2d(tiled, first.weight[:, channels:], padding=1)  # [N, K, 4, 4]
        joint = F.leaky_relu(image_part[:, None] + condition_part[None, :], SLOPE)  # [N, N, K, 4, 4]
        return torch.einsum("ijkxy,kxy->ij", joint, last.weight[0])

    def add_classifier(self) -> None:
        """An auxiliary class head on the flattened 4x4 image features (AC-GAN, `loss.ac_weight`)."""
        self.classifier = nn.Linear(self.feature_dim, self.num_classes)

    def forward(self, x: Tensor, e: Tensor | None = None, classify: bool = False):
        """Logits [N]; with `classify`, (logits, class logits [N, classes])."""
        h = self.features(x)
        logits = self.logits(h, e)
        return (logits, self.classifier(h.flatten(1))) if classify else logits


def _condition(network: nn.Module, e: Tensor | None, who: str) -> Tensor | None:
    """The condition vector: the label embedding (classes), the standardised caption (text), or None."""
    if network.num_classes:
        require_labels(e, network.num_classes, who)
        return network.label_embedding(e)
    if network.text_dim:
        return network.text_norm(e)
    return None


def build_generator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0,
                    text_dim: int = 0) -> DFGANGenerator:
    coords = SPEC.g_option(cfg, "coords")
    return DFGANGenerator(cfg.z_dim, cfg.g.width, resolution, channels, text_dim, coords, num_classes)


def build_discriminator(cfg: ModelConfig, resolution: int, channels: int, num_classes: int = 0,
                        text_dim: int = 0) -> DFGANDiscriminator:
    return DFGANDiscriminator(cfg.d.width, resolution, channels, text_dim, num_classes)


SPEC = register_model("dfgan", build_generator, build_discriminator)
