"""Evaluation sharded over 2 processes equals evaluation in one (extraction split, results merged),
the class metrics of a conditional generator (ifid, cacc) included."""

import json
import subprocess
import sys

import pytest
import torch.multiprocessing as mp
from launch_helpers import free_port, tiny_overrides
from workers import evaluate_in_group

from ganforge.api import evaluate
from ganforge.config import load_config
from ganforge.training.loop import train


@pytest.fixture(scope="module")
def generator_run(tmp_path_factory):
    config = load_config("dcgan-digits", tiny_overrides(**{"train.steps": 2}))
    return train(config, tmp_path_factory.mktemp("eval") / "run", progress=False)


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    config = load_config("cdcgan-digits", tiny_overrides(**{"train.steps": 2}))
    return train(config, tmp_path_factory.mktemp("eval") / "cond", progress=False)


def _calls(run, cache):
    # 200 images in batches of 32: 7 batches, 3 for process 0 and 4 for process 1.
    common = {"fake": str(run), "real": "builtin:digits", "features": "digits", "n": 200, "batch_size": 32}
    return [
        {**common, "metrics": ["fid"], "cache": False},  # float64 statistics streamed and merged
        {**common, "metrics": ["fid", "kid", "pr", "dc"], "kid_subset_size": 100, "cache": cache},
    ]


def _class_call(run):
    # 150 images in batches of 32: 5 generated batches, 2 for process 0 and 3 for process 1;
    # each class's real images (about 15) one batch, 5 classes' for each process.
    return {"fake": str(run), "real": "builtin:digits", "features": "digits", "n": 150, "batch_size": 32,
            "metrics": ["ifid", "cacc"], "ci": True, "ci_draws": 10, "cache": False}


@pytest.fixture(scope="module")
def two_process(tmp_path_factory, generator_run, conditional_run):
    """The results of 2 processes (one group for all calls): [process 0's, process 1's]."""
    out = tmp_path_factory.mktemp("sharded") / "result"
    calls = [*_calls(generator_run, True), _class_call(conditional_run)]
    mp.spawn(evaluate_in_group, args=(2, free_port(), calls, str(out)), nprocs=2)
    per_rank = [json.loads(out.with_name(f"result.{rank}").read_text()) for rank in range(2)]
    assert per_rank[0] == per_rank[1]  # every process holds the whole result
    return per_rank[0]


def test_two_process_evaluation_equals_one(two_process, generator_run):
    single = [evaluate(**call) for call in _calls(generator_run, False)]
    for sharded, alone in zip(two_process[:2], single, strict=True):
        assert sharded["protocol"]["n_fake"] == alone["protocol"]["n_fake"] == 200
        assert sharded["protocol"]["n_real"] == alone["protocol"]["n_real"] == 200
        assert sharded["fid"] == pytest.approx(alone["fid"], rel=1e-9, abs=0)
        assert sharded["fid"] > 0
    features_based = ("kid_mean", "kid_std", "precision", "recall", "density", "coverage")
    for key in features_based:  # gathered features in the single-process order: the same numbers
        assert two_process[1][key] == single[1][key], key


def test_eval_command_with_nproc_writes_one_result(tmp_path, generator_run):
    """`ganforge eval --nproc 2` (torchrun) prints and writes the one-process numbers, once."""
    out = tmp_path / "result.json"
    command = [sys.executable, "-m", "ganforge", "eval", "--fake", str(generator_run), "--real", "builtin:digits",
               "--features", "digits", "--metrics", "fid,kid,pr", "--n", "200", "--batch-size", "32",
               "--kid-subset-size", "100", "--no-cache", "--json", str(out), "--nproc", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sum(line.startswith("fid ") for line in done.stdout.splitlines()) == 1  # process 0 alone prints
    sharded = json.loads(out.read_text())
    alone = evaluate(fake=str(generator_run), real="builtin:digits", features="digits", metrics="fid,kid,pr",
                     n=200, batch_size=32, kid_subset_size=100, cache=False)
    assert sharded["fid"] == pytest.approx(alone["fid"], rel=1e-9, abs=0)
    for key in ("kid_mean", "kid_std", "precision", "recall"):
        assert sharded[key] == alone[key], key


def test_two_process_class_metrics_equal_one(two_process, conditional_run):
    """ifid and cacc: the generated batches and each class's real batches split over the
    processes, features and logits gathered in order: the one-process numbers exactly."""
    alone = json.loads(json.dumps(evaluate(**_class_call(conditional_run))))  # the workers' JSON form
    for key in ("ifid", "ifid_per_class", "ifid_ci", "class_accuracy", "class_accuracy_per_class",
                "class_accuracy_ci", "conditional_protocol"):
        assert two_process[2][key] == alone[key], key
    assert alone["ifid"] > 0 and len(alone["ifid_per_class"]) == 10
