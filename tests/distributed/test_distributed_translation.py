"""CycleGAN under 2 processes: a run stopped and resumed ends bit-identical to an uninterrupted
one, each process's image pools included (per-process colour hints: test_distributed_units.py)."""

import subprocess

import torch
from launch_helpers import as_cli, finish, start_ranks, tiny
from test_distributed_resume import _assert_identical

STEPS = 6
POOL = 3  # full after 2 steps of 2 fakes per process: the later steps swap at random


def _train(run, steps, *extra):
    settings = tiny(**{"train.steps": steps, "ckpt.every": 2, "translation.pool_size": POOL,
                       "train.distributed.timeout_s": 60})
    return ["train", "cyclegan-shapes", *as_cli(settings), "--run-dir", str(run), "--no-progress", *extra]


def _run(args):
    results = finish(start_ranks(args, stderr=subprocess.PIPE, text=True))
    assert all(code == 0 for code, _ in results), [err[-2000:] for _, err in results]


def _checkpoint(run):
    return torch.load(run / "checkpoints/latest.ckpt", weights_only=True)


def test_two_process_cyclegan_resumes_bit_exactly_with_each_process_pool(tmp_path):
    _run(_train(tmp_path / "A", STEPS))
    _run(_train(tmp_path / "B", STEPS // 2))
    stopped = _checkpoint(tmp_path / "B")
    assert stopped["step"] == STEPS // 2 and stopped["world_size"] == 2
    _run(_train(tmp_path / "B", STEPS, "--resume"))
    uninterrupted, resumed = _checkpoint(tmp_path / "A"), _checkpoint(tmp_path / "B")
    assert resumed["step"] == STEPS
    for key in ("networks", "optimizers", "batches", "objective", "rng", "ranks"):
        _assert_identical(resumed[key], uninterrupted[key], key)
    own = [entries["objective"] for entries in resumed["ranks"]]
    _assert_identical(resumed["objective"], own[0], "objective")  # one process can resume it
    for name in ("A", "B"):  # each process's pools: full, and of its own images
        pools = [state["pools"][name]["images"] for state in own]
        assert [len(pool) for pool in pools] == [POOL, POOL]
        assert not torch.equal(pools[0], pools[1])
