"""The unconditional objective's regularisers and options reach the training logs."""

import json
import math

import pytest
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.training.loop import train


def _records(run):
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    ("extra", "logged"),
    [
        ({"loss.name": "wgan-gp", "model.d.batchnorm": False, "train.n_dis": 2}, "gradient_penalty"),
        ({"loss.name": "hinge", "loss.r1_gamma": 10.0, "loss.r1_every": 1}, "r1"),
    ],
)
def test_regulariser_is_applied_and_logged(extra, logged, tmp_path):
    run = train(load_config("dcgan-digits", tiny_overrides(**{"train.steps": 2, **extra})), tmp_path / "r", progress=False)
    records = _records(run)
    assert all(logged in r and r[logged] >= 0 for r in records)


def test_linear_lr_decay_reaches_zero(tmp_path):
    overrides = tiny_overrides(**{"train.steps": 4, "train.lr_decay": "linear", "train.lr_decay_start": 2})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "r", progress=False)
    lrs = [r["lr_g"] for r in _records(run)]
    assert lrs == pytest.approx([2e-4, 2e-4, 2e-4, 1e-4])


def test_compiled_training_keeps_checkpoint_names(tmp_path):
    import torch

    from ganforge.runs import load_generator

    overrides = tiny_overrides(**{"train.steps": 2, "train.compile": True})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "r", progress=False)
    assert all(math.isfinite(r["d_loss"]) for r in _records(run))
    state = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    assert not any("_orig_mod" in name for name in state["networks"]["G"])
    assert load_generator(run).z_dim == 8
