"""One iteration's contract with the GradScaler and the logs; layering of the packages."""

import ast
from pathlib import Path

import pytest
import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.training.device import Placement
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step

SRC = Path(__file__).parents[2] / "src" / "ganforge"


class CountingScaler(torch.amp.GradScaler):
    """An enabled CPU GradScaler that records which optimisers it stepped between updates."""

    def __init__(self):
        super().__init__("cpu", init_scale=2.0**8)
        self.rounds, self.current = [], []

    def step(self, optimizer, *args, **kwargs):
        self.current.append(optimizer)
        return super().step(optimizer, *args, **kwargs)

    def update(self, new_scale=None):
        self.rounds.append(self.current)
        self.current = []
        return super().update(new_scale)


def _counting(state):
    state.scalers = {name: CountingScaler() for name in state.scalers}
    return state.scalers


def test_each_phase_scaler_steps_each_optimiser_once_per_update():
    config = load_config("dcgan-digits", tiny_overrides(**{"train.n_dis": 2}))
    seed_everything(0)
    state = build_state(config)
    scalers = _counting(state)
    assert train_step(state, measure=False) == {}  # no logs, so nothing waits for the device
    d, g = state.optimizers["D"], state.optimizers["G"]
    assert scalers["D"].rounds == [[d], [d]] and scalers["G"].rounds == [[g]]
    logs = train_step(state, measure=True)
    assert {"d_loss", "g_loss", "grad_norm_d", "grad_norm_g"} <= set(logs)
    assert all(isinstance(value, float) for value in logs.values())


def test_one_shared_scaler_would_refuse_the_repeated_phase():
    """Why the scalers are per phase: PyTorch refuses a second step of one optimiser before update()."""
    config = load_config("dcgan-digits", tiny_overrides(**{"train.n_dis": 2}))
    seed_everything(0)
    state = build_state(config)
    shared = torch.amp.GradScaler("cpu")
    state.scalers = dict.fromkeys(state.scalers, shared)
    shared.update = lambda new_scale=None: None  # the old pattern: one update per iteration
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        train_step(state)


def _enabled_fp16_state(config):
    seed_everything(0)
    state = build_state(config)
    state.placement = Placement(state.placement.device, torch.float16, state.placement.channels_last)
    state.scalers = {name: torch.amp.GradScaler("cpu", init_scale=2.0**8) for name in state.scalers}
    return state


def _trained_weights_change(state, steps=2):
    before = {name: [p.detach().clone() for p in net.parameters()] for name, net in state.networks.items()}
    for _ in range(steps):
        assert train_step(state, measure=True) is not None
    for name, net in state.networks.items():
        assert any(not torch.equal(a, b) for a, b in zip(before[name], net.parameters(), strict=True)), name
    return {name: scaler.get_scale() for name, scaler in state.scalers.items()}


def test_fp16_with_enabled_scalers_trains_with_repeated_d_steps():
    scales = _trained_weights_change(_enabled_fp16_state(load_config("dcgan-digits", tiny_overrides(**{"train.n_dis": 2}))))
    assert set(scales) == {"D", "G"} and all(scale > 0 for scale in scales.values())


def test_fp16_with_enabled_scalers_trains_a_text_task_whose_encoder_steps_in_both_phases():
    overrides = {**tiny_overrides(), "text.encoder": "learned", "train.n_dis": 2, "text.ma_gp_every": 2}
    state = _enabled_fp16_state(load_config("dfgan-shapes", overrides))
    assert "G" in state.objective.phases()[0].trains  # the D phase steps the learned encoder too
    _trained_weights_change(state)


def test_a_checkpoint_with_one_shared_scaler_gives_its_scale_to_every_phase():
    config = load_config("dcgan-digits", tiny_overrides(**{"train.n_dis": 2}))
    state = _enabled_fp16_state(config)
    saved = state.state_dict()
    old = torch.amp.GradScaler("cpu", init_scale=2.0**5)
    saved.pop("scalers")
    saved["scaler"] = old.state_dict()
    state.load_state_dict(saved)
    assert {name: scaler.get_scale() for name, scaler in state.scalers.items()} == {"D": 32.0, "G": 32.0}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_models_never_import_the_config_or_training():
    for path in (SRC / "models").glob("*.py"):
        bad = {name for name in _imports(path) if name.startswith(("ganforge.config", "ganforge.training"))}
        assert not bad, (path.name, bad)
