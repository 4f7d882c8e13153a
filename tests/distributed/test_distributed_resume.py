"""Two processes: a rank killed with SIGKILL stops the other with a clear message; the run
resumes bit-exactly; SIGTERM on one rank saves one consistent checkpoint and ends both."""

import signal
import subprocess

import pytest
import torch
from launch_helpers import as_cli, finish, start_ranks, tiny_overrides, wait_for_lines

STEPS = 24
OVERRIDES = tiny_overrides(**{
    "train.steps": STEPS, "ckpt.every": 4, "train.batch_size": 8,
    "augment.diffaugment": ["color", "translation", "cutout"],  # per-process random streams
    "train.distributed.timeout_s": 30,
})


def _train(run, *extra):
    return ["train", "dcgan-digits", *as_cli(OVERRIDES), "--run-dir", str(run), "--no-progress", *extra]


def _checkpoint(run):
    return torch.load(run / "checkpoints/latest.ckpt", weights_only=True)


def _assert_identical(a, b, path="checkpoint"):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_identical(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_identical(x, y, f"{path}[{index}]")
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run = tmp_path_factory.mktemp("ddp") / "A"
    results = finish(start_ranks(_train(run), stderr=subprocess.PIPE, text=True))
    assert all(code == 0 for code, _ in results), results
    return _checkpoint(run)


def test_killed_rank_then_resume_and_sigterm_match_uninterrupted(tmp_path, uninterrupted):
    run = tmp_path / "B"
    log = run / "log.jsonl"
    pipes = {"stderr": subprocess.PIPE, "text": True}

    processes = start_ranks(_train(run), **pipes)
    wait_for_lines(log, 10, processes)
    processes[1].send_signal(signal.SIGKILL)
    (code, err), _ = finish(processes)
    assert code == 1, err
    errors = [line for line in err.splitlines() if line.startswith("ganforge: error:")]
    assert len(errors) == 1 and "process 0 of 2 lost contact" in errors[0] and "--resume" in errors[0], err
    assert "Traceback" not in err, err

    processes = start_ranks(_train(run, "--resume"), **pipes)
    wait_for_lines(log, sum(1 for _ in log.open()) + 3, processes)
    processes[1].send_signal(signal.SIGTERM)
    (code0, err0), (code1, _) = finish(processes)
    assert (code0, code1) == (0, 0), err0
    assert "SIGTERM on process 1" in err0 and "checkpoint saved at step" in err0, err0
    saved = _checkpoint(run)
    assert 8 < saved["step"] < STEPS and saved["world_size"] == 2 and len(saved["ranks"]) == 2

    results = finish(start_ranks(_train(run, "--resume"), **pipes))
    assert all(code == 0 for code, _ in results), results
    final = _checkpoint(run)
    assert final["step"] == STEPS
    for key in ("networks", "ema", "optimizers", "batches", "objective", "ranks"):
        _assert_identical(final[key], uninterrupted[key], key)
    # Each process drew its own latents and augmentations: their streams differ.
    assert not torch.equal(final["ranks"][0]["rng"]["torch"], final["ranks"][1]["rng"]["torch"])
