"""The task-shaped core: an objective with two generators and two discriminators trains,
checkpoints every network by name and resumes bit-exactly; the loop knows no task."""

from pathlib import Path

import pytest
import torch
from helpers import tiny_overrides

from ganforge.choices import TaskChoice, register_task
from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.losses import LOSSES
from ganforge.models import build_models
from ganforge.training.loop import train
from ganforge.training.objectives import (
    OBJECTIVES,
    NetworkDecl,
    Objective,
    Phase,
    register_objective,
)
from ganforge.training.objectives.unconditional import UnconditionalObjective

register_task(TaskChoice("test-two-pairs", reads=("model", "loss.name")))  # its networks are built from the model section


@register_objective
class TwoPairs(Objective):
    """Two independent GANs trained in one D phase and one G phase (the shape of CycleGAN)."""

    name = "test-two-pairs"

    @classmethod
    def declare(cls, config, data):
        pairs = [build_models(config.model, data.resolution, data.channels) for _ in range(2)]
        train = config.train
        return [
            NetworkDecl("G_A", pairs[0][0], train.lr_g, train.betas_g, ema=True),
            NetworkDecl("G_B", pairs[1][0], train.lr_g, train.betas_g, ema=True),
            NetworkDecl("D_A", pairs[0][1], train.lr_d, train.betas_d),
            NetworkDecl("D_B", pairs[1][1], train.lr_d, train.betas_d),
        ]

    def __init__(self, config, networks, device, data):
        super().__init__(config, networks, device, data)
        self.loss = LOSSES["nonsaturating"]
        self.g_steps = 0

    def _fakes(self, n):
        z = torch.randn(n, self.config.model.z_dim, device=self.device)
        return self.networks["G_A"](z), self.networks["G_B"](-z)

    def d_step(self, batch, last):
        real = batch["image"]
        with torch.no_grad():
            fake_a, fake_b = self._fakes(len(real))
        loss = self.loss.d_loss(self.networks["D_A"](real), self.networks["D_A"](fake_a))
        loss = loss + self.loss.d_loss(self.networks["D_B"](real.flip(-1)), self.networks["D_B"](fake_b))
        return loss, {"d_loss": loss.detach()}

    def g_step(self, batch, last):
        fake_a, fake_b = self._fakes(self.config.train.batch_size)
        loss = self.loss.g_loss(self.networks["D_A"](fake_a)) + self.loss.g_loss(self.networks["D_B"](fake_b))
        self.g_steps += 1
        return loss, {"g_loss": loss.detach()}

    def phases(self):
        return [
            Phase("D", trains=("D_A", "D_B"), run=self.d_step),
            Phase("G", trains=("G_A", "G_B"), run=self.g_step, frozen=("D_A", "D_B"), needs_batch=False),
        ]

    def fixed_inputs(self, n, seed):
        return {"z": torch.randn(n, self.config.model.z_dim, generator=torch.Generator().manual_seed(seed))}

    def render(self, networks, fixed):
        with torch.no_grad():
            images = torch.cat([networks["G_A"](fixed["z"]), networks["G_B"](fixed["z"])])
        return ((images + 1) * 127.5).clamp(0, 255).round().to(torch.uint8), len(fixed["z"])

    def state_dict(self):
        return {"g_steps": self.g_steps}

    def load_state_dict(self, state):
        self.g_steps = int(state["g_steps"])


def _config(steps, **extra):
    overrides = tiny_overrides(**{"task": "test-two-pairs", "model.name": "mlp", "model.g.width": 16,
                                  "model.d.width": 16, "train.steps": steps, "ckpt.every": 3, **extra})
    return load_config("dcgan-digits", overrides)


def _checkpoint(run: Path) -> dict:
    return torch.load(run / "checkpoints/latest.ckpt", weights_only=True)


