"""The tasks `task` may name and each one's part of the config: the keys it reads beyond
`config.COMMON_KEYS` (a non-default value of any other key is refused) and the settings it
cannot use. `training.objectives` holds the code of each task; `register_objective` refuses
an objective without its `TaskChoice` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganforge.choices.models import ModelChoice

# check(task, config, model): raise ValueError, worded as a config error, for what the task cannot use
Check = Callable[["TaskChoice", Any, "ModelChoice"], None]


@dataclass(frozen=True)
class TaskChoice:
    name: str
    reads: tuple[str, ...]  # config keys (or whole sections) read beyond config.COMMON_KEYS
    checks: tuple[Check, ...] = ()
    model_name: str = ""  # a model only this task builds (its ModelChoice has built_by_task)
    uses_model_section: bool = True  # False: builds its own networks (config `translator`)

    def check(self, config: Any, model: ModelChoice) -> None:
        for check in self.checks:
            check(self, config, model)


TASK_CHOICES: dict[str, TaskChoice] = {}


def register_task(choice: TaskChoice) -> TaskChoice:
    if choice.name in TASK_CHOICES:
        raise ValueError(f"task {choice.name!r} is already registered")
    TASK_CHOICES[choice.name] = choice
    return choice


# Tasks that draw images from latents with a `model.name` network.
IMAGE_READS = ("data.crop", "data.include", "data.labels", "model", "loss.name", "loss.r1_gamma", "loss.r1_every",
               "loss.gp_weight", "loss.mmd_weight", "loss.mmd_pool", "loss.mmd_extremes", "augment", "train.n_dis")
TEXT_READS = ("data.crop", "data.include", "data.labels", "model", "train.n_dis", "text.encoder", "text.weights",
              "text.clip_model", "text.cache", "text.mismatch_weight", "text.mismatch_pairs", "text.contrastive_weight")


def _no_condition(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if config.data.labels:
        raise ValueError("data.labels=true: class labels condition task: conditional only; set task=conditional")
    if model.needs_condition:
        raise ValueError(f"model.name: {model.name} is built to read a condition (text or class); with task "
                         f"{task.name} use a model without one (e.g. dcgan), or a text or conditional task")


def _class_conditional_model(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if not model.conditional:
        raise ValueError(f"task: conditional needs a class-conditional model; model {model.name!r} is not one")


def _own_model(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if model.name != task.model_name:
        raise ValueError(f"task: {task.name} needs model.name={task.model_name} (got {model.name!r})")


def _one_wrong_caption(task: TaskChoice, config: Any, model: ModelChoice) -> None:
    if config.text.mismatch_pairs != "one":
        raise ValueError("text.mismatch_pairs: all is a text-dfgan option; GAN-CLS pairs each image with one wrong caption")


register_task(TaskChoice("unconditional", IMAGE_READS, (_no_condition,)))
register_task(TaskChoice("conditional", IMAGE_READS + ("data.balance", "loss.mismatch_weight", "loss.ac_weight",
                                                       "loss.ac_classifier", "loss.ac_width", "loss.diversity_weight",
                                                       "loss.diversity_start", "loss.diversity_pool", "loss.diversity_distance"),
                         (_class_conditional_model,)))
register_task(TaskChoice("text-dfgan", TEXT_READS + ("text.ma_gp_weight", "text.ma_gp_power", "text.ma_gp_every",
                                                     "text.mode_seeking", "text.diversity_weight",
                                                     "text.diversity_start", "text.diversity_pool", "text.diversity_distance", "text.pack"), (_own_model,), model_name="dfgan"))
register_task(TaskChoice("text-gancls", TEXT_READS + ("text.kl_weight", "text.condition_dim"),
                         (_own_model, _one_wrong_caption), model_name="gancls"))
