"""CycleGAN under 2 processes: a run resumed from a mid-run checkpoint ends bit-identical to the
uninterrupted one, each process's image pools included (per-process colour hints:
test_distributed_units.py)."""

import json
import shutil
import subprocess

import torch
from launch_helpers import as_cli, finish, start_ranks, tiny
from test_distributed_resume import _assert_identical

STEPS = 8
MIDWAY = 4  # a numbered checkpoint the uninterrupted run wrote and kept (ckpt.keep=3)
POOL = 3  # full after 2 steps of 2 fakes per process: the steps after swap at random


def _train(run, steps, *extra):
    settings = tiny(**{"train.steps": steps, "ckpt.every": 2, "translation.pool_size": POOL,
                       "train.distributed.timeout_s": 60})
    return ["train", "cyclegan-shapes", *as_cli(settings), "--run-dir", str(run), "--no-progress", *extra]


def _run(args):
    results = finish(start_ranks(args, stderr=subprocess.PIPE, text=True))
    assert all(code == 0 for code, _ in results), [err[-2000:] for _, err in results]


def _checkpoint(run, name="latest.ckpt"):
    return torch.load(run / "checkpoints" / name, weights_only=True)


def test_two_process_cyclegan_resumes_bit_exactly_with_each_process_pool(tmp_path):
    _run(_train(tmp_path / "A", STEPS))
    midway = f"step-{MIDWAY:08d}.ckpt"
    stopped = _checkpoint(tmp_path / "A", midway)
    assert stopped["step"] == MIDWAY and stopped["world_size"] == 2
    (tmp_path / "B/checkpoints").mkdir(parents=True)
    shutil.copy(tmp_path / "A/checkpoints" / midway, tmp_path / "B/checkpoints/latest.ckpt")
    _run(_train(tmp_path / "B", STEPS, "--resume"))
    logged = [json.loads(line)["step"] for line in (tmp_path / "B/log.jsonl").read_text().splitlines()]
    assert logged == list(range(MIDWAY + 1, STEPS + 1))  # it went on from the checkpoint
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
