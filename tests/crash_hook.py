"""A step hook that stops training at a given step, as a crash would, and the resume check
built on it: one run trained through, one stopped and resumed, their checkpoints compared."""

from pathlib import Path

import pytest
import torch


class Crash(Exception):
    pass


def crash_at(step: int):
    def hook(state, run_dir, logger):
        if state.step == step:
            raise Crash

    return hook


def through_and_resumed(config, root: Path, crash_step: int) -> tuple[dict, dict]:
    """The networks of the latest checkpoint of a run trained through (root/A) and of one
    stopped at step `crash_step` and resumed (root/B)."""
    from ganforge.training.loop import train

    train(config, root / "A", progress=False)
    with pytest.raises(Crash):
        train(config, root / "B", progress=False, step_hook=crash_at(crash_step))
    train(config, root / "B", resume=True, progress=False)
    return tuple(torch.load(root / run / "checkpoints/latest.ckpt", weights_only=True)["networks"] for run in "AB")


def assert_same_networks(a: dict, b: dict) -> None:
    """Every tensor of every network equal bit for bit (and the same networks and keys)."""
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].keys() == b[name].keys(), name
        for key, value in a[name].items():
            if isinstance(value, torch.Tensor):
                assert torch.equal(value, b[name][key]), f"{name}.{key}"
