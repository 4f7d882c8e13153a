"""Every network of every translation task is all-reduced: after steps on different halves of the
global batch, both processes hold the same weights (and the steps moved them)."""

import pytest
import torch
import torch.multiprocessing as mp
from launch_helpers import free_port, tiny
from workers import weights_after_steps

from ganforge.config import load_config
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state

PRESETS = ("pix2pix-shapes", "colorize-shapes", "cyclegan-shapes", "nicegan-shapes", "cut-shapes")
OVERRIDES = tiny(**{"train.batch_size": 4})
POOLED = {"cyclegan-shapes"}  # its image pools draw from step 1 with a pool of 1


def overrides(preset: str) -> dict:
    return {**OVERRIDES, **({"translation.pool_size": 1} if preset in POOLED else {})}


@pytest.fixture(scope="module")
def per_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("weights") / "weights"
    mp.spawn(weights_after_steps, args=(2, free_port(), [(p, overrides(p)) for p in PRESETS], 2, str(out)), nprocs=2)
    return [torch.load(f"{out}.{rank}", weights_only=True) for rank in range(2)]


@pytest.mark.parametrize("preset", PRESETS)
def test_both_processes_hold_the_same_weights(preset, per_process):
    first, second = (weights[preset] for weights in per_process)
    config = load_config(preset, overrides(preset))
    seed_everything(config.seed)
    initial = build_state(config).networks
    assert first.keys() == second.keys() == initial.keys()
    for name, parameters in first.items():
        start = dict(initial[name].named_parameters())
        for key, value in parameters.items():
            assert torch.equal(value, second[name][key]), f"{name}.{key}"
        moved = max((value - start[key]).abs().max() for key, value in parameters.items())
        assert moved > 1e-6, name
