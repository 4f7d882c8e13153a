"""What every objective declares: its networks, its batches, its phases, its samples.

An objective is one task (unconditional, class-conditional, ...). The loop knows only this
interface: it builds the declared networks with their optimisers and EMAs, feeds each phase
the batches it asks for, steps the optimisers of the networks a phase trains, and saves all of
it by name. Adding a task = its `TaskChoice` in `ganforge.choices` (the config keys it reads,
the settings it refuses) and one file that subclasses `Objective` with one registry line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor, nn

from ganforge.choices import TASK_CHOICES
from ganforge.conditions import Conditions

if TYPE_CHECKING:
    from ganforge.config import Config
    from ganforge.data.training import TrainingImages
    from ganforge.training.batches import BatchField, TrainingBatches

Batch = dict[str, Tensor]  # e.g. {"image": [B,C,R,R] float in [-1,1], "label": [B] int64}
PhaseResult = tuple[Tensor, dict[str, Tensor]]  # (loss to minimise, detached logs)


@dataclass(frozen=True)
class DataInfo:
    """What an objective may know of the training data when it builds its networks."""

    resolution: int
    channels: int
    class_names: list[str] | None = None
    class_counts: list[int] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0


@dataclass(frozen=True)
class NetworkDecl:
    """One trained network: its module, its Adam settings and whether it keeps an EMA copy."""

    name: str
    module: nn.Module
    lr: float
    betas: tuple[float, float]
    ema: bool = False

    @classmethod
    def generator(cls, name: str, module: nn.Module, train) -> NetworkDecl:
        """A generator with `train`'s G settings (lr_g, betas_g) and its EMA when enabled."""
        return cls(name, module, train.lr_g, train.betas_g, ema=train.ema.enabled)

    @classmethod
    def discriminator(cls, name: str, module: nn.Module, train) -> NetworkDecl:
        """A discriminator with `train`'s D settings (lr_d, betas_d)."""
        return cls(name, module, train.lr_d, train.betas_d)


@dataclass(frozen=True)
class Phase:
    """One optimisation phase, run `repeats` times per iteration.

    `run(batch, last)` returns the loss; the optimisers of `trains` step on it; the weights of
    `frozen` need no gradients meanwhile (D in a G phase: a third of D's backward saved).
    `batch` is None when `needs_batch` is False; `last` marks the final repeat.
    """

    name: str
    trains: tuple[str, ...]
    run: Callable[[Batch | None, bool], PhaseResult]
    frozen: tuple[str, ...] = ()
    repeats: int = 1
    needs_batch: bool = True


class Objective:
    """Base class of a task. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]
    batch_keys: ClassVar[tuple[str, ...]] = ("image",)  # what `Batch` holds for this task
    sampled: ClassVar[str] = "G"  # the network that `sample`, `export` and `eval` use
    # What a trained run makes: "latents" (sample, interpolate, eval, align) or "translation"
    # (translate, eval-translation); the commands of the other kind refuse the run.
    output: ClassVar[str] = "latents"
    conditions: ClassVar[type[Conditions]] = Conditions  # what samples are conditioned on
    evaluation: ClassVar[str] = "images"  # in-training evaluation: a key of training.evaluation.EVALUATIONS
    grid_columns: ClassVar[tuple[str, ...] | None] = None  # names of the sample grid's columns, if it has any
    size_keys: ClassVar[tuple[str, ...]] = ("model.z_dim", "model.g.width", "model.d.width")  # named when they do not fit

    @classmethod
    def read_keys(cls) -> tuple[str, ...]:
        """Every config key this task reads (its `TaskChoice`: config validation reads the same)."""
        return TASK_CHOICES[cls.name].reads

    @classmethod
    def loaded_networks(cls, config: Config) -> tuple[str, ...] | None:
        """The networks a loaded run needs for inference (the sampled one by default; None: all)."""
        return (cls.sampled,)

    @classmethod
    def inference_network(cls, config: Config, networks: dict[str, nn.Module]) -> nn.Module:
        """The one module that `sample` draws from and `export` writes."""
        return networks[cls.sampled]

    @classmethod
    def check_loaded(cls, config: Config, saved: dict[str, Any], networks: dict[str, nn.Module], label: str) -> None:
        """Raise UserError when a loaded run cannot infer as saved (e.g. other text weights now)."""

    @classmethod
    def translators(cls, config: Config, networks: dict[str, nn.Module]) -> dict[str, Any]:
        """Translation tasks: {direction: Translator} over `networks` (the first: the default)."""
        return {}

    @classmethod
    def data_needs_labels(cls) -> bool:
        return "label" in cls.batch_keys

    @classmethod
    def load_data(cls, config: Config, device: torch.device) -> Any | None:
        """Training data of a task that reads more than images and labels; None: the images."""
        return None

    @classmethod
    def batch_source(cls, data: Any, config: Config, device: torch.device, channels_last: bool) -> TrainingBatches | None:
        """Batches of a task whose `load_data` gave its own data; None: the image batches."""
        return None

    @classmethod
    def declare(cls, config: Config, data: DataInfo) -> list[NetworkDecl]:
        raise NotImplementedError

    @classmethod
    def prepare_data(cls, config: Config, data: TrainingImages) -> TrainingImages:
        """The training images this task uses (a text task keeps captioned images only)."""
        return data

    def batch_fields(self, data: TrainingImages) -> dict[str, BatchField]:
        """Batch entries beyond "image" and "label", each drawn for the batch's image indices."""
        return {}

    def __init__(self, config: Config, networks: dict[str, nn.Module], device: torch.device, data: DataInfo):
        self.config, self.networks, self.device, self.data = config, networks, device, data

    def phases(self) -> list[Phase]:
        raise NotImplementedError

    def fixed_inputs(self, n: int, seed: int) -> dict[str, Tensor]:
        """Seeded CPU inputs of the sample grids written during training."""
        raise NotImplementedError

    def render(self, networks: dict[str, nn.Module], fixed: dict[str, Tensor]) -> tuple[Tensor, int]:
        """uint8 [N,C,H,W] images for a sample grid, and the images per row."""
        raise NotImplementedError

    def grid_labels(self, fixed: dict[str, Tensor]) -> list[str] | None:
        """A label per row of the sample grid (text tasks: the prompts), or None."""
        return None

    def describe(self, batch: Batch) -> str:
        """One line of shapes for `--dry-run`."""
        return "batch: " + ", ".join(f"{key} {tuple(value.shape)}" for key, value in batch.items())

    def drop_kept(self) -> None:
        """Forget anything kept from a phase for the next one (a skipped step)."""

    def seed_own_draws(self, seed: int) -> None:
        """Seed generators of its own (not torch's global one) for this process alone: with
        several processes, process r > 0 gets a seed of its own (see `distributed/ranks.py`)."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


OBJECTIVES: dict[str, type[Objective]] = {}


def register_objective(cls: type[Objective]) -> type[Objective]:
    """Class decorator: `OBJECTIVES[cls.name] = cls`; a name registered twice, or without its
    `TaskChoice` (what config validation knows of the task), is an error."""
    if cls.name in OBJECTIVES:
        raise ValueError(f"objective {cls.name!r} is already registered")
    if cls.name not in TASK_CHOICES:
        raise ValueError(f"objective {cls.name!r}: no TaskChoice of that name (ganforge.choices.register_task)")
    OBJECTIVES[cls.name] = cls
    return cls
