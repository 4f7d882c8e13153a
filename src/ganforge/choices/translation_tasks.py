"""The image-to-image tasks' part of the config (pix2pix, colorize, cyclegan, nicegan, cut): the
keys they read and the sizes and channels their networks cannot use. The network geometry the
checks need is written here once; the networks read it from here too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganforge.choices.tasks import TaskChoice, register_task

if TYPE_CHECKING:
    from ganforge.choices.models import ModelChoice

TRANSLATION_READS = ("translation.layout", "translation.direction", "translation.derive", "translation.domain_a",
                     "translation.domain_b", "translation.input_channels", "translation.jitter", "translation.flip",
                     "translation.test_fraction", "translation.gan_loss", "translator")
RESNET_BLOCKS = {"resnet6": 6, "resnet9": 9}  # residual blocks of each ResNet translator
RESNET_FIXED_LAYERS = 19  # ResnetGenerator.model besides its residual blocks


def side_channels(cfg: Any) -> tuple[int, int]:
    """(channels of the input side, channels of the output side) after `direction`."""
    a, b = cfg.translation.input_channels, cfg.data.channels
    return (b, a) if cfg.translation.direction == "BtoA" else (a, b)


def output_side(resolution: int, n_layers: int) -> int:
    """Side of the PatchGAN logit map for a `resolution` input: n_layers halvings, then two 4x4 stride-1 convs."""
    side = resolution
    for _ in range(n_layers):
        side = (side + 2 - 4) // 2 + 1
    return side - 2


def most_layers(resolution: int) -> int:
    """The largest PatchGAN n_layers that leaves at least one logit for a `resolution` input (0: none)."""
    n = 0
    while output_side(resolution, n + 1) >= 1:
        n += 1
    return n


def _sizes(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if config.data.resolution == "auto" or config.data.channels == "auto":
        raise ValueError(f"task: {task.name} needs data.resolution and data.channels as numbers (not auto)")
    if config.data.resolution % 4:
        raise ValueError(f"data.resolution: {config.data.resolution} is not a multiple of 4 ({task.name} networks halve it twice)")
    if config.translator.generator == "unet":
        res = config.data.resolution
        if res < 32 or res & (res - 1):
            raise ValueError(f"data.resolution: the U-Net generator needs a power of two of at least 32 (got {res}); or set translator.generator=resnet9")
    net, res = config.translator, config.data.resolution
    if net.discriminator == "patch" and output_side(res, net.d_layers) < 1:
        raise ValueError(f"translator.d_layers: {net.d_layers} halvings leave nothing of {res}x{res} images to judge; "
                         f"use at most {most_layers(res)} at data.resolution={res}")


def _colour_output(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if config.data.channels != 3:
        raise ValueError("data.channels: colorize makes colour images; set data.channels=3")


def _identity_channels(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    a, b = side_channels(config)
    if config.translation.identity_weight > 0 and a != b:
        raise ValueError(f"translation.identity_weight: the identity terms need as many channels on both sides "
                         f"(A {a}, B {b}); set translation.identity_weight=0")


def _reconstruction_channels(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    a, b = side_channels(config)
    if config.nicegan.recon_weight > 0 and a != b:
        raise ValueError(f"nicegan.recon_weight: the identity terms need as many channels on both sides "
                         f"(A {a}, B {b}); set nicegan.recon_weight=0")


def _nce_layers(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    generator = config.translator.generator
    if generator not in RESNET_BLOCKS:
        raise ValueError(f"translator.generator: task cut compares the layers of a ResNet translator; "
                         f"expected resnet6 or resnet9 (got {generator})")
    layers, count = config.cut.nce_layers, RESNET_FIXED_LAYERS + RESNET_BLOCKS[generator]
    if not layers or any(not 0 <= i < count for i in layers) or len(set(layers)) != len(layers):
        raise ValueError(f"cut.nce_layers: {layers}: expected distinct layer indices of the {generator} "
                         f"translator, 0 to {count - 1}")
    a, b = side_channels(config)
    if config.cut.resolved()[1] and a != b:
        raise ValueError(f"cut.nce_identity: G(B) needs as many channels on both sides (A {a}, B {b}); set cut.nce_identity=false")


def _translation_task(name: str, reads: tuple[str, ...], *checks) -> TaskChoice:
    return register_task(TaskChoice(name, TRANSLATION_READS + reads, (_sizes, *checks), uses_model_section=False))


_translation_task("pix2pix", ("translation.l1_weight",))
_translation_task("colorize", ("translation.l1_weight", "translation.hint_none_prob", "translation.hint_geometric_p",
                               "translation.hint_max_patch"), _colour_output)
_translation_task("cyclegan", ("translation.cycle_weight", "translation.identity_weight", "translation.pool_size"),
                  _identity_channels)
_translation_task("nicegan", ("nicegan", "translation.cycle_weight"), _reconstruction_channels)
_translation_task("cut", ("cut",), _nce_layers)
