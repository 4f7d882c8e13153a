"""Exact resume on CPU: interrupted-and-resumed runs end with the same weights as uninterrupted ones."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from helpers import as_cli, tiny_overrides
from safetensors.torch import load_file

from crash_hook import Crash, crash_at
from ganforge.api import export
from ganforge.config import load_config
from ganforge.training.loop import train

STEPS = 60
OVERRIDES = tiny_overrides(**{"train.steps": STEPS, "ckpt.every": 5, "augment.diffaugment": ["color", "translation", "cutout"]})


def _exported(run_dir: Path, out: Path) -> dict:
    weights, _ = export(run_dir, out)
    return load_file(weights)


def _assert_same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    config = load_config("dcgan-digits", OVERRIDES)
    train(config, root / "A", progress=False)
    return _exported(root / "A", root / "A.safetensors")


def test_crash_then_resume_matches_uninterrupted(tmp_path, reference):
    config = load_config("dcgan-digits", OVERRIDES)
    with pytest.raises(Crash):
        train(config, tmp_path / "B", progress=False, step_hook=crash_at(33))
    assert torch.load(tmp_path / "B/checkpoints/latest.ckpt", weights_only=True)["step"] == 30
    train(config, tmp_path / "B", resume=True, progress=False)
    _assert_same(reference, _exported(tmp_path / "B", tmp_path / "B.safetensors"))


def test_existing_run_without_resume_is_refused(tmp_path, reference):
    config = load_config("dcgan-digits", {**OVERRIDES, "train.steps": 5})
    train(config, tmp_path / "C", progress=False)
    from ganforge.errors import UserError

    with pytest.raises(UserError, match="--resume"):
        train(config, tmp_path / "C", progress=False)


def _cli(*args):
    return [sys.executable, "-m", "ganforge.cli", *args]


def _wait_for_step(log: Path, step: int, process, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        if log.exists() and sum(1 for _ in log.open()) >= step:
            return
        time.sleep(0.02)
    raise AssertionError("training did not reach the step in time")


def test_sigkill_then_resume_and_sigterm_checkpoint(tmp_path, reference):
    """A real process killed with SIGKILL mid-run resumes exactly; SIGTERM saves and exits 0."""
    run = tmp_path / "D"
    overrides = as_cli(OVERRIDES) + ["train.log_every=1"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(_cli("train", "dcgan-digits", *overrides, "--run-dir", str(run), "--no-progress"), env=env)
    _wait_for_step(run / "log.jsonl", 12, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process = subprocess.Popen(
        _cli("train", "dcgan-digits", *overrides, "--run-dir", str(run), "--resume", "--no-progress"),
        env=env, stderr=subprocess.PIPE, text=True,
    )
    lines_before = sum(1 for _ in (run / "log.jsonl").open())
    _wait_for_step(run / "log.jsonl", lines_before + 3, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0 and "SIGTERM received" in stderr, stderr
    saved = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"]
    assert 0 < saved < STEPS
    done = subprocess.run(
        _cli("train", "dcgan-digits", *overrides, "--run-dir", str(run), "--resume", "--no-progress"),
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _assert_same(reference, _exported(run, tmp_path / "D.safetensors"))
