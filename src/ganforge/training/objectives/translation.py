"""What the translation objectives (pix2pix, colorize, cyclegan) share: their data, batches,
fixed test rows and grids. Not a task itself: the three subclasses register themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor, nn

from ganforge.data.training import from_model_range, to_model_range
from ganforge.data.translation import TranslationData, load_translation_data, side_channels
from ganforge.training.objectives.base import DataInfo, Objective
from ganforge.translation.adversarial import ADVERSARIAL

if TYPE_CHECKING:
    from ganforge.config import Config
    from ganforge.models import ModelSpec
    from ganforge.training.translation_batches import TranslationBatches

GRID_ROWS = 8  # test examples shown in a sample grid, at most
_LOADED: dict[str, TranslationData] = {}  # the last data read, for the grids of the same build


def _data_key(config: Config) -> str:
    return config.data.model_dump_json() + config.translation.model_dump_json()


def translation_data(config: Config) -> TranslationData:
    """The data of `config` (read once per build: training batches and grids share it)."""
    key = _data_key(config)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_translation_data(config)
    return _LOADED[key]


def as_rgb(images: Tensor) -> Tensor:
    """uint8 [N,1|3,H,W] -> [N,3,H,W] (grayscale repeated) so grid rows line up."""
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


class TranslationObjective(Objective):
    """Base of the image-to-image tasks: batches {"a": input, "b": target} in [-1, 1]."""

    batch_keys = ("a", "b")
    uses_model_section = False
    default_gan_loss: ClassVar[str] = "vanilla"
    needs_pairs: ClassVar[bool] = True
    held_out_metrics: ClassVar[tuple[str, ...]] = ("psnr", "ssim", "l1", "fid", "kid")  # what eval-translation measures
    takes_hints: ClassVar[bool] = False  # the generator also reads colour hints (eval-translation --hints-count)

    @classmethod
    def check_config(cls, config: Config, model: ModelSpec) -> None:
        if config.data.resolution == "auto" or config.data.channels == "auto":
            raise ValueError(f"task: {cls.name} needs data.resolution and data.channels as numbers (not auto)")
        if config.data.resolution % 4:
            raise ValueError(f"data.resolution: {config.data.resolution} is not a multiple of 4 ({cls.name} networks halve it twice)")
        if config.translator.generator == "unet":
            res = config.data.resolution
            if res < 32 or res & (res - 1):
                raise ValueError(f"data.resolution: the U-Net generator needs a power of two of at least 32 (got {res}); or set translator.generator=resnet9")

    @classmethod
    def load_data(cls, config: Config, device: torch.device) -> TranslationData:
        from ganforge.errors import UserError

        data = translation_data(config)
        if cls.needs_pairs and not data.paired:
            raise UserError(f"data.path {config.data.path}: task {cls.name} needs paired images (A|B, A/ and B/, or derived); "
                            f"unpaired domains train with task=cyclegan")
        return data

    @classmethod
    def batch_source(cls, data, config: Config, device: torch.device, channels_last: bool) -> TranslationBatches:
        from ganforge.training.translation_batches import TranslationBatches

        train = config.train
        return TranslationBatches(data, config.data.resolution, train.batch_size, config.seed,
                                  config.translation.flip, device, channels_last)

    @classmethod
    def channels(cls, config: Config) -> tuple[int, int]:
        """(input channels, output channels) of the translated direction."""
        return side_channels(config)

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        super().__init__(config, networks, device, data)
        kind = config.translation.gan_loss
        self.adversarial = ADVERSARIAL[self.default_gan_loss if kind == "task" else kind]

    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        """The first test examples (as many as fit in `n` cells of 3 columns, at most 8 rows)."""
        data = translation_data(self.config)
        rows = max(1, min(GRID_ROWS, n // 3 or 1, len(data.a.test), len(data.b.test)))
        return {"a": to_model_range(data.a.test[:rows]), "b": to_model_range(data.b.test[:rows])}

    def describe(self, batch) -> str:
        return super().describe(batch) + f"; input {self.channels(self.config)[0]} channels -> output {self.channels(self.config)[1]}"

    @torch.no_grad()
    def _run(self, network: nn.Module, x: Tensor) -> Tensor:
        device = next(network.parameters()).device
        return from_model_range(network(x.to(device)).float().cpu())

    @torch.no_grad()
    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        """One row per test example: input | output | target."""
        output = self._run(networks[self.sampled], self.network_input(fixed))
        columns = [as_rgb(from_model_range(fixed["a"])), as_rgb(output), as_rgb(from_model_range(fixed["b"]))]
        return torch.stack(columns, 1).flatten(0, 1), len(columns)

    def network_input(self, fixed: dict[str, Tensor]) -> Tensor:
        return fixed["a"]
