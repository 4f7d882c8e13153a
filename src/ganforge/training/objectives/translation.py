"""What the translation objectives (pix2pix, colorize, cyclegan, nicegan, cut) share: their
data, batches, fixed test rows and grids. Not a task itself: the subclasses register themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor, nn

from ganforge.choices.translation_tasks import side_channels
from ganforge.data.training import from_model_range, to_model_range
from ganforge.data.translation import TranslationData, load_translation_data
from ganforge.training.objectives.base import DataInfo, Objective
from ganforge.translation.adversarial import ADVERSARIAL
from ganforge.translation.translator import Translator

if TYPE_CHECKING:
    from ganforge.config import Config
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
    output = "translation"
    evaluation = "translation"
    default_gan_loss: ClassVar[str] = "vanilla"
    needs_pairs: ClassVar[bool] = True
    hinted: ClassVar[bool] = False  # G also reads hint colours and a mask
    size_keys = ("translator.g_width", "translator.d_width", "translator.d_layers")
    # Two-way tasks translate both ways ("AtoB", "BtoA"); the others their trained direction only.
    directions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def held_out_metrics(cls) -> tuple[str, ...]:
        """What `eval-translation` can score: paired tasks against their targets, two-way tasks their cycle."""
        if cls.needs_pairs:
            return ("psnr", "ssim", "l1", "fid", "kid")
        return ("fid", "kid", "cycle_psnr") if len(cls.directions) == 2 else ("fid", "kid")

    @classmethod
    def translation_network(cls, networks: dict[str, nn.Module], direction: str) -> nn.Module:
        """The module that maps an input image of `direction` to its translation."""
        return networks[cls.sampled]

    @classmethod
    def loaded_networks(cls, config: Config) -> None:
        """Every network: a translating module may span several (nicegan: D_A's encoder and G_AB)."""
        return None

    @classmethod
    def inference_network(cls, config: Config, networks: dict[str, nn.Module]) -> nn.Module:
        """The module translating the first direction (what an export holds)."""
        return cls.translation_network(networks, (cls.directions or (config.translation.direction,))[0])

    @classmethod
    def translators(cls, config: Config, networks: dict[str, nn.Module]) -> dict[str, Translator]:
        """Both ways for a two-way task (A to B first), else the direction it was trained in."""
        a, b = cls.channels(config)
        result = {}
        for direction in cls.directions or (config.translation.direction,):
            ins, outs = (b, a) if cls.directions and direction == "BtoA" else (a, b)
            network = cls.translation_network(networks, direction)
            result[direction] = Translator(network, direction, ins, outs, cls.hinted, config)
        return result

    @property
    def grid_columns(self) -> tuple[str, ...]:  # type: ignore[override]
        """Two-way tasks show each input translated and translated back; the others the target."""
        return ("input", "output", "reconstruction") if len(self.directions) == 2 else ("input", "output", "target")

    @classmethod
    def load_data(cls, config: Config, device: torch.device) -> TranslationData:
        from ganforge.errors import UserError

        data = translation_data(config)
        if cls.needs_pairs and not data.paired:
            raise UserError(f"data.path {config.data.path}: task {cls.name} needs paired images (A|B, A/ and B/, or derived); "
                            f"unpaired domains train with task=cyclegan, nicegan or cut")
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
        """One row per test example: input | output | target (two-way tasks: see `render_both_ways`)."""
        if len(self.directions) == 2:
            return self.render_both_ways(networks, fixed)
        output = self._run(self.translation_network(networks, "AtoB"), self.network_input(fixed))
        columns = [as_rgb(from_model_range(fixed["a"])), as_rgb(output), as_rgb(from_model_range(fixed["b"]))]
        return torch.stack(columns, 1).flatten(0, 1), len(columns)

    @torch.no_grad()
    def render_both_ways(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        """Rows A -> B then B -> A: input | translated | reconstruction."""
        rows = []
        for source, forward, backward in (("a", "AtoB", "BtoA"), ("b", "BtoA", "AtoB")):
            x = fixed[source]
            there, back = self.translation_network(networks, forward), self.translation_network(networks, backward)
            translated = there(x.to(next(there.parameters()).device))
            reconstructed = back(translated)
            columns = [from_model_range(x), from_model_range(translated.float().cpu()), from_model_range(reconstructed.float().cpu())]
            rows.append(torch.stack([as_rgb(c) for c in columns], 1).flatten(0, 1))
        return torch.cat(rows), 3

    def network_input(self, fixed: dict[str, Tensor]) -> Tensor:
        return fixed["a"]
