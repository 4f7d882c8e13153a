"""Build the translation networks named in the config's `translator` section (registries by name)."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ganforge.models.patchgan import PatchDiscriminator, PixelDiscriminator
from ganforge.models.resnet_translator import ResnetGenerator
from ganforge.models.unet import UnetGenerator

# (translator config, in channels, out channels, resolution) -> G
GENERATORS: dict[str, Callable[..., nn.Module]] = {
    "unet": lambda cfg, cin, cout, res: UnetGenerator(cin, cout, res, cfg.g_width, cfg.norm, cfg.dropout),
    "resnet6": lambda cfg, cin, cout, res: ResnetGenerator(cin, cout, 6, cfg.g_width, cfg.norm, cfg.dropout),
    "resnet9": lambda cfg, cin, cout, res: ResnetGenerator(cin, cout, 9, cfg.g_width, cfg.norm, cfg.dropout),
}
# (translator config, in channels) -> D
DISCRIMINATORS: dict[str, Callable[..., nn.Module]] = {
    "patch": lambda cfg, cin: PatchDiscriminator(cin, cfg.d_width, cfg.d_layers, cfg.norm),
    "pixel": lambda cfg, cin: PixelDiscriminator(cin, cfg.d_width, cfg.norm),
}


def build_translator(cfg, in_channels: int, out_channels: int, resolution: int) -> nn.Module:
    return GENERATORS[cfg.generator](cfg, in_channels, out_channels, resolution)


def build_patch_discriminator(cfg, in_channels: int) -> nn.Module:
    return DISCRIMINATORS[cfg.discriminator](cfg, in_channels)
