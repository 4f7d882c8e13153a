"""The tables config validation reads (ganforge.choices) name exactly what the registries run,
and a registry refuses an entry the tables do not know."""

from dataclasses import fields

import pytest
from torch import nn

from ganforge.choices import (
    LOSS_CHOICES,
    MODEL_CHOICES,
    TASK_CHOICES,
    TEXT_ENCODER_CHOICES,
    ModelChoice,
)
from ganforge.losses import LOSSES
from ganforge.models import MODELS, register_model
from ganforge.text import TEXT_ENCODERS, register_text_encoder
from ganforge.training.objectives import OBJECTIVES, Objective, register_objective


def test_every_task_choice_has_its_objective_and_every_objective_its_choice():
    assert set(TASK_CHOICES) == set(OBJECTIVES)
    for name, objective in OBJECTIVES.items():
        assert objective.read_keys() == TASK_CHOICES[name].reads


def test_every_model_is_built_from_its_choice():
    assert set(MODEL_CHOICES) == set(MODELS)
    for name, spec in MODELS.items():
        assert {f.name: getattr(spec, f.name) for f in fields(ModelChoice)} == vars(MODEL_CHOICES[name])


def test_losses_and_text_encoders_are_the_ones_the_config_may_name():
    assert set(LOSS_CHOICES) == set(LOSSES)
    assert [name for name, loss in LOSSES.items() if loss.needs_gradient_penalty] == ["wgan-gp"]
    assert set(TEXT_ENCODER_CHOICES) == set(TEXT_ENCODERS)


def test_a_registry_refuses_what_config_validation_would_not_know():
    class Unknown(Objective):
        name = "no-such-task"

    with pytest.raises(ValueError, match="no-such-task.*no TaskChoice"):
        register_objective(Unknown)
    with pytest.raises(ValueError, match="no-such-model.*no ModelChoice"):
        register_model("no-such-model", nn.Identity, nn.Identity)
    with pytest.raises(ValueError, match="no-such-encoder.*TEXT_ENCODER_CHOICES"):
        register_text_encoder("no-such-encoder")(lambda config: None)
    assert "no-such-task" not in OBJECTIVES and "no-such-model" not in MODELS and "no-such-encoder" not in TEXT_ENCODERS
