"""Non-finite losses: skipped steps, restore of the last checkpoint with lower lr, or a clean stop."""

import json

import pytest
import torch
from helpers import tiny_overrides

from ganforge import losses
from ganforge.choices import LOSS_CHOICES, LossChoice
from ganforge.config import load_config
from ganforge.errors import TrainingFailed
from ganforge.training.loop import train


class PoisonedLoss:
    """Non-saturating loss whose D loss is NaN on calls listed in `bad_calls`."""

    needs_gradient_penalty = False

    def __init__(self, bad_calls):
        self.inner = losses.LOSSES["nonsaturating"]
        self.bad_calls = set(bad_calls)
        self.calls = 0

    def d_loss(self, real_logits, fake_logits):
        self.calls += 1
        value = self.inner.d_loss(real_logits, fake_logits)
        return value * torch.nan if self.calls in self.bad_calls else value

    def g_loss(self, fake_logits):
        return self.inner.g_loss(fake_logits)


def _poison(monkeypatch, bad_calls) -> None:
    """Make `loss.name: poisoned` a loss the config accepts and training runs."""
    monkeypatch.setitem(LOSS_CHOICES, "poisoned", LossChoice("poisoned"))
    monkeypatch.setitem(losses.LOSSES, "poisoned", PoisonedLoss(bad_calls))


def _config(**extra):
    return load_config("dcgan-digits", {**tiny_overrides(**{"loss.name": "poisoned", "ckpt.every": 4}), **extra})


def test_isolated_bad_steps_are_skipped(monkeypatch, tmp_path, capsys):
    _poison(monkeypatch, {3, 4})
    run = train(_config(**{"train.steps": 6}), tmp_path / "run", progress=False)
    steps = [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert capsys.readouterr().err.count("non-finite loss") == 2


def test_bad_streak_restores_checkpoint_with_lower_lr(monkeypatch, tmp_path, capsys):
    # calls 1-4 good (steps 1-4, checkpoint at 4), calls 5-7 bad -> restore step 4, lr x0.5
    _poison(monkeypatch, {5, 6, 7})
    config = _config(**{"train.steps": 6, "train.divergence.max_bad_steps": 3})
    run = train(config, tmp_path / "run", progress=False)
    assert "restored step 4 with lr x0.5" in capsys.readouterr().err
    last = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    assert last["step"] == 6 and last["lr_g"] == pytest.approx(config.train.lr_g * 0.5)


def test_bad_streak_with_stop_action_fails_cleanly(monkeypatch, tmp_path):
    _poison(monkeypatch, set(range(1, 100)))
    config = _config(**{"train.steps": 6, "train.divergence.max_bad_steps": 2, "train.divergence.action": "stop"})
    with pytest.raises(TrainingFailed, match="diverged"):
        train(config, tmp_path / "run", progress=False)
