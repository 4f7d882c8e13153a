"""One iteration's contract with the GradScaler and the logs; layering of the packages."""

import ast
from pathlib import Path

import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step

SRC = Path(__file__).parents[2] / "src" / "ganforge"


class CountingScaler(torch.amp.GradScaler):
    def __init__(self):
        super().__init__("cpu", enabled=False)
        self.steps, self.updates = [], 0

    def step(self, optimizer, *args, **kwargs):
        self.steps.append(optimizer)
        return super().step(optimizer, *args, **kwargs)

    def update(self, new_scale=None):
        self.updates += 1
        return super().update(new_scale)


def test_scaler_steps_each_optimiser_and_updates_once_per_iteration():
    config = load_config("dcgan-digits", tiny_overrides(**{"train.n_dis": 2}))
    seed_everything(0)
    state = build_state(config)
    state.scaler = CountingScaler()
    assert train_step(state, measure=False) == {}  # no logs, so nothing waits for the device
    assert state.scaler.updates == 1
    assert state.scaler.steps == [state.optimizers["D"], state.optimizers["D"], state.optimizers["G"]]
    logs = train_step(state, measure=True)
    assert {"d_loss", "g_loss", "grad_norm_d", "grad_norm_g"} <= set(logs)
    assert all(isinstance(value, float) for value in logs.values())


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
