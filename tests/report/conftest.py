"""Two tiny real runs (seconds each), shared by the report tests; tests copy them before changing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganforge.cli import main

TINY = ["model.g.width=16", "model.d.width=16", "model.z_dim=8", "train.batch_size=16", "train.steps=20",
        "train.log_every=2", "train.sample_every=5", "train.sample_grid=16", "data.max_images=128",
        "ckpt.every=1000"]
# run "a" also evaluates during training (the shipped digits evaluator: no download, fast)
EVAL = ["eval.every=10", "eval.metrics=[fid,kid]", "eval.features=digits", "eval.n=40",
        "eval.kid_subset_size=20", "eval.real=builtin:digits"]


def train_tiny(run_dir: Path, *overrides: str) -> Path:
    code = main(["train", "gan-mlp-digits", *TINY, *overrides, "--run-dir", str(run_dir), "--no-progress"])
    assert code == 0
    return run_dir


@pytest.fixture(scope="session")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    first = train_tiny(root / "a", "name=lr-high", "train.lr_g=1e-3", *EVAL)
    second = train_tiny(root / "b", "name=lr-low", "train.lr_g=2e-4")
    return first, second
