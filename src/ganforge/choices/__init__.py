"""What a config may name — tasks, models, losses, text encoders — with the keys each reads and
the settings each refuses, and none of the code that runs them.

The config layer validates against these tables alone, so loading and checking a config imports
no network, loss or training code. The registries that run them take their facts from here:
`register_model(name, ...)` builds its `ModelSpec` from `MODEL_CHOICES[name]`,
`register_objective` refuses a task with no `TaskChoice`, a `GanLoss` reads its keys from
`LOSS_CHOICES`, and `tests/choices/test_registries.py` fails when the two name different things.
"""

from ganforge.choices import translation_tasks  # noqa: E402,F401,I001  (registration)
from ganforge.choices.losses import LOSS_CHOICES, LOSS_OPTION_KEYS, LossChoice
from ganforge.choices.models import MODEL_CHOICES, ModelChoice
from ganforge.choices.tasks import TASK_CHOICES, TaskChoice, register_task
from ganforge.choices.text import TEXT_ENCODER_CHOICES

__all__ = ["LOSS_CHOICES", "LOSS_OPTION_KEYS", "MODEL_CHOICES", "TASK_CHOICES", "TEXT_ENCODER_CHOICES",
           "LossChoice", "ModelChoice", "TaskChoice", "register_task"]