def _assert_equal_trees(a, b, where="checkpoint"):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_equal_trees(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_equal_trees(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


class Crash(Exception):
    pass


def test_four_networks_are_declared_trained_and_checkpointed_by_name(tmp_path):
    run = train(_config(4), tmp_path / "r", progress=False)
    state = _checkpoint(run)
    assert state["format"] == "ganforge-checkpoint/2" and state["task"] == "test-two-pairs"
    assert set(state["networks"]) == set(state["optimizers"]) == {"G_A", "G_B", "D_A", "D_B"}
    assert set(state["ema"]) == {"G_A", "G_B"}
    assert state["objective"] == {"g_steps": 4}
    initial = _config(4)
    torch.manual_seed(initial.seed)
    untrained = TwoPairs.declare(initial, type("Info", (), {"resolution": 32, "channels": 1})())
    for decl in untrained:  # every network moved away from its initialisation
        trained = state["networks"][decl.name]
        assert any(not torch.equal(t, trained[k]) for k, t in decl.module.state_dict().items()), decl.name
    assert (run / "samples/final.png").is_file()


def test_four_network_run_resumes_bit_exactly(tmp_path):
    train(_config(8), tmp_path / "A", progress=False)

    def crash_at_7(state, run_dir, logger):
        if state.step == 7:
            raise Crash

    with pytest.raises(Crash):
        train(_config(8), tmp_path / "B", progress=False, step_hook=crash_at_7)
    assert _checkpoint(tmp_path / "B")["step"] == 6
    train(_config(8), tmp_path / "B", resume=True, progress=False)
    a, b = _checkpoint(tmp_path / "A"), _checkpoint(tmp_path / "B")
    for key in ("networks", "ema", "optimizers", "objective", "batches", "step"):
        _assert_equal_trees(a[key], b[key], key)


def test_loop_has_no_task_branches():
    source = "".join((Path(__file__).parents[2] / "src/ganforge/training" / name).read_text()
                     for name in ("loop.py", "step.py", "state.py"))
    assert "task ==" not in source and "unconditional" not in source and "conditional" not in source


def test_objective_registry_refuses_a_duplicate_name():
    with pytest.raises(ValueError, match="already registered"):
        register_objective(type("Again", (UnconditionalObjective,), {"name": "unconditional"}))
    assert OBJECTIVES["unconditional"] is UnconditionalObjective


def test_resume_into_another_task_names_the_difference(tmp_path):
    train(_config(2), tmp_path / "r", progress=False)
    other = load_config("dcgan-digits", tiny_overrides(**{"train.steps": 4}))
    with pytest.raises(UserError, match="task"):
        train(other, tmp_path / "r", resume=True, progress=False)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"model.g.batchnorm": False}, "model.g.batchnorm"),
        ({"model.g.spectral_norm": True}, "model.g.spectral_norm"),
        ({"model.name": "resnet", "model.d.batchnorm": False}, "model.d.batchnorm: model 'resnet' has no such option"),
        ({"model.name": "mlp", "model.d.batchnorm": False}, "model.d.batchnorm: model 'mlp' has no such option"),
        ({"task": "conditional", "model.name": "mlp"}, "needs a class-conditional model"),
        ({"task": "nope"}, "task: unknown value 'nope'"),
    ],
)
def test_config_keys_that_would_do_nothing_are_refused(override, message):
    with pytest.raises(UserError, match=message):
        load_config("dcgan-digits", override)


def test_model_default_loss_applies_when_loss_is_unset():
    assert load_config({"model": {"name": "resnet"}, "data": {"channels": 3}}).loss.name == "hinge"
    assert load_config({"model": {"name": "dcgan"}}).loss.name == "nonsaturating"
    assert load_config({"model": {"name": "resnet"}, "loss": {"name": "lsgan"}}).loss.name == "lsgan"


def test_dcgan_d_options_change_the_network():
    from torch.nn.utils.parametrize import is_parametrized

    plain = build_models(load_config({"model": {"d": {"width": 4, "batchnorm": False}}}).model, 32, 1)[1]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())
    sn = build_models(load_config({"model": {"d": {"width": 4, "spectral_norm": True}}}).model, 32, 1)[1]
    assert any(is_parametrized(m) for m in sn.modules())
